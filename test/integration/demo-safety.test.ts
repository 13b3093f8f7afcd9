import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { demoIndexPrefix, DEMO_INDEX_PREFIX } from '#/cli/commands/demo.js'
import { UsageError } from '#/cli/usage-error.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * `magpie demo` recreates its indices on every run. It must never be the command that wipes an
 * operator's data: with OPENSEARCH_URL or INDEX_PREFIX exported (as a production shell has
 * them), it refuses before it touches anything.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
let client: Client
let prefix: string

before(async () => {
  client = testClient()
  prefix = uniquePrefix('demo-safety')
  await client.indices.create({ index: `${prefix}posts-keep` })
})

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

test('with OPENSEARCH_URL and INDEX_PREFIX exported, demo refuses and the indices stay', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'demo', '--port', '0'], {
    cwd: root,
    env: { ...process.env, OPENSEARCH_URL: process.env.OPENSEARCH_URL, INDEX_PREFIX: prefix, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    // Whichever comes first: the demo gives up, or the index is gone.
    const deadline = Date.now() + 90_000
    let code: number | null | undefined
    while (code === undefined && Date.now() < deadline) {
      code = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 250))])
      const kept = await client.indices.exists({ index: `${prefix}posts-keep` })
      assert.equal(kept.body, true, `demo deleted ${prefix}posts-keep`)
    }
    assert.equal(code, 2, stderr)
    assert.match(stderr, /OPENSEARCH_URL/)
  } finally {
    child.kill('SIGKILL')
  }
})

test('demo uses its own prefix on the node Magpie manages, and refuses anything else', () => {
  assert.equal(demoIndexPrefix({}), DEMO_INDEX_PREFIX)
  assert.equal(demoIndexPrefix({ INDEX_PREFIX: '', OPENSEARCH_URL: '' }), DEMO_INDEX_PREFIX, 'empty means unset')
  assert.equal(demoIndexPrefix({ INDEX_PREFIX: DEMO_INDEX_PREFIX }), DEMO_INDEX_PREFIX)
  assert.throws(() => demoIndexPrefix({ INDEX_PREFIX: 'magpie-' }), (err: unknown) => err instanceof UsageError && /INDEX_PREFIX/.test(err.message))
  assert.throws(
    () => demoIndexPrefix({ OPENSEARCH_URL: 'https://search.example.com:9200' }),
    (err: unknown) => err instanceof UsageError && /OPENSEARCH_URL/.test(err.message),
  )
})
