/**
 * Generates a large, realistic, validly signed firehose stream and caches it (see
 * stream-cache.ts for the files). Run once; benchmarks replay the cached stream.
 *
 *   node --import tsx bench/gen-stream.ts [--accounts 2000] [--events 300000] [--seed 1]
 *     [--p256 0.1] [--workers 2] [--force]
 *
 * What it models: N accounts (secp256k1 keys, a share on P-256), each with a repo that already
 * holds records before the window starts (lognormal sizes, so MST proofs have a realistic depth),
 * activity skewed across accounts (Zipf), and a commit mix close to the network's: likes, posts
 * (text of realistic lengths in several languages, facets, replies, quotes, images, links,
 * videos), reposts, follows, blocks, profile updates, list items and deletes, plus rare
 * #identity and #account events. Commits are built with @atproto/repo's MST and signed as a PDS
 * signs them; each `#commit` frame carries what a Sync 1.1 relay sends: the diff's new MST
 * blocks, the covering proof of every operation, the new records and the signed commit in a
 * CAR, `ops` with `prev` for updates and deletes, and `prevData`.
 *
 * The main thread plans every event (who does what, with which record), worker threads own the
 * repos (MST updates, signatures, CAR and frame encoding), and frames are written in seq order.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { createZstdCompress, zstdCompressSync } from 'node:zlib'
import { formatMultikey } from '@atproto/crypto'
import { BlockMap, DataDiff, MST, MemoryBlockstore } from '@atproto/repo'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { familyForCollection } from '#/indexing/families.js'
import { CACHE_DIR, GEN_VERSION, streamFiles, streamName, streamOptions, streamParamsFrom, type StreamManifest, type StreamParams } from './stream-cache.js'
import { makeRng, makeZipf, shuffle } from '#devnet/rng.js'
import { atprotoDidDocument } from '#devnet/static-plc.js'
import { carBytes, cidOf, fakeCid, plcDid, signLowS, tid, type Alg } from './atproto-primitives.js'
import {
  accountSubjectRecord, handleFor, listitemRecord, listRecord, postInteractionRecord, postRecord as buildPost, profileRecord,
} from './record-content.js'

// ---------------------------------------------------------------------------------------------
// Worker: owns some repos, turns planned commits into signed #commit frames

interface RepoInit {
  idx: number
  did: string
  alg: Alg
  pkcs8: Uint8Array
  clock: number
  /** Data keys (collection/rkey) already in the repo. */
  prepop: string[]
  prepopRevMicros: number
}

interface PlannedWrite {
  action: 'create' | 'update' | 'delete'
  key: string
  record?: Uint8Array
}

interface PlannedCommit {
  seq: number
  repo: number
  time: string
  revMicros: number
  writes: PlannedWrite[]
}

type ToWorker =
  | { kind: 'init'; repos: RepoInit[] }
  | { kind: 'commits'; commits: PlannedCommit[] }
  | { kind: 'finish'; check: number }

type FromWorker =
  | { kind: 'ready'; leaves: number }
  | { kind: 'frames'; frames: { seq: number; frame: Uint8Array }[] }
  | { kind: 'finished'; checked: number; mismatches: string[] }
  | { kind: 'error'; message: string }

interface RepoState {
  did: string
  alg: Alg
  key: KeyObject
  clock: number
  data: MST
  rev: string
  dataCid: CID
  commits: number
}

const FRAME_HEADER = dagCbor.encode({ op: 1, t: '#commit' })

