import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Client } from '@opensearch-project/opensearch'
import { MemoryBlockstore, Repo, readCarWithRoot } from '@atproto/repo'
import { reposFromCarFiles } from '#devnet/repo-car-files.js'
import { startRepoHost, type RepoHost } from '#devnet/repo-host.js'
import { RepoStateStore } from '#/store/repo-state.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { validateRecord } from '#/indexing/validate-record.js'
import { createLogger } from '#/log.js'
import { repoCarsDir } from '../helpers/corpus.js'
import { devnetConfig, devnetEnv } from '../helpers/devnet-env.js'
import { cidMismatch, deepChain, memoryBomb, outOfOrderKeys, plainRepo, repeatedSubtrees, truncatedBlock, type CraftedRepo } from '../helpers/hostile-cars.js'
import { dropPrefix, getDoc, setUpPrefix, testClient } from '../helpers/opensearch.js'

/**
 * Backfill from a local host serving the real repo CARs (test/fixtures/repo-cars) as a PDS and
 * a PLC: every record indexed with its CID; lying, truncated, rate-limited, failing and
 * taken-down repos each handled with a recorded reason without stopping the others; repos
 * crafted to exhaust memory refused the same way by a `magpie backfill` that keeps going; and a
 * SIGKILLed `magpie backfill` that resumes to the same state as an uninterrupted run.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
const carFiles = readdirSync(repoCarsDir())
  .filter((f) => f.endsWith('.car'))
  .sort()
  .map((f) => path.join(repoCarsDir(), f))
let client: Client
let host: RepoHost
const prefixes: string[] = []
const didOf = new Map<string, string>()

before(async () => {
  client = testClient()
  const repos = await reposFromCarFiles(carFiles)
  host = await startRepoHost({ repos })
  for (const repo of repos) {
    didOf.set(path.basename(repo.carPath), repo.did)
    // The signing keys of these real accounts are not at hand: documents without one (the
    // backfill then checks hashes and the tree, not the signature), pointing at this host.
    host.putRepo({
      ...repo,
      didDoc: {
        id: repo.did,
        alsoKnownAs: [],
        verificationMethod: [],
        service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: host.url }],
      },
    })
  }
})

after(async () => {
  await host.close()
  for (const prefix of prefixes) await dropPrefix(client, prefix)
  await client.close()
})

const freshPrefix = (name: string): Promise<string> => setUpPrefix(client, name, prefixes, log)

function config(prefix: string, extra: Record<string, string> = {}) {
  return devnetConfig({ plcUrl: host.url }, prefix, { BULK_FLUSH_MS: '50', BACKFILL_MAX_ATTEMPTS: '3', ...extra })
}

/** What a CAR holds, read with @atproto/repo (not Magpie's reader): path → CID, and which records are lexicon-valid. */
async function carTruth(file: string): Promise<Map<string, { cid: string; valid: boolean }>> {
  const { root: commitCid, blocks } = await readCarWithRoot(readFileSync(file))
  const storage = new MemoryBlockstore(blocks)
  const repo = await Repo.load(storage, commitCid)
  const truth = new Map<string, { cid: string; valid: boolean }>()
  for await (const entry of repo.walkRecords()) {
    truth.set(`at://${repo.did}/${entry.collection}/${entry.rkey}`, { cid: entry.cid.toString(), valid: validateRecord(entry.collection, entry.record).ok })
  }
  return truth
}

/** Live record documents of one DID: URI → CID. */
async function indexedRecords(prefix: string, did: string): Promise<Map<string, string>> {
  await client.indices.refresh({ index: `${prefix}*` })
  const res = await client.search({
    index: `${prefix}*,-${prefix}actors-*,-${prefix}state-*`,
    body: { size: 1000, query: { bool: { filter: [{ term: { did } }], must_not: [{ term: { tomb: true } }] } }, _source: ['cid'] },
  })
  return new Map(((res.body as any).hits.hits as { _id: string; _source: { cid: string } }[]).map((h) => [h._id, h._source.cid]))
}

