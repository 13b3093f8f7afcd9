/**
 * The repo host (a local PDS/relay + PLC for backfill tests and benchmarks) over real HTTP,
 * and the repo corpus generator behind it: generated CARs must verify with @atproto/repo and
 * hold exactly the records their manifest promises.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cborToLexRecord, readCarWithRoot, verifyRepoCar } from '@atproto/repo'
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagCbor from '@ipld/dag-cbor'
import { pino } from 'pino'
import { reposFromCarFiles } from '#devnet/repo-car-files.js'
import { startRepoHost, type RepoHost, type RepoSource } from '#devnet/repo-host.js'
import { createDidResolver } from '#/identity/did-resolver.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { validateRecord } from '#/indexing/validate-record.js'
import { generateRepos } from '../../bench/gen-repos.js'
import { corpusRepoSources, loadCorpusManifest, type RepoCorpusManifest, type RepoCorpusParams } from '../../bench/repo-corpus.js'
import { repoCarsDir } from '../helpers/corpus.js'

const REAL_CAR = path.join(repoCarsDir(), 'repo-stream_little.car')
const scratch = mkdtempSync(path.join(tmpdir(), 'magpie-repo-host-'))
const quiet = { log: () => {} }

function corpusParams (over: Partial<RepoCorpusParams> = {}): RepoCorpusParams {
  return { records: 2000, repos: 3, seed: 11, p256Share: 0.34, blockOrder: 'pds', ...over }
}

/** Every record of a CAR, checked end to end (block hashes, MST, commit signature). */
async function verifiedRecords (file: string, did: string, signingKey: string): Promise<{ collection: string, rkey: string, cid: string, record: Record<string, unknown> }[]> {
  const bytes = readFileSync(file)
  const verified = await verifyRepoCar(bytes, did, signingKey)
  const { blocks } = await readCarWithRoot(bytes)
  return verified.creates.map((c) => ({ collection: c.collection, rkey: c.rkey, cid: c.cid.toString(), record: cborToLexRecord(blocks.get(c.cid)!) as Record<string, unknown> }))
}

after(() => rmSync(scratch, { recursive: true, force: true }))

describe('gen-repos', () => {
  let dir: string
  let manifest: RepoCorpusManifest

  before(async () => {
    dir = await generateRepos(corpusParams(), { dir: path.join(scratch, 'corpus'), workers: 2, verify: 0, ...quiet })
    manifest = loadCorpusManifest(dir)
  })

  test('makes the requested repos and records, counted per collection', () => {
    assert.equal(manifest.repos.length, 3)
    assert.equal(manifest.totals.records, 2000)
    assert.equal(manifest.repos.reduce((n, r) => n + r.records, 0), 2000)
    const likes = manifest.totals.byCollection['app.bsky.feed.like'] ?? 0
    const posts = manifest.totals.byCollection['app.bsky.feed.post'] ?? 0
    assert.ok(likes > posts && posts > 0, `likes ${likes} outnumber posts ${posts}`)
    assert.ok(manifest.totals.byIndex.likes === likes)
  })

  test('every CAR verifies and holds exactly its manifest records, all lexicon-valid', async () => {
    const postCids = new Map<string, string>()
    const subjects: { uri: string, cid: string }[] = []
    for (const repo of manifest.repos) {
      const records = await verifiedRecords(path.join(dir, repo.file), repo.did, repo.signingKey)
      const counts: Record<string, number> = {}
      for (const r of records) {
        counts[r.collection] = (counts[r.collection] ?? 0) + 1
        const valid = validateRecord(r.collection, r.record)
        assert.ok(valid.ok, `${repo.did}/${r.collection}/${r.rkey}: ${valid.ok ? '' : valid.reason}`)
        if (r.collection === 'app.bsky.feed.post') postCids.set(`at://${repo.did}/${r.collection}/${r.rkey}`, r.cid)
        if (r.collection === 'app.bsky.feed.like') subjects.push(r.record.subject as { uri: string, cid: string })
      }
      assert.deepEqual(counts, repo.byCollection)
      const head = (await readCarWithRoot(readFileSync(path.join(dir, repo.file)))).root.toString()
      assert.equal(head, repo.head)
    }
    // Likes point at generated posts, by their real CIDs.
    assert.ok(subjects.length > 0)
    for (const s of subjects) assert.equal(postCids.get(s.uri), s.cid, `like subject ${s.uri}`)
  })

  test('is reproducible: the same parameters give the same repos', async () => {
    const params = corpusParams({ records: 400, repos: 2, seed: 5 })
    const a = loadCorpusManifest(await generateRepos(params, { dir: path.join(scratch, 'same-a'), workers: 1, verify: 0, ...quiet }))
    const b = loadCorpusManifest(await generateRepos(params, { dir: path.join(scratch, 'same-b'), workers: 1, verify: 0, ...quiet }))
    assert.deepEqual(a.repos.map((r) => [r.did, r.head, r.rev, r.signingKey]), b.repos.map((r) => [r.did, r.head, r.rev, r.signingKey]))
  })

  test("'walk' block order puts the commit first", async () => {
    const walkDir = await generateRepos(corpusParams({ records: 300, repos: 1, blockOrder: 'walk' }), { dir: path.join(scratch, 'walk'), workers: 1, verify: 1, ...quiet })
    const repo = loadCorpusManifest(walkDir).repos[0]!
    const blocks = await CarBlockIterator.fromBytes(readFileSync(path.join(walkDir, repo.file)))
    for await (const block of blocks) {
      assert.equal(block.cid.toString(), repo.head)
      break
    }
  })
})

