import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { DevAccount } from '#devnet/network.js'
import { versionForRev } from '#/indexing/tid.js'
import { startMagpieApi, type MagpieApi } from '../helpers/magpie-api.js'
import { eventually } from '../helpers/opensearch.js'
import { allRecordDocs, generateActivity, repoRecords } from '../helpers/repo-activity.js'

/**
 * Magpie on a real three-node OpenSearch cluster (scripts/opensearch cluster: three processes on
 * loopback, replicas on) while its nodes fail: live ingest from a dev-env PDS and reads keep
 * running while node 1 is killed with SIGKILL and started again, then nodes 2 and 3 are restarted
 * one after the other (so each node has been down once, one at a time). Afterwards the index
 * equals the repos exactly; every read answered either in full or with an error that says why
 * (never a partial page as if whole); the figures (errors, longest gap, catch-up) are printed.
 *
 * The cluster is this file's own: started here unless it already runs (OPENSEARCH_CLUSTER_PORT,
 * default 9270-9272, transport 9370-9372), and stopped afterwards if started here.
 */

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const script = path.join(root, 'scripts/opensearch')

async function cluster(...args: string[]): Promise<{ stdout: string; ms: number }> {
  const started = Date.now()
  const { stdout } = await run(script, ['cluster', ...args], { env: process.env, maxBuffer: 16 * 1024 * 1024 })
  return { stdout, ms: Date.now() - started }
}

let startedHere = false
let api: MagpieApi
const figures: Record<string, unknown> = {}

before(async () => {
  const running = await cluster('status').then(() => true, () => false)
  if (!running) {
    await cluster('wipe')
    const { stdout, ms } = await cluster('start')
    startedHere = true
    figures.clusterStartMs = ms
    process.env.MAGPIE_TEST_CLUSTER_URL = stdout.trim().split('\n').pop()
  } else {
    process.env.MAGPIE_TEST_CLUSTER_URL = (await cluster('url')).stdout.trim()
  }
  api = await startMagpieApi('nodeloss', {}, { opensearchUrl: process.env.MAGPIE_TEST_CLUSTER_URL })
})

after(async () => {
  await api?.close()
  if (startedHere) await cluster('stop')
})

/** What the reads saw: each answer in full, or an error with a reason. */
interface ReadLog {
  answers: number
  errors: { at: number; method: string; status: number; message: string }[]
  /** A 200 that lacked what it must hold: a partial answer served as whole. */
  partial: string[]
  longestGapMs: number
}

/**
 * Reads of what was indexed before the failures began, several times a second: each must come
 * back whole (all ten posts) or as an XRPC error. `longestGapMs` is the longest time without a
 * whole answer.
 */
