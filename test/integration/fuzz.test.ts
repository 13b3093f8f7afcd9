import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { runFuzz } from '../helpers/fuzz-run.js'
import { startFuzzSetup, type FuzzSetup } from '../helpers/fuzz-world.js'

/**
 * The XRPC surface fuzzed on the real server: every served method (src/api/index.ts, so a new
 * one is fuzzed without a line here) gets cases generated from its lexicon — valid, boundary,
 * wrong types, oversized strings and lists, search syntax, junk cursors and identifiers,
 * prototype-named parameters, bad encodings and HTTP methods, junk bodies and every kind of bad
 * token. None may be a 5xx (but overload's 503), an error that is not `{error, message}` JSON, a
 * 200 the lexicon does not describe, or a refused token served; the server answers after.
 * FUZZ_SEED picks another stream (the seed is printed); FUZZ_CASES the cases per method.
 */

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const casesPerMethod = Number(process.env.FUZZ_CASES ?? 15)

let setup: FuzzSetup

before(async () => {
  setup = await startFuzzSetup('fuzz')
})

after(async () => {
  await setup?.close()
})

test(`every served method survives lexicon-generated hostile requests (FUZZ_SEED=${seed})`, async () => {
  const report = await runFuzz(setup.target, { seed, casesPerMethod, concurrency: 4 })
  console.log(`fuzz: seed ${seed}, ${report.cases} cases in ${report.ms} ms, by status ${JSON.stringify(report.byStatus)}`)
  assert.equal(report.cases, casesPerMethod * setup.target.methods.length)
  const lines = report.findings.map((f) => `- ${f.problem}\n    ${f.case}\n    answered ${f.status}: ${f.body}`)
  assert.equal(report.findings.length, 0, `FUZZ_SEED=${seed}: ${report.findings.length} findings\n${lines.join('\n')}`)
  // Valid requests were served, and refusals happened too: the fuzz reached past validation.
  assert.ok((report.byStatus[200] ?? 0) > setup.target.methods.length, JSON.stringify(report.byStatus))
  assert.ok((report.byStatus[400] ?? 0) > 0 && (report.byStatus[401] ?? 0) > 0, JSON.stringify(report.byStatus))
})

test('the server is still healthy after the fuzz', async () => {
  const { api, viewer, target } = setup
  const profile = await api.xrpc('app.bsky.actor.getProfile', { actor: viewer.did }, viewer)
  assert.equal(profile.status, 200)
  assert.equal(profile.body.did, viewer.did)
  const posts = await api.xrpc('app.bsky.feed.searchPosts', { q: 'magpies' })
  assert.equal(posts.status, 200)
  assert.ok(posts.body.posts.length >= 1)
  const status = (await (await fetch(`${target.base}/status`)).json()) as { healthy: boolean }
  assert.equal(status.healthy, true)
})