describe('backfill of the real repo CARs', () => {
  test('every record of every CAR is indexed with its CID (empty and legacy v2 repos included)', async () => {
    const prefix = await freshPrefix('bf-cars')
    const summary = await startBackfill(config(prefix), client, log, { hosts: [host.url], tty: false })
    assert.equal(summary.done, carFiles.length, JSON.stringify(summary))
    assert.equal(summary.failed, 0)
    let total = 0
    for (const file of carFiles) {
      const did = didOf.get(path.basename(file))!
      const truth = await carTruth(file)
      const expected = new Map([...truth].filter(([, t]) => t.valid).map(([uri, t]) => [uri, t.cid]))
      assert.deepEqual(await indexedRecords(prefix, did), expected, path.basename(file))
      total += expected.size
    }
    assert.equal(summary.records, total)
  })

  test('lying, truncated, throttled, failing and taken-down repos: each recorded with its reason, the others done', async () => {
    const prefix = await freshPrefix('bf-faults')
    const did = (file: string) => didOf.get(file)!
    const corrupt = did('repo-stream_tiny.car')
    const truncated = did('indigo_greenground.repo.car')
    const throttled = did('rsky_valid_repo.car')
    const flaky = did('arroba_snarfed2.car')
    const takendown = did('bnewbold.robocracy.org.20250310005405.car')
    const slow = did('repo-stream_empty.car')
    const start = host.fetchCounts()
    const fetches = (d: string) => host.fetchCount(d) - (start.get(d) ?? 0)
    host.setFault(corrupt, { corruptBlock: true })
    host.setFault(truncated, { truncateAt: 200 })
    host.setFault(throttled, { status: 429, retryAfter: 1, times: 1 })
    host.setFault(flaky, { status: 500, times: 2 })
    host.setFault(takendown, { status: 400, error: 'RepoTakendown' })
    host.setFault(slow, { delayMs: 3_000 })
    try {
      const summary = await startBackfill(config(prefix, { BACKFILL_TIMEOUT_MS: '1000' }), client, log, { hosts: [host.url], tty: false })
      const states = await new RepoStateStore(client, prefix).getMany([...didOf.values()])
      const show = JSON.stringify(Object.fromEntries(states))
      assert.equal(states.get(corrupt)?.status, 'failed', show)
      assert.match(states.get(corrupt)!.reason!, /does not match its CID/)
      assert.equal(states.get(truncated)?.status, 'failed', show)
      assert.equal(states.get(slow)?.status, 'failed', show)
      assert.match(states.get(slow)!.reason!, /timeout/)
      assert.equal(fetches(slow), 3, 'a timeout is retried up to BACKFILL_MAX_ATTEMPTS')
      assert.equal(states.get(throttled)?.status, 'done', show)
      assert.equal(states.get(flaky)?.status, 'done', show)
      assert.equal(fetches(flaky), 3)
      assert.equal(fetches(throttled), 2)
      assert.equal(states.get(takendown)?.status, 'unavailable', show)
      assert.match(states.get(takendown)!.reason!, /RepoTakendown/)
      assert.equal(summary.done, carFiles.length - 4)
      // Nothing of a refused repo is indexed; the taken-down account is hidden.
      assert.equal((await indexedRecords(prefix, corrupt)).size, 0)
      assert.equal((await indexedRecords(prefix, truncated)).size, 0)
      assert.equal((await getDoc(client, prefix, 'actors', takendown))?.status, 'takendown')

      // The next run retries what failed, and only that, once the host behaves.
      for (const d of [corrupt, truncated, slow, takendown]) host.setFault(d)
      const before = host.fetchCounts()
      const again = await startBackfill(config(prefix), client, log, { repos: [takendown], hosts: [host.url], tty: false })
      assert.equal(again.done, 4, JSON.stringify(again))
      for (const [d, n] of host.fetchCounts()) {
        const retried = [corrupt, truncated, slow, takendown].includes(d)
        assert.equal(n - (before.get(d) ?? 0), retried ? 1 : 0, `${d} fetched again: ${retried}`)
      }
      assert.equal((await indexedRecords(prefix, corrupt)).size, 8)
    } finally {
      for (const d of didOf.values()) host.setFault(d)
    }
  })
})