describe('repo host', () => {
  let corpus: RepoSource[]
  let manifest: RepoCorpusManifest
  let real: RepoSource
  let inMemory: RepoSource
  let host: RepoHost
  let all: RepoSource[]

  const xrpc = (h: RepoHost, nsid: string, params: Record<string, string> = {}): Promise<Response> =>
    fetch(`${h.url}/xrpc/${nsid}?${new URLSearchParams(params)}`)
  const getRepo = (did: string, h = host): Promise<Response> => xrpc(h, 'com.atproto.sync.getRepo', { did })
  const carOf = (r: RepoSource): Buffer => (r.carBytes ? Buffer.from(r.carBytes) : readFileSync(r.carPath!))

  async function listAll (h: RepoHost, limit: number): Promise<{ pages: number, repos: { did: string, head: string, rev: string, active: boolean, status?: string }[] }> {
    const repos = []
    let cursor: string | undefined
    let pages = 0
    for (;;) {
      const res = await xrpc(h, 'com.atproto.sync.listRepos', cursor ? { limit: String(limit), cursor } : { limit: String(limit) })
      assert.equal(res.status, 200)
      const body = await res.json() as { cursor?: string, repos: { did: string, head: string, rev: string, active: boolean }[] }
      pages++
      repos.push(...body.repos)
      if (!body.cursor || body.repos.length === 0) break
      cursor = body.cursor
    }
    return { pages, repos }
  }

  before(async () => {
    const dir = await generateRepos(corpusParams({ records: 600, repos: 4, seed: 3 }), { dir: path.join(scratch, 'host-corpus'), workers: 1, verify: 0, ...quiet })
    manifest = loadCorpusManifest(dir)
    corpus = corpusRepoSources(dir, manifest)
    real = { ...(await reposFromCarFiles([REAL_CAR]))[0]! }
    const memory = corpus[0]!
    inMemory = { did: 'did:plc:inmemoryrepoaaaaaaaaaaaa', rev: memory.rev, head: memory.head, carBytes: readFileSync(memory.carPath!), handle: 'memory.test' }
    all = [...corpus, real, inMemory]
    host = await startRepoHost({ repos: all })
  })
  after(async () => { await host.close() })

  test('reads real CARs down to their commit', () => {
    assert.equal(real.did, 'did:plc:lulmyldiq4sb2ikags5sfb25')
    assert.match(real.rev, /^[2-7a-z]{13}$/)
    assert.match(real.head, /^bafyrei/)
  })

  test('listRepos pages through every repo once, in DID order', async () => {
    const { pages, repos } = await listAll(host, 2)
    const dids = repos.map((r) => r.did)
    assert.deepEqual(dids, all.map((r) => r.did).sort())
    // A cursor comes with every non-empty page, so the listing ends on an empty one.
    assert.equal(pages, Math.ceil(all.length / 2) + 1)
    for (const r of repos) {
      const source = all.find((s) => s.did === r.did)!
      assert.deepEqual(r, { did: source.did, head: source.head, rev: source.rev, active: true })
    }
    assert.equal((await listAll(host, 1000)).repos.length, all.length)
  })

  test('listRepos can leave the cursor off the last page', async () => {
    const h = await startRepoHost({ repos: all, cursorOnLastPage: false })
    try {
      const { pages, repos } = await listAll(h, 3)
      assert.equal(repos.length, all.length)
      assert.equal(pages, Math.ceil(all.length / 3))
    } finally {
      await h.close()
    }
  })

  test('getRepo streams the exact CAR bytes, from a file or from memory', async () => {
    for (const r of [corpus[1]!, real, inMemory]) {
      const res = await getRepo(r.did)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'application/vnd.ipld.car')
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(carOf(r)), r.did)
    }
  })

  test('bad requests get XRPC errors', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [getRepo('did:plc:unknownunknownunknownunk'), 400, 'RepoNotFound'],
      [getRepo('not-a-did'), 400, 'InvalidRequest'],
      [xrpc(host, 'com.atproto.sync.getRepo'), 400, 'InvalidRequest'],
      [xrpc(host, 'com.atproto.sync.listRepos', { limit: '0' }), 400, 'InvalidRequest'],
      [xrpc(host, 'com.atproto.sync.listRepos', { limit: 'many' }), 400, 'InvalidRequest'],
      [xrpc(host, 'com.atproto.sync.listRepos', { cursor: '!!!' }), 400, 'InvalidRequest'],
      [xrpc(host, 'com.atproto.sync.subscribeRepos'), 501, 'MethodNotImplemented'],
    ]
    for (const [pending, status, error] of cases) {
      const res = await pending
      assert.equal(res.status, status)
      const body = await res.json() as { error: string, message: string }
      assert.equal(body.error, error)
      assert.equal(typeof body.message, 'string')
    }
    const h = await startRepoHost({ repos: [], notFoundStatus: 404 })
    try {
      const res = await getRepo('did:plc:unknownunknownunknownunk', h)
      assert.equal(res.status, 404)
      assert.equal((await res.json() as { error: string }).error, 'RepoNotFound')
    } finally {
      await h.close()
    }
  })

  test('DID documents point at the host, with the repo signing key', async (t) => {
    // Resolved the way Magpie resolves DIDs for a backfill.
    const plcFetch = createSafeFetch({ allowPrivateNetwork: true })
    const webFetch = createSafeFetch()
    t.after(() => Promise.all([plcFetch.close(), webFetch.close()]))
    const resolver = createDidResolver({ plcUrl: host.url, plcFetch, webFetch, allowPrivateNetwork: false, log: pino({ level: 'silent' }) })
    const repo = manifest.repos[2]!
    const data = await resolver.resolve(repo.did)
    assert.equal(data?.pds, host.url)
    assert.equal(data?.signingKey, repo.signingKey)
    assert.equal(data?.claimedHandle, repo.handle)
    // A CAR whose key is unknown gets a placeholder: a valid key, just not the signer's.
    const placeholder = await resolver.resolve(real.did)
    assert.match(placeholder?.signingKey ?? '', /^did:key:z/)
    assert.equal(placeholder?.pds, host.url)
    const encoded = await fetch(`${host.url}/${encodeURIComponent(repo.did)}`)
    assert.equal(encoded.status, 200)
    assert.equal((await fetch(`${host.url}/did:plc:unknownunknownunknownunk`)).status, 404)
  })

  test('a 429 with Retry-After, for as many requests as asked', async () => {
    const did = corpus[0]!.did
    host.setFault(did, { status: 429, retryAfter: 3, times: 2 })
    for (let i = 0; i < 2; i++) {
      const res = await getRepo(did)
      assert.equal(res.status, 429)
      assert.equal(res.headers.get('retry-after'), '3')
      assert.equal((await res.json() as { error: string }).error, 'RateLimitExceeded')
    }
    const ok = await getRepo(did)
    assert.equal(ok.status, 200)
    await ok.arrayBuffer()
  })

  test('500s and lexicon-named account errors', async () => {
    const [a, b] = [corpus[1]!.did, corpus[2]!.did]
    host.setFault(a, { status: 500 })
    host.setFault(b, { status: 400, error: 'RepoDeactivated' })
    const res500 = await getRepo(a)
    assert.equal(res500.status, 500)
    assert.equal((await res500.json() as { error: string }).error, 'InternalServerError')
    const deactivated = await getRepo(b)
    assert.equal(deactivated.status, 400)
    assert.equal((await deactivated.json() as { error: string }).error, 'RepoDeactivated')
    host.setFault(a)
    host.setFault(b)
    const cleared = await getRepo(a)
    assert.equal(cleared.status, 200)
    await cleared.arrayBuffer()
  })

  test('a taken-down account is listed inactive and refuses getRepo', async () => {
    const source = corpus[3]!
    const h = await startRepoHost({ repos: [{ ...source, status: 'takendown' }] })
    try {
      const { repos } = await listAll(h, 10)
      assert.deepEqual(repos, [{ did: source.did, head: source.head, rev: source.rev, active: false, status: 'takendown' }])
      const res = await getRepo(source.did, h)
      assert.equal(res.status, 400)
      assert.equal((await res.json() as { error: string }).error, 'RepoTakendown')
    } finally {
      await h.close()
    }
  })

  test('truncation: a dropped connection, or a short clean answer', async () => {
    const r = corpus[1]!
    const whole = carOf(r)
    host.setFault(r.did, { truncateAt: 1000, times: 1 })
    const dropped = await getRepo(r.did)
    assert.equal(dropped.status, 200)
    assert.equal(dropped.headers.get('content-length'), String(whole.length))
    await assert.rejects(dropped.arrayBuffer())

    host.setFault(r.did, { truncateAt: 1000, truncateHow: 'clean', times: 1 })
    const short = await getRepo(r.did)
    assert.equal(short.status, 200)
    const body = Buffer.from(await short.arrayBuffer())
    assert.ok(body.equals(whole.subarray(0, 1000)))
    await assert.rejects(readCarWithRoot(body))
  })

  test('delay holds the answer back', async () => {
    const r = corpus[2]!
    host.setFault(r.did, { delayMs: 300, times: 1 })
    const t0 = performance.now()
    const res = await getRepo(r.did)
    await res.arrayBuffer()
    assert.ok(performance.now() - t0 >= 290)
  })

  test('a corrupted record block no longer matches its CID but still decodes', async () => {
    for (const r of [corpus[0]!, inMemory]) {
      host.setFault(r.did, { corruptBlock: true, times: 1 })
      const res = await getRepo(r.did)
      const body = Buffer.from(await res.arrayBuffer())
      const whole = carOf(r)
      assert.equal(body.length, whole.length)
      const damage = await host.corruption(r.did)
      const differing = [...body.keys()].filter((i) => body[i] !== whole[i])
      assert.deepEqual(differing, [damage.offset])
      await assert.rejects(readCarWithRoot(body), /cid|hash|match/i)
      // The lie is only visible through the hash: the block itself is a well-formed record.
      const blocks = await CarBlockIterator.fromBytes(body)
      for await (const block of blocks) {
        if (block.cid.toString() !== damage.cid) continue
        const record = dagCbor.decode(block.bytes) as { $type: string }
        assert.equal(typeof record.$type, 'string')
      }
    }
  })

  test('the request log counts fetches per DID', async () => {
    const h = await startRepoHost({ repos: all })
    try {
      const did = corpus[3]!.did
      host.setFault(did)
      for (let i = 0; i < 3; i++) await (await getRepo(did, h)).arrayBuffer()
      await (await getRepo('did:plc:unknownunknownunknownunk', h)).arrayBuffer()
      await (await fetch(`${h.url}/${did}`)).arrayBuffer()
      assert.equal(h.fetchCount(did), 3)
      assert.equal(h.fetchCounts().get('did:plc:unknownunknownunknownunk'), 1)
      const log = h.requests()
      assert.deepEqual(log.map((e) => [e.endpoint, e.status]), [['getRepo', 200], ['getRepo', 200], ['getRepo', 200], ['getRepo', 400], ['plc', 200]])
      assert.equal(log[4]!.did, did)
    } finally {
      await h.close()
    }
  })
})
