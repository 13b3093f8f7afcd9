import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadDemoNetwork, loadDevTools } from '#/cli/dev-tools.js'
import { UsageError } from '#/cli/usage-error.js'

test('a dev tool whose package is not installed is a usage error that says what to install', async () => {
  // A real failed import, as a production install (`npm ci --omit=dev`) gives for @atproto/dev-env.
  const absent = '@atproto/magpie-no-such-package'
  await assert.rejects(
    loadDevTools('demo', () => import(absent)),
    (err: unknown) => {
      assert.ok(err instanceof UsageError)
      assert.match(err.message, /`magpie demo` needs the development dependencies/)
      assert.match(err.message, /npm install --include=dev/)
      assert.match(err.message, /Cannot find package '@atproto\/magpie-no-such-package'/)
      return true
    },
  )
})

test('any other failure while loading a dev tool is passed on unchanged', async () => {
  const failure = new TypeError('the devnet module threw while loading')
  await assert.rejects(
    loadDevTools('demo', async () => {
      throw failure
    }),
    (err: unknown) => err === failure,
  )
})

test('with the dev dependencies installed, the demo network loads', async () => {
  const demo = await loadDemoNetwork()
  assert.equal(typeof demo.startDevNetwork, 'function')
  assert.equal(typeof demo.runActivity, 'function')
})

test('nothing under src/ imports the dev tooling statically, so a production install can load every module', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const offenders: string[] = []
  for (const file of readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue
    const source = readFileSync(path.join(root, 'src', file), 'utf8')
    // `import … from`, `export … from` and bare `import '…'`; `import type` is erased by the compiler.
    for (const m of source.matchAll(/^(import|export)(?!\s+type\b)[^'"]*?['"]([^'"]+)['"]/gm)) {
      if (/^#devnet\/|^@atproto\/(dev-env|pds|bsky|ozone)$|^(tsx|typescript|ws|cborg)$/.test(m[2]!)) offenders.push(`src/${file}: ${m[2]}`)
    }
  }
  assert.deepEqual(offenders, [])
})