describe('hostile repos among honest ones', () => {
  test('`magpie backfill` refuses each repo crafted to exhaust memory with its reason, indexes the real repos and ends normally', async () => {
    const prefix = await freshPrefix('bf-hostile')
    // Signed with their DIDs' own keys (the host's DID documents name them): only the shape gives them away.
    const did = (name: string) => `did:plc:${name}${'a'.repeat(24)}`.slice(0, 32)
    const hostile: [CraftedRepo, RegExp][] = [
      [await repeatedSubtrees(did('shared'), 60), /reached twice: a tree that re-uses a subtree is not an MST/],
      [await outOfOrderKeys(did('unordered')), /MST keys are out of order/],
      [await plainRepo(did('fanout'), 301), /more than 300 records \(BACKFILL_MAX_RECORDS\)/],
      [await deepChain(did('deep'), 129), /deeper than 129 levels/],
      [await cidMismatch(did('mismatch')), /does not match its CID/],
      [await truncatedBlock(did('truncated')), /truncated|Unexpected end/],
      [await memoryBomb(did('bomb'), 16_000_000), /more than the worker's 64 MB heap \(BACKFILL_WORKER_HEAP_MB\)/],
    ]
    for (const [repo] of hostile) {
      host.putRepo({ did: repo.did, rev: repo.rev, head: repo.commit.toString(), carBytes: repo.car, signingKey: repo.signingKey })
    }
    try {
      const env = devnetEnv({ plcUrl: host.url }, prefix, {
        BULK_FLUSH_MS: '50',
        LOG_LEVEL: 'warn',
        BACKFILL_THREADS: '1',
        BACKFILL_WORKER_HEAP_MB: '64',
        // Above every real CAR here (278 records at most).
        BACKFILL_MAX_RECORDS: '300',
      })
      const run = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'backfill', '--pds', host.url, '--exit-when-done'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      run.stdout!.on('data', (c: Buffer) => (out += c.toString()))
      run.stderr!.on('data', (c: Buffer) => (err += c.toString()))
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => run.once('exit', (c, s) => resolve([c, s])))
      // 1 is "some repo failed"; a crash would be a signal or another status.
      assert.deepEqual([code, signal], [1, null], err.slice(-2000))
      const summary = JSON.parse(out.trim().split('\n').pop()!)
      assert.equal(summary.done, carFiles.length, JSON.stringify(summary))
      assert.equal(summary.failed, hostile.length, JSON.stringify(summary))

      const states = await new RepoStateStore(client, prefix).getMany([...didOf.values(), ...hostile.map(([r]) => r.did)])
      for (const [repo, reason] of hostile) {
        const state = states.get(repo.did)
        assert.equal(state?.status, 'failed', `${repo.did}: ${JSON.stringify(state)}`)
        assert.match(state!.reason!, reason, repo.did)
        assert.equal((await indexedRecords(prefix, repo.did)).size, 0, `nothing of ${repo.did} is indexed`)
      }
      for (const file of carFiles) {
        const truth = await carTruth(file)
        const expected = new Map([...truth].filter(([, t]) => t.valid).map(([uri, t]) => [uri, t.cid]))
        assert.deepEqual(await indexedRecords(prefix, didOf.get(path.basename(file))!), expected, path.basename(file))
      }
    } finally {
      for (const [repo] of hostile) host.removeRepo(repo.did)
    }
  })
})

describe('SIGKILL during backfill', () => {
  test('a killed `magpie backfill` resumes without redoing finished repos and ends where an uninterrupted run does', async () => {
    const killed = await freshPrefix('bf-killed')
    const clean = await freshPrefix('bf-clean')
    // One repo at a time, each answer delayed: the run is still busy when it is killed.
    for (const d of didOf.values()) host.setFault(d, { delayMs: 1000 })
    const env = (prefix: string) => devnetEnv({ plcUrl: host.url }, prefix, { BACKFILL_CONCURRENCY: '1', BACKFILL_PER_HOST: '1', BULK_FLUSH_MS: '50', LOG_LEVEL: 'warn' })
    const run = (prefix: string) =>
      spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'backfill', '--pds', host.url, '--exit-when-done'], {
        cwd: root,
        env: env(prefix),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    try {
      const first = run(killed)
      const exited = new Promise((resolve) => first.once('exit', resolve))
      const states = new RepoStateStore(client, killed)
      // Kill once a few repos are recorded as done, with others still to go (each takes a second).
      for (;;) {
        await new Promise((r) => setTimeout(r, 100))
        await client.indices.refresh({ index: `${killed}state-*` }, { ignore: [404] })
        const counts = await states.countByStatus()
        if (counts.done >= 2) break
        assert.equal(first.exitCode, null, 'the backfill finished before it could be killed')
      }
      first.kill('SIGKILL')
      await exited
      const doneBefore = [...(await states.getMany([...didOf.values()]))].filter(([, s]) => s.status === 'done').map(([d]) => d)
      assert.ok(doneBefore.length >= 2 && doneBefore.length < didOf.size, `${doneBefore.length} done when killed`)

      const fetchedBefore = host.fetchCounts()
      const second = run(killed)
      let out = ''
      second.stdout!.on('data', (c: Buffer) => (out += c.toString()))
      assert.equal(await new Promise((resolve) => second.once('exit', resolve)), 0)
      const summary = JSON.parse(out.trim().split('\n').pop()!)
      assert.equal(summary.skipped, doneBefore.length)
      for (const d of doneBefore) assert.equal(host.fetchCounts().get(d), fetchedBefore.get(d), `${d} was fetched again`)

      const third = run(clean)
      assert.equal(await new Promise((resolve) => third.once('exit', resolve)), 0)
      await client.indices.refresh({ index: `${killed}*,${clean}*` })
      for (const d of didOf.values()) {
        assert.deepEqual(await indexedRecords(killed, d), await indexedRecords(clean, d), d)
      }
      const statusOf = async (prefix: string) =>
        Object.fromEntries([...(await new RepoStateStore(client, prefix).getMany([...didOf.values()]))].map(([d, s]) => [d, [s.status, s.rev, s.records]]))
      assert.deepEqual(await statusOf(killed), await statusOf(clean))
    } finally {
      for (const d of didOf.values()) host.setFault(d)
    }
  })
})
