// Smoke tests for the local network tooling: a real dev-env PDS firehose seen
// through @atproto/sync, and the recorded relay corpus replayed through the
// replay relay + static PLC with every commit signature verified.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { IdResolver } from '@atproto/identity'
import { Firehose, type Event } from '@atproto/sync'
import { CID } from 'multiformats/cid'
import WebSocket from 'ws'
import { runActivity } from '#devnet/activity.js'
import { startDevNetwork, type DevNetwork } from '#devnet/network.js'
import { frameSeq, splitFrame, startReplayRelay } from '#devnet/replay-relay.js'
import { startStaticPlc } from '#devnet/static-plc.js'
import {
  countJetstream,
  loadDidDocs,
  loadExpectedJetstream,
  loadManifest,
  loadRelayFrames
} from '../helpers/corpus.js'

// Collects firehose events and lets a test wait for one matching a predicate.
function collector () {
  const events: Event[] = []
  const errors: Error[] = []
  let waiters: { pred: (e: Event) => boolean, resolve: (e: Event) => void }[] = []
  return {
    events,
    errors,
    handleEvent (evt: Event) {
      events.push(evt)
      waiters = waiters.filter((w) => {
        if (!w.pred(evt)) return true
        w.resolve(evt)
        return false
      })
    },
    onError (err: Error) { errors.push(err) },
    waitFor (pred: (e: Event) => boolean, ms = 15_000): Promise<Event> {
      const seen = events.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`timed out; errors: ${errors.map((e) => `${e.message}: ${String(e.cause)}`).join('; ')}`))
        }, ms)
        waiters.push({ pred, resolve: (e) => { clearTimeout(timer); resolve(e) } })
      })
    }
  }
}

// Identity resolution against loopback services: the default fetch of
// @atproto/identity refuses private addresses (SSRF guard), so pass plain fetch.
function loopbackIdResolver (plcUrl: string): IdResolver {
  return new IdResolver({ plcUrl, fetch: globalThis.fetch, timeout: 5_000 })
}