async function workerMain(): Promise<void> {
  const port = parentPort!
  const storage = new MemoryBlockstore()
  const repos = new Map<number, RepoState>()
  const send = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer)

  async function init(list: RepoInit[]): Promise<number> {
    let leaves = 0
    for (const r of list) {
      let data = await MST.create(storage)
      for (const key of r.prepop) data = await data.add(key, fakeCid(r.did + key) as never)
      leaves += r.prepop.length
      const dataCid = (await data.getPointer()) as unknown as CID
      const key = createPrivateKey({ key: Buffer.from(r.pkcs8), format: 'der', type: 'pkcs8' })
      repos.set(r.idx, { did: r.did, alg: r.alg, key, clock: r.clock, data, rev: tid(r.prepopRevMicros, r.clock), dataCid, commits: 0 })
    }
    return leaves
  }

  async function build(c: PlannedCommit): Promise<Uint8Array> {
    const st = repos.get(c.repo)
    if (!st) throw new Error(`repo ${c.repo} is not owned by this worker`)
    const prevData = st.data
    let data = st.data
    const leaves: [CID, Uint8Array][] = []
    const ops: { action: string; path: string; cid: CID | null; prev?: CID }[] = []
    for (const w of c.writes) {
      if (w.action === 'delete') {
        const prev = (await data.get(w.key)) as unknown as CID | null
        if (!prev) throw new Error(`${st.did}: delete of missing ${w.key}`)
        data = await data.delete(w.key)
        ops.push({ action: 'delete', path: w.key, cid: null, prev })
        continue
      }
      const cid = cidOf(w.record!)
      leaves.push([cid, w.record!])
      if (w.action === 'update') {
        const prev = (await data.get(w.key)) as unknown as CID | null
        if (!prev) throw new Error(`${st.did}: update of missing ${w.key}`)
        data = await data.update(w.key, cid as never)
        ops.push({ action: 'update', path: w.key, cid, prev })
      } else {
        data = await data.add(w.key, cid as never)
        ops.push({ action: 'create', path: w.key, cid })
      }
    }
    const dataCid = (await data.getPointer()) as unknown as CID
    const diff = await DataDiff.of(data, prevData)
    const blocks = new BlockMap()
    blocks.addMap(diff.newMstBlocks)
    for (const w of c.writes) blocks.addMap(await data.getCoveringProof(w.key))

    const rev = tid(c.revMicros, st.clock)
    const unsigned = { did: st.did, version: 3, rev, prev: null, data: dataCid }
    const commit = { ...unsigned, sig: signLowS(st.alg, st.key, dagCbor.encode(unsigned)) }
    const commitBytes = dagCbor.encode(commit)
    const commitCid = cidOf(commitBytes)

    const carBlocks: [CID, Uint8Array][] = [[commitCid, commitBytes]]
    for (const [cid, bytes] of blocks) carBlocks.push([cid as unknown as CID, bytes])
    const seen = new Set(carBlocks.map(([cid]) => cid.toString()))
    for (const [cid, bytes] of leaves) {
      if (!seen.has(cid.toString())) {
        seen.add(cid.toString())
        carBlocks.push([cid, bytes])
      }
    }
    const body = {
      seq: c.seq,
      rebase: false,
      tooBig: false,
      repo: st.did,
      commit: commitCid,
      rev,
      since: st.rev,
      blocks: carBytes(commitCid, carBlocks),
      ops,
      blobs: [],
      prevData: st.dataCid,
      time: c.time,
    }
    const bodyBytes = dagCbor.encode(body)
    const frame = new Uint8Array(FRAME_HEADER.length + bodyBytes.length)
    frame.set(FRAME_HEADER, 0)
    frame.set(bodyBytes, FRAME_HEADER.length)

    st.data = data
    st.rev = rev
    st.dataCid = dataCid
    st.commits++
    return frame
  }

  /** Rebuild a few of the busiest repos from their leaves: the incremental tree must be canonical. */
  async function check(count: number): Promise<{ checked: number; mismatches: string[] }> {
    const busiest = [...repos.values()].sort((a, b) => b.commits - a.commits).slice(0, count)
    const mismatches: string[] = []
    for (const st of busiest) {
      const entries = await st.data.list()
      let fresh = await MST.create(new MemoryBlockstore())
      for (const e of entries) fresh = await fresh.add(e.key, e.value)
      const a = await fresh.getPointer()
      if (!a.equals(st.dataCid as never)) mismatches.push(`${st.did}: incremental ${st.dataCid} != rebuilt ${a}`)
    }
    return { checked: busiest.length, mismatches }
  }

  // Messages are handled strictly one after another: commits of a repo must apply in order.
  let chain = Promise.resolve()
  port.on('message', (msg: ToWorker) => {
    chain = chain.then(async () => {
      try {
        if (msg.kind === 'init') {
          send({ kind: 'ready', leaves: await init(msg.repos) })
        } else if (msg.kind === 'commits') {
          const frames: { seq: number; frame: Uint8Array }[] = []
          for (const c of msg.commits) frames.push({ seq: c.seq, frame: await build(c) })
          send({ kind: 'frames', frames }, frames.map((f) => f.frame.buffer as ArrayBuffer))
        } else {
          send({ kind: 'finished', ...(await check(msg.check)) })
        }
      } catch (err) {
        send({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
      }
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Main: plan the stream

interface Account {
  idx: number
  did: string
  handle: string
  alg: Alg
  multikey: string
  pkcs8: Uint8Array
  clock: number
  worker: number
  /** Keys of records that may be deleted later (never the profile or a list). */
  deletable: string[]
  lists: string[]
  records: number
  hasProfile: boolean
  prepop: string[]
}

interface PostRef {
  uri: string
  cid: string
  root: { uri: string; cid: string }
}

function parseOptions(): StreamParams & { workers: number; force: boolean } {
  const { values } = parseArgs({
    options: {
      ...streamOptions,
      workers: { type: 'string', default: '2' },
      force: { type: 'boolean', default: false },
    },
  })
  return {
    ...streamParamsFrom(values),
    workers: Math.max(1, Number(values.workers)),
    force: values.force ?? false,
  }
}

/** Generate the stream for `params` into the cache (unless it is there already). Returns the manifest path. */
export async function generateStream(params: StreamParams, opts: { workers?: number; force?: boolean; log?: (s: string) => void } = {}): Promise<string> {
  const files = streamFiles(params)
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`))
  const { existsSync } = await import('node:fs')
  if (!opts.force && existsSync(files.frames) && existsSync(files.manifest) && existsSync(files.didDocs)) {
    log(`cached: ${files.frames}`)
    return files.manifest
  }
  mkdirSync(CACHE_DIR, { recursive: true })
  const started = performance.now()
  const rng = makeRng(params.seed * 7919 + 17)
  const nWorkers = opts.workers ?? 2
  const DAY = 86_400_000_000
  // The window's timeline: 2,000 events per simulated second, or spread over `spanDays`.
  const STEP_MICROS = params.spanDays ? Math.floor((params.spanDays * DAY) / params.events) : 500
  const nowMicros = Date.now() * 1000
  const t0 = nowMicros - params.events * STEP_MICROS - 1_000_000
  const SEQ_BASE = 8_000_000_000

  // Accounts, keys and DID documents -----------------------------------------------------------
  const accounts: Account[] = []
  const didDocs: Record<string, unknown> = {}
  const keyTypes: Record<string, number> = {}
  for (let i = 0; i < params.accounts; i++) {
    const did = plcDid(`magpie-bench:${params.seed}:${i}`)
    const handle = handleFor(rng, i)
    const alg: Alg = rng.next() < params.p256Share ? 'ES256' : 'ES256K'
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'prime256v1' : 'secp256k1' })
    const jwk = publicKey.export({ format: 'jwk' })
    const uncompressed = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])
    const multikey = formatMultikey(alg, uncompressed)
    keyTypes[alg] = (keyTypes[alg] ?? 0) + 1
    const pds = `https://${rng.pick(['morel', 'oyster', 'shiitake', 'puffball', 'enoki', 'amanita'])}.us-${rng.pick(['east', 'west'])}.host.example.net`
    didDocs[did] = atprotoDidDocument(did, { handle, signingKeyMultibase: multikey, pds })
    accounts.push({
      idx: i,
      did,
      handle,
      alg,
      multikey,
      pkcs8: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })),
      clock: rng.int(1024),
      worker: i % nWorkers,
      deletable: [],
      lists: [],
      records: 0,
      hasProfile: false,
      prepop: [],
    })
  }
  const externalDids = Array.from({ length: 20_000 }, (_, i) => plcDid(`magpie-bench-ext:${params.seed}:${i}`))

  // Repos before the window: lognormal sizes (median ~300 records), records from the last 90 days.
  let prepopulated = 0
  for (const a of accounts) {
    const size = Math.max(10, Math.min(8000, Math.round(Math.exp(Math.log(300) + 1.1 * rng.normal()))))
    const add = (collection: string, rkey: string, deletable: boolean): void => {
      const key = `${collection}/${rkey}`
      a.prepop.push(key)
      a.records++
      if (deletable) a.deletable.push(key)
    }
    if (rng.chance(0.85)) {
      add('app.bsky.actor.profile', 'self', false)
      a.hasProfile = true
    }
    const lists = rng.chance(0.08) ? rng.range(1, 3) : 0
    for (let l = 0; l < lists; l++) {
      const rkey = tid(t0 - rng.next() * 90 * DAY, rng.int(1024))
      add('app.bsky.graph.list', rkey, false)
      a.lists.push(rkey)
    }
    while (a.records < size) {
      const x = rng.next()
      const collection =
        x < 0.55 ? 'app.bsky.feed.like'
        : x < 0.72 ? 'app.bsky.feed.post'
        : x < 0.82 ? 'app.bsky.feed.repost'
        : x < 0.97 ? 'app.bsky.graph.follow'
        : x < 0.99 ? 'app.bsky.graph.block'
        : a.lists.length > 0 ? 'app.bsky.graph.listitem' : 'app.bsky.feed.like'
      add(collection, tid(t0 - rng.next() * 90 * DAY, rng.int(1024)), true)
    }
    prepopulated += a.records
  }

  // Activity is skewed: Zipf(0.7) over a random ranking of the accounts.
  const ranking = shuffle(rng, accounts.map((a) => a.idx))
  const zipfRank = makeZipf(rng, ranking.length, 0.7)
  const activeAccount = (): Account => accounts[ranking[zipfRank()]!]!

  // Workers ------------------------------------------------------------------------------------
  log(`stream ${streamName(params)}: ${params.accounts} accounts (${JSON.stringify(keyTypes)}), ${prepopulated} prepopulated records, ${nWorkers} workers`)
  const workers: Worker[] = []
  const handlers: ((msg: FromWorker) => void)[] = []
  for (let w = 0; w < nWorkers; w++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'gen-stream-worker' } })
    worker.on('message', (msg: FromWorker) => {
      if (msg.kind === 'error') {
        log(`worker ${w} failed: ${msg.message}`)
        process.exit(1)
      }
      handlers[w]!(msg)
    })
    worker.on('error', (err) => {
      log(`worker ${w} crashed: ${err.stack ?? err}`)
      process.exit(1)
    })
    workers.push(worker)
  }
  const expectFrom = (w: number, kind: FromWorker['kind']): Promise<FromWorker> =>
    new Promise((resolve) => {
      handlers[w] = (msg) => {
        if (msg.kind === kind) resolve(msg)
      }
    })
  await Promise.all(
    workers.map((worker, w) => {
      const ready = expectFrom(w, 'ready')
      const repos: RepoInit[] = accounts
        .filter((a) => a.worker === w)
        .map((a) => ({ idx: a.idx, did: a.did, alg: a.alg, pkcs8: a.pkcs8, clock: a.clock, prepop: a.prepop, prepopRevMicros: t0 - rng.next() * DAY }))
      worker.postMessage({ kind: 'init', repos } satisfies ToWorker)
      return ready
    }),
  )
  for (const a of accounts) a.prepop = []
  log(`repos built in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  // Output: frames in seq order --------------------------------------------------------------
  const tmp = `${files.frames}.tmp-${process.pid}`
  const zstd = createZstdCompress()
  const out = createWriteStream(tmp)
  zstd.pipe(out)
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve)
    out.on('error', reject)
    zstd.on('error', reject)
  })
  const ready = new Map<number, Uint8Array>()
  let nextSeq = SEQ_BASE + 1
  let frameBytes = 0
  let written = 0
  let waiters: (() => void)[] = []
  const flushReady = async (): Promise<void> => {
    for (;;) {
      const frame = ready.get(nextSeq)
      if (!frame) break
      ready.delete(nextSeq)
      const len = Buffer.alloc(4)
      len.writeUInt32LE(frame.length)
      const ok1 = zstd.write(len)
      const ok2 = zstd.write(frame)
      frameBytes += frame.length
      written++
      nextSeq++
      if (!ok1 || !ok2) await new Promise<void>((resolve) => zstd.once('drain', () => resolve()))
    }
    const ws = waiters
    waiters = []
    for (const w of ws) w()
  }
  let flushing: Promise<void> = Promise.resolve()
  const deliver = (seq: number, frame: Uint8Array): void => {
    ready.set(seq, frame)
    flushing = flushing.then(flushReady)
  }
  for (let w = 0; w < nWorkers; w++) {
    handlers[w] = (msg) => {
      if (msg.kind === 'frames') for (const f of msg.frames) deliver(f.seq, f.frame)
    }
  }

  // Planning state ------------------------------------------------------------------------------
  const counts: Record<string, number> = {}
  const count = (k: string): void => {
    counts[k] = (counts[k] ?? 0) + 1
  }
  const touched = new Map<string, { index: string; live: boolean }>()
  const actorDids = new Set<string>()
  const recentPosts: PostRef[] = []
  const RECENT_MAX = 30_000
  const postSeqs = new Map<string, number>()
  let recordOps = 0
  let postCreates = 0
  const pendingByWorker: PlannedCommit[][] = workers.map(() => [])
  const BATCH = 200
  const MAX_AHEAD = 20_000

  const strongRefToOldPost = (): { uri: string; cid: string } => {
    const did = rng.chance(0.5) ? rng.pick(accounts).did : rng.pick(externalDids)
    const uri = `at://${did}/app.bsky.feed.post/${tid(t0 - rng.next() * 30 * DAY, rng.int(1024))}`
    return { uri, cid: fakeCid(uri).toString() }
  }
  const subjectPost = (): { uri: string; cid: string; root: { uri: string; cid: string } } => {
    if (recentPosts.length > 0 && rng.chance(0.65)) {
      // Recent posts attract most interactions: favour the newest.
      const i = recentPosts.length - 1 - Math.min(recentPosts.length - 1, Math.floor(Math.abs(rng.normal()) * 2000))
      return recentPosts[i]!
    }
    const ref = strongRefToOldPost()
    return { ...ref, root: ref }
  }
  const someDid = (self: Account): string => {
    for (;;) {
      const did = rng.chance(0.6) ? rng.pick(accounts).did : rng.pick(externalDids)
      if (did !== self.did) return did
    }
  }

  const encodeRecord = (record: Record<string, unknown>): Uint8Array => dagCbor.encode(record)

  const postSources = {
    rng,
    mention: () => rng.pick(accounts),
    quote: (): { uri: string; cid: string } => {
      const p = subjectPost()
      return { uri: p.uri, cid: p.cid }
    },
  }

  const touch = (a: Account, key: string, live: boolean): void => {
    const collection = key.slice(0, key.indexOf('/'))
    touched.set(`at://${a.did}/${key}`, { index: familyForCollection(collection).index, live })
  }

  /** Plan one commit of `a`; returns its writes. */
  function planCommit(a: Account, micros: number, createdAt: string): PlannedWrite[] {
    const writes: PlannedWrite[] = []
    let k = 0
    const rkey = (): string => tid(micros + k++, rng.int(1024))
    const create = (collection: string, record: Record<string, unknown>, deletable = true, key = `${collection}/${rkey()}`): string => {
      writes.push({ action: 'create', key, record: encodeRecord(record) })
      count(`create ${collection}`)
      a.records++
      if (deletable) a.deletable.push(key)
      touch(a, key, true)
      return key
    }
    const x = rng.next()
    if (x < 0.54) {
      const s = subjectPost()
      create('app.bsky.feed.like', postInteractionRecord('app.bsky.feed.like', s, createdAt))
    } else if (x < 0.74) {
      // A post; now and then a thread written in one commit.
      const n = rng.chance(0.03) ? rng.range(2, 4) : 1
      let reply: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } } | undefined
      if (rng.chance(0.3)) {
        const parent = subjectPost()
        reply = { root: parent.root, parent: { uri: parent.uri, cid: parent.cid } }
      }
      for (let i = 0; i < n; i++) {
        const record = buildPost(postSources, createdAt, reply)
        const key = create('app.bsky.feed.post', record)
        const uri = `at://${a.did}/${key}`
        const cid = cidOf(writes[writes.length - 1]!.record!).toString()
        const ref: PostRef = { uri, cid, root: reply ? reply.root : { uri, cid } }
        recentPosts.push(ref)
        if (recentPosts.length > RECENT_MAX) recentPosts.splice(0, RECENT_MAX / 2)
        postCreates++
        postSeqs.set(uri, -1) // seq filled in by the caller
        reply = { root: ref.root, parent: { uri, cid } }
      }
    } else if (x < 0.84) {
      const s = subjectPost()
      create('app.bsky.feed.repost', postInteractionRecord('app.bsky.feed.repost', s, createdAt))
    } else if (x < 0.92) {
      create('app.bsky.graph.follow', accountSubjectRecord('app.bsky.graph.follow', someDid(a), createdAt))
    } else if (x < 0.94) {
      create('app.bsky.graph.block', accountSubjectRecord('app.bsky.graph.block', someDid(a), createdAt))
    } else if (x < 0.97) {
      const profile = profileRecord(rng, createdAt)
      const key = 'app.bsky.actor.profile/self'
      if (a.hasProfile) {
        writes.push({ action: 'update', key, record: encodeRecord(profile) })
        count('update app.bsky.actor.profile')
      } else {
        writes.push({ action: 'create', key, record: encodeRecord(profile) })
        count('create app.bsky.actor.profile')
        a.hasProfile = true
        a.records++
      }
      touch(a, key, true)
    } else if (x < 0.98) {
      // List items; an account without a list creates one in the same commit.
      if (a.lists.length === 0) {
        const key = create('app.bsky.graph.list', listRecord(rng, rng.chance(0.8) ? 'curatelist' : 'modlist', createdAt), false)
        a.lists.push(key.slice(key.indexOf('/') + 1))
      }
      const list = `at://${a.did}/app.bsky.graph.list/${rng.pick(a.lists)}`
      const n = rng.chance(0.2) ? rng.range(2, 6) : 1
      for (let i = 0; i < n; i++) create('app.bsky.graph.listitem', listitemRecord(someDid(a), list, createdAt))
    } else {
      // A delete of one of the account's own records (never its last one).
      if (a.deletable.length === 0 || a.records <= 2) return planCommit(a, micros, createdAt)
      const i = rng.int(a.deletable.length)
      const key = a.deletable[i]!
      a.deletable[i] = a.deletable[a.deletable.length - 1]!
      a.deletable.pop()
      a.records--
      writes.push({ action: 'delete', key })
      count(`delete ${key.slice(0, key.indexOf('/'))}`)
      touch(a, key, false)
    }
    return writes
  }

  let planned = 0
  const flushWorker = (w: number): void => {
    const batch = pendingByWorker[w]!
    if (batch.length === 0) return
    pendingByWorker[w] = []
    workers[w]!.postMessage({ kind: 'commits', commits: batch } satisfies ToWorker)
  }

  let lastLog = performance.now()
  for (let i = 0; i < params.events; i++) {
    const seq = SEQ_BASE + 1 + i
    const micros = t0 + i * STEP_MICROS
    const time = new Date(micros / 1000).toISOString()
    const y = rng.next()
    if (y < 0.0015) {
      // #identity (handle unchanged: a re-announcement) or #account (reactivation)
      const a = rng.pick(accounts)
      actorDids.add(a.did)
      const isIdentity = y < 0.001
      const body = isIdentity ? { seq, did: a.did, time, handle: a.handle } : { seq, did: a.did, time, active: true }
      const header = dagCbor.encode({ op: 1, t: isIdentity ? '#identity' : '#account' })
      deliver(seq, Buffer.concat([header, dagCbor.encode(body)]))
      count(isIdentity ? 'identity' : 'account')
    } else {
      const a = activeAccount()
      actorDids.add(a.did)
      const createdAt = new Date(micros / 1000 - rng.int(2000)).toISOString()
      const writes = planCommit(a, micros, createdAt)
      for (const w of writes) {
        recordOps++
        if (w.action === 'create' && w.key.startsWith('app.bsky.feed.post/')) {
          const uri = `at://${a.did}/${w.key}`
          if (postSeqs.get(uri) === -1) postSeqs.set(uri, seq)
        }
      }
      count('commit')
      count(`commit with ${Math.min(writes.length, 3)}${writes.length >= 3 ? '+' : ''} op${writes.length > 1 ? 's' : ''}`)
      pendingByWorker[a.worker]!.push({ seq, repo: a.idx, time, revMicros: micros, writes })
      if (pendingByWorker[a.worker]!.length >= BATCH) flushWorker(a.worker)
    }
    planned++
    while (planned - (nextSeq - SEQ_BASE - 1) > MAX_AHEAD) {
      for (let w = 0; w < nWorkers; w++) flushWorker(w)
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now()
      const secs = (performance.now() - started) / 1000
      log(`  ${nextSeq - SEQ_BASE - 1}/${params.events} frames written (${secs.toFixed(0)} s)`)
    }
  }
  for (let w = 0; w < nWorkers; w++) flushWorker(w)
  while (nextSeq - SEQ_BASE - 1 < params.events) await new Promise<void>((resolve) => waiters.push(resolve))
  await flushing
  zstd.end()
  await done

  // Canonical-tree check on the busiest repos of each worker.
  const checks = await Promise.all(
    workers.map((worker, w) => {
      const finished = expectFrom(w, 'finished')
      worker.postMessage({ kind: 'finish', check: 5 } satisfies ToWorker)
      return finished
    }),
  )
  for (const worker of workers) await worker.terminate()
  const mismatches = checks.flatMap((c) => (c.kind === 'finished' ? c.mismatches : []))
  if (mismatches.length > 0) throw new Error(`MST is not canonical after incremental updates:\n${mismatches.join('\n')}`)
  log(`MST check: ${checks.reduce((n, c) => n + (c.kind === 'finished' ? c.checked : 0), 0)} busiest repos rebuilt from their leaves, same roots`)

  const byIndex: Record<string, number> = {}
  const liveByIndex: Record<string, number> = {}
  let live = 0
  for (const t of touched.values()) {
    byIndex[t.index] = (byIndex[t.index] ?? 0) + 1
    if (t.live) {
      live++
      liveByIndex[t.index] = (liveByIndex[t.index] ?? 0) + 1
    }
  }
  const postSamples: [number, string][] = []
  let n = 0
  for (const [uri, seq] of postSeqs) {
    if (seq < 0 || !touched.get(uri)?.live) continue
    if (n++ % 50 === 0) postSamples.push([seq, uri])
  }
  postSamples.sort((a, b) => a[0] - b[0])

  const manifest: StreamManifest = {
    version: GEN_VERSION,
    params,
    generatedAt: new Date().toISOString(),
    generationSec: Math.round((performance.now() - started) / 100) / 10,
    seqFirst: SEQ_BASE + 1,
    seqLast: SEQ_BASE + params.events,
    frames: written,
    frameBytes,
    counts: Object.fromEntries(Object.entries(counts).sort()),
    prepopulatedRecords: prepopulated,
    keyTypes,
    expected: { recordOps, recordDocs: touched.size, liveRecordDocs: live, byIndex, liveByIndex, actors: actorDids.size },
    postSamples,
  }
  writeFileSync(files.didDocs, zstdCompressSync(Buffer.from(JSON.stringify(didDocs))))
  renameSync(tmp, files.frames)
  writeFileSync(files.manifest, JSON.stringify(manifest, null, 1))
  log(
    `wrote ${written} frames (${(frameBytes / 1e6).toFixed(1)} MB, avg ${Math.round(frameBytes / written)} B) in ${manifest.generationSec} s: ${files.frames}`,
  )
  log(`expected: ${JSON.stringify(manifest.expected)}`)
  return files.manifest
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'gen-stream-worker') {
  void workerMain()
} else if (isMainThread && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const opts = parseOptions()
  generateStream(opts, { workers: opts.workers, force: opts.force }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