function readContinuously(target: DevAccount, uris: string[], word: string, signal: AbortSignal): Promise<ReadLog> {
  const log: ReadLog = { answers: 0, errors: [], partial: [], longestGapMs: 0 }
  const want = [...uris].sort()
  const reads: [string, Record<string, string | string[]>, (body: any) => string[]][] = [
    ['app.bsky.feed.getPosts', { uris }, (b) => b.posts.map((p: any) => p.uri)],
    ['app.bsky.feed.getAuthorFeed', { actor: target.did, limit: '50' }, (b) => b.feed.map((f: any) => f.post.uri)],
    ['app.bsky.feed.searchPosts', { q: word, limit: '50' }, (b) => b.posts.map((p: any) => p.uri)],
  ]
  return (async () => {
    let lastWhole = Date.now()
    while (!signal.aborted) {
      for (const [method, params, urisOf] of reads) {
        const { status, body } = await api.xrpc(method, params)
        const now = Date.now()
        if (status === 200) {
          const got = urisOf(body).sort()
          if (JSON.stringify(got) === JSON.stringify(want)) {
            log.answers++
            log.longestGapMs = Math.max(log.longestGapMs, now - lastWhole)
            lastWhole = now
          } else {
            log.partial.push(`${method}: ${got.length} of ${want.length}`)
          }
        } else {
          log.errors.push({ at: now, method, status, message: body.message })
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    log.longestGapMs = Math.max(log.longestGapMs, Date.now() - lastWhole)
    return log
  })()
}

interface Ack {
  cid: string | null
  /** The commit's revision: the index holds this write once it holds this version of the record or a newer one. */
  version: number
}

/** What the PDS acknowledged that the index does not hold yet (neither as acknowledged nor in a newer state). */
async function notYetIndexed(acks: Map<string, Ack>): Promise<string[]> {
  const docs = await allRecordDocs(api.client, api.prefix)
  const missing: string[] = []
  for (const [uri, { cid, version }] of acks) {
    const doc = docs.get(uri)
    const held = doc !== undefined && Number(doc._version) >= version
    if (!held) missing.push(`${uri} ${cid ?? 'deleted'} v${version}: ${doc ? `v${String(doc._version)} ${String(doc.cid)}${doc.tomb ? ' tomb' : ''}` : 'absent'}`)
  }
  return missing
}

/** For a failure message: what the PDS and each copy of the index hold for these URIs. */
async function explain(missing: string[]): Promise<string[]> {
  const out: string[] = []
  for (const line of missing) {
    const uri = line.split(' ')[0]!
    const [, , did, collection, rkey] = uri.split('/')
    const pds = await api.net.agentFor(did!).com.atproto.repo.getRecord({ repo: did!, collection: collection!, rkey: rkey! }).then((r) => r.data.cid, (e) => `error ${String(e)}`)
    const copies: string[] = []
    for (const preference of ['_primary', '_replica']) {
      const res = await api.client.search({ index: `${api.prefix}*`, preference, body: { query: { ids: { values: [uri] } }, version: true, seq_no_primary_term: true } } as any)
      for (const h of (res.body as any).hits.hits) copies.push(`${preference}: ${h._index} v${h._version} seq ${h._seq_no}/${h._primary_term} ${JSON.stringify(h._source).slice(0, 160)}`)
    }
    out.push(`${line} | pds: ${pds} | ${copies.join(' | ')}`)
  }
  return out
}

test('node loss and a rolling restart: nothing acknowledged is lost, reads answer whole or with a reason, ingest resumes', { timeout: 900_000 }, async () => {
  const target = await api.net.createAccount('steady')
  const busy = [await api.net.createAccount('ann'), await api.net.createAccount('bob'), await api.net.createAccount('cid')]
  const word = 'kestrelword'
  const uris: string[] = []
  for (let i = 0; i < 10; i++) {
    const res = await target.agent.com.atproto.repo.createRecord({
      repo: target.did,
      collection: 'app.bsky.feed.post',
      record: { $type: 'app.bsky.feed.post', text: `${word} number ${i}`, createdAt: new Date().toISOString() },
    })
    uris.push(res.data.uri)
  }
  await eventually('the steady posts to be searchable', async () => {
    const { status, body } = await api.xrpc('app.bsky.feed.searchPosts', { q: word, limit: 50 })
    return status === 200 && body.posts.length === uris.length ? true : undefined
  }, 60_000)

  const expected = new Map<string, Ack>()
  const stopActivity = new AbortController()
  const onAck = (uri: string, cid: string | null, rev: string | undefined) => {
    const version = rev === undefined ? undefined : versionForRev(rev)
    assert.ok(version !== undefined, `the PDS names the commit of ${uri}`)
    expected.set(uri, { cid, version })
  }
  const activity = generateActivity(busy, { ops: 100_000, signal: stopActivity.signal, pauseMs: 40, onAck })
  const stopReads = new AbortController()
  const reads = readContinuously(target, uris, word, stopReads.signal)

  // Time from a node being back (the cluster green again) until everything acknowledged by then is indexed.
  const catchUp: number[] = []
  const settle = async () => {
    const snapshot = new Map(expected)
    const from = Date.now()
    let missing: string[] = []
    await eventually('ingest to catch up', async () => {
      missing = await notYetIndexed(snapshot)
      return missing.length === 0 ? true : undefined
    }, 180_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}; ${missing.length} of ${snapshot.size} not indexed, e.g.\n${(await explain(missing.slice(0, 5))).join('\n')}`)
    })
    catchUp.push(Date.now() - from)
  }

  try {
    await new Promise((resolve) => setTimeout(resolve, 3000))
    await cluster('kill', '1')
    const killedAt = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 5000))
    figures.restartAfterKillMs = (await cluster('restart', '1')).ms + 5000
    figures.node1DownMs = Date.now() - killedAt
    await settle()
    const restarts: number[] = []
    for (const node of ['2', '3']) {
      restarts.push((await cluster('restart', node)).ms)
      await settle()
    }
    figures.gracefulRestartMs = restarts
  } finally {
    // Also when a step failed: nothing may go on writing and reading after the test.
    stopActivity.abort()
    stopReads.abort()
    await activity
  }
  const endedAt = Date.now()
  const log = await reads
  await settle()
  figures.finalCatchUpMs = Date.now() - endedAt
  figures.catchUpMs = catchUp
  figures.acknowledgedWrites = expected.size
  figures.reads = { whole: log.answers, errors: log.errors.length, longestGapMs: log.longestGapMs, errorSample: log.errors.slice(0, 3) }
  console.log(`cluster node loss figures: ${JSON.stringify(figures)}`)

  // Never a partial answer presented as whole; errors are the store's unavailability, said so.
  assert.deepEqual(log.partial, [])
  for (const e of log.errors) assert.equal(e.status, 503, `${e.method}: ${e.status} ${e.message}`)
  assert.ok(log.answers > 50, `reads kept answering (${log.answers} whole answers)`)
  assert.ok(log.longestGapMs < 30_000, `the longest time without a whole answer was ${log.longestGapMs} ms`)

  // The index equals the repos exactly: every live record with its CID, every deleted one a tombstone.
  const truth = await repoRecords([target, ...busy])
  const docs = await allRecordDocs(api.client, api.prefix)
  const live = new Map([...docs].filter(([, d]) => d.tomb !== true).map(([id, d]) => [id, d.cid]))
  assert.deepEqual(live, truth)
  for (const [uri, { cid }] of expected) if (cid === null) assert.equal(docs.get(uri)?.tomb, true, `${uri} deleted`)
  // Deletes: the generator's own, and those the PDS makes when an account likes or reposts a subject again.
  assert.ok([...docs.values()].some((d) => d.tomb === true), 'the run included deletes')
  assert.ok(expected.size > 100, `writes went on through the failures (${expected.size})`)
})