describe('dev network', () => {
  let net: DevNetwork
  let firehose: Firehose | undefined
  const c = collector()

  before(async () => {
    const t0 = performance.now()
    net = await startDevNetwork()
    console.log(`# dev network up in ${((performance.now() - t0) / 1000).toFixed(2)}s: pds ${net.pdsUrl} plc ${net.plcUrl}`)
  })

  after(async () => {
    await firehose?.destroy()
    await net?.close()
  })

  test('a post made through the PDS arrives on its firehose, verified', async () => {
    const idResolver = loopbackIdResolver(net.plcUrl)
    // `.test` handles resolve only through the PDS (no DNS/HTTPS): the same
    // XRPC fallback Magpie's HANDLE_RESOLVER_URL provides.
    idResolver.handle.resolve = async (handle: string) => {
      const url = new URL('/xrpc/com.atproto.identity.resolveHandle', net.pdsUrl)
      url.searchParams.set('handle', handle)
      const res = await fetch(url)
      if (!res.ok) return undefined
      return ((await res.json()) as { did?: string }).did
    }
    firehose = new Firehose({
      service: net.firehoseUrl,
      idResolver,
      handleEvent: (e) => c.handleEvent(e),
      onError: (e) => c.onError(e),
      // From the start of the PDS's log, so nothing is missed while connecting.
      getCursor: () => 0
    })
    void firehose.start()

    const alice = await net.createAccount('alice')
    const bob = await net.createAccount('bob')
    assert.equal(alice.handle, 'alice.test')
    const post = await alice.agent.post({ text: 'hello from the dev network #magpie', createdAt: new Date().toISOString() })
    await bob.agent.follow(alice.did)
    await bob.agent.like(post.uri, post.cid)

    const created = await c.waitFor((e) => e.event === 'create' && e.uri.toString() === post.uri)
    assert.ok(created.event === 'create')
    assert.equal(created.did, alice.did)
    assert.equal(created.collection, 'app.bsky.feed.post')
    assert.equal(created.cid.toString(), post.cid)
    assert.equal(created.record.text, 'hello from the dev network #magpie')

    const like = await c.waitFor((e) => e.event === 'create' && e.collection === 'app.bsky.feed.like' && e.did === bob.did)
    assert.ok(like.event === 'create')
    assert.deepEqual((like.record.subject as { uri: string }).uri, post.uri)

    // Account creation emits #identity (handle verified through the PDS) and #account.
    const ident = await c.waitFor((e) => e.event === 'identity' && e.did === alice.did)
    assert.ok(ident.event === 'identity')
    assert.equal(ident.handle, 'alice.test')
    const acct = await c.waitFor((e) => e.event === 'account' && e.did === alice.did)
    assert.ok(acct.event === 'account' && acct.active)

    // Lifecycle helpers produce the events Magpie must act on.
    await net.changeHandle(alice.did, 'alice-renamed')
    const renamed = await c.waitFor((e) => e.event === 'identity' && e.did === alice.did && e.handle === 'alice-renamed.test')
    assert.ok(renamed)
    await net.deactivate(bob.did)
    await c.waitFor((e) => e.event === 'account' && e.did === bob.did && !e.active && e.status === 'deactivated')
    await net.activate(bob.did)
    await net.takedown(bob.did)
    await c.waitFor((e) => e.event === 'account' && e.did === bob.did && !e.active && e.status === 'takendown')
    await net.untakedown(bob.did)
    const back = await c.waitFor((e) => e.event === 'account' && e.did === bob.did && e.active && e.seq > acct.seq + 5)
    assert.ok(back)
    assert.deepEqual(c.errors, [])
  })

  test('the activity generator writes many record families without errors', async () => {
    const lines: string[] = []
    const stats = await runActivity(net, {
      accounts: 4,
      ratePerSec: 1000,
      maxActions: 150,
      seed: 42,
      signal: AbortSignal.timeout(60_000),
      log: (l) => lines.push(l)
    })
    assert.equal(stats.errors, 0, lines.filter((l) => l.includes('failed')).join('\n'))
    assert.equal(stats.accounts.length, 4)
    assert.ok(stats.actions > 100, JSON.stringify(stats))
    // Everything it wrote shows up, verified, on the firehose.
    const last = await c.waitFor((e) => e.event === 'create' && e.did === stats.accounts[0] && e.collection === 'app.bsky.actor.profile')
    assert.ok(last)
    await net.processAll()
    const agent = net.agentFor(stats.accounts[3] as string)
    const marker = await agent.post({ text: 'marker', createdAt: new Date().toISOString() })
    await c.waitFor((e) => e.event === 'create' && e.uri.toString() === marker.uri)
    const collections = new Set(c.events.filter((e) => e.event === 'create').map((e) => e.event === 'create' ? e.collection : ''))
    for (const col of ['app.bsky.feed.post', 'app.bsky.feed.like', 'app.bsky.feed.repost', 'app.bsky.graph.follow', 'app.bsky.actor.profile']) {
      assert.ok(collections.has(col), `no ${col} create seen: ${[...collections].join(', ')}`)
    }
    assert.deepEqual(c.errors, [])
  })
})

describe('replay relay + static PLC over the captured corpus', () => {
  const frames = loadRelayFrames()
  const manifest = loadManifest()

  test('corpus frames decode and are contiguous', () => {
    assert.equal(frames.length, manifest.frames)
    const seqs = frames.map(frameSeq)
    assert.equal(seqs[0], manifest.seq_first)
    assert.equal(seqs.at(-1), manifest.seq_last)
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] as number) + 1)
    const kinds = countBy(frames.map((f) => String(splitFrame(f).header.t)))
    assert.deepEqual(kinds, { '#commit': manifest.commit_frames, '#identity': manifest.identity, '#account': manifest.account })
  })

  test('Firehose verifies every corpus commit and matches Jetstream v1', async () => {
    const expected = loadExpectedJetstream()
    const plc = await startStaticPlc({ docs: loadDidDocs() })
    const relay = await startReplayRelay({ frames })
    const c = collector()
    const firehose = new Firehose({
      service: relay.url,
      idResolver: loopbackIdResolver(plc.url),
      handleEvent: (e) => c.handleEvent(e),
      onError: (e) => c.onError(e)
    })
    try {
      void firehose.start()
      // Events are handled in order, so the last frame's event means all are in.
      await c.waitFor((e) => e.seq === manifest.seq_last)
      assert.deepEqual(c.errors, [])
      assert.equal(relay.sent(), frames.length)

      const got = countBy(c.events.map((e) =>
        e.event === 'create' || e.event === 'update' || e.event === 'delete'
          ? `${e.event} ${e.collection}`
          : e.event))
      assert.deepEqual(got, countJetstream(expected))
      assert.deepEqual(got, {
        'create app.bsky.feed.like': 105,
        'create app.bsky.feed.post': 17,
        'create app.bsky.feed.repost': 15,
        'create app.bsky.graph.follow': 6,
        'create app.bsky.graph.block': 1,
        'delete app.bsky.graph.follow': 3,
        'delete app.bsky.feed.post': 1,
        'update app.bsky.actor.status': 1,
        'update fm.teal.alpha.actor.status': 1,
        identity: 1,
        account: 1
      })

      // Same operations, CIDs and record contents as Jetstream served.
      const key = (did: string, rev: string, op: string, col: string, rkey: string) => `${did} ${rev} ${op} ${col}/${rkey}`
      const want = new Map<string, unknown>()
      for (const e of expected) {
        if (e.kind !== 'commit') continue
        const k = key(e.did, e.commit.rev, e.commit.operation, e.commit.collection, e.commit.rkey)
        want.set(k, e.commit.operation === 'delete' ? null : { cid: e.commit.cid, record: e.commit.record })
      }
      let compared = 0
      for (const e of c.events) {
        if (e.event !== 'create' && e.event !== 'update' && e.event !== 'delete') continue
        const k = key(e.did, e.rev, e.event, e.collection, e.rkey)
        assert.ok(want.has(k), `unexpected op ${k}`)
        const got = e.event === 'delete' ? null : { cid: e.cid.toString(), record: toJsonShape(e.record) }
        assert.deepEqual(got, want.get(k), k)
        compared++
      }
      assert.equal(compared, want.size)

      // The identity frame carries no handle and its DID is not in the captured
      // documents, so it resolves to nothing; the account frame is active.
      const ident = c.events.find((e) => e.event === 'identity')
      assert.ok(ident?.event === 'identity' && ident.handle === undefined && ident.didDocument === undefined)
      const acct = c.events.find((e) => e.event === 'account')
      assert.ok(acct?.event === 'account' && acct.active && acct.status === undefined)
    } finally {
      await firehose.destroy()
      await relay.close()
      await plc.close()
    }
  })

  test('relay honours cursor, reports FutureCursor, closes when done', async () => {
    const relay = await startReplayRelay({ frames, closeWhenDone: true })
    try {
      const from = frames.length - 10
      const cursor = frameSeq(frames[from - 1] as Uint8Array) as number
      const got = await readAll(`${relay.url}/xrpc/com.atproto.sync.subscribeRepos?cursor=${cursor}`)
      assert.equal(got.frames.length, 10)
      assert.equal(frameSeq(got.frames[0] as Uint8Array), cursor + 1)
      assert.equal(got.code, 1000)

      const all = await readAll(`${relay.url}/xrpc/com.atproto.sync.subscribeRepos`)
      assert.equal(all.frames.length, frames.length)
      assert.ok(all.frames.every((f, i) => Buffer.compare(f, frames[i] as Uint8Array) === 0))

      const future = await readAll(`${relay.url}/xrpc/com.atproto.sync.subscribeRepos?cursor=${manifest.seq_last + 100}`)
      assert.equal(future.frames.length, 1)
      const { header, body } = splitFrame(future.frames[0] as Uint8Array)
      assert.equal(header.op, -1)
      assert.equal((body as { error: string }).error, 'FutureCursor')
    } finally {
      await relay.close()
    }
  })

  test('relay paces to a rate limit', async () => {
    const relay = await startReplayRelay({ frames: frames.slice(0, 40), ratePerSec: 200, closeWhenDone: true })
    try {
      const t0 = performance.now()
      const got = await readAll(`${relay.url}/xrpc/com.atproto.sync.subscribeRepos`)
      const ms = performance.now() - t0
      assert.equal(got.frames.length, 40)
      assert.ok(ms >= 150, `40 frames at 200/s took ${ms.toFixed(0)}ms`)
    } finally {
      await relay.close()
    }
  })
})

function countBy (keys: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of keys) out[k] = (out[k] ?? 0) + 1
  return out
}

// Firehose records hold CIDs and bytes; Jetstream writes them as {$link} and
// {$bytes}. Convert to compare like with like.
function toJsonShape (value: unknown): unknown {
  const cid = CID.asCID(value)
  if (cid) return { $link: cid.toString() }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64').replace(/=+$/, '') }
  if (Array.isArray(value)) return value.map(toJsonShape)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonShape(v)]))
  }
  return value
}

function readAll (url: string): Promise<{ frames: Buffer[], code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const frames: Buffer[] = []
    ws.on('message', (data: Buffer) => frames.push(data))
    ws.on('close', (code) => resolve({ frames, code }))
    ws.on('error', reject)
  })
}
