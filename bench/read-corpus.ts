/**
 * The read benchmark's corpus: ≥ 10 M records written straight into OpenSearch under their own
 * INDEX_PREFIX, as Magpie's ingest writes them — the same transforms (`familyForCollection`),
 * the same write operations (`recordWriteOp`, external version, monthly partitions by the TID
 * rkey), the same BulkWriter, templates and aliases from `applySetup`, and actor documents by
 * `actorIdentityOp` as the identity worker writes them. No repos, no signatures, no firehose:
 * this is about reads.
 *
 *   node --import tsx bench/read-corpus.ts [--records 10000000] [--accounts 50000] [--seed 1]
 *     [--prefix readbench-] [--fresh] [--merge] [--plan-only] [--mix network|search] [--texts DIR]
 *
 * `--mix search` makes the search benchmark's corpus instead (prefix `searchbench-` unless
 * given): posts ~70 % of the records, and English words drawn by their frequency in the real
 * posts of `--texts` (default `$MAGPIE_TEST_DATA/posts`, MAGPIE_TEST_DATA defaulting to `../shared/data` beside the repository; read at run time), so search terms range
 * from very common to rare as they do on the network.
 *
 * Deterministic (same options → same documents, same ids) and resumable: the load is cut into
 * units (the actor documents, each pool account, each planted structure), and the number of
 * units OpenSearch has acknowledged is saved in `progress.json`; a restart regenerates and
 * writes only the units after it (a unit half-written before a crash is written again: the
 * external versions make the repeats harmless 409s). `--fresh` drops the prefix and starts over.
 * `--merge` force-merges the monthly partitions older than the newest month afterwards, as the
 * lifecycle policy (ilm-policies/) does after 35 days.
 *
 * The manifest (`.local/bench-cache/read-corpus-<hash>/manifest.json`) names what was planted
 * (read-corpus-planted.ts) and, once loaded, the documents per index family.
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200 (`scripts/opensearch start`).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { atprotoDidDocument } from '#devnet/static-plc.js'
import { BulkWriter, type BulkOp } from '#/indexing/bulk-writer.js'
import { familyForCollection } from '#/indexing/families.js'
import { actorIdentityOp, recordWriteOp } from '#/indexing/operations.js'
import { toRecordJson } from '#/indexing/record-json.js'
import { recordId } from '#/indexing/route.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { dropBenchPrefix, machineCpuMs, opensearchCpuMs, storageByFamily, waitForRetentionLeases } from './machine-stats.js'
import { plant } from './read-corpus-planted.js'
import { CORPUS_END_MS, cidFor, ReadCorpus, readCorpusDir, vocabularyFrom, type GenRecord, type ReadCorpusParams } from './read-corpus-records.js'
import { RECORD_MIXES, type RecordMix } from './repo-plan.js'
import { testDataPath } from '../test/helpers/test-data.js'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    accounts: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '1' },
    prefix: { type: 'string' },
    mix: { type: 'string', default: 'network' },
    texts: { type: 'string', default: testDataPath('posts') },
    fresh: { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    'plan-only': { type: 'boolean', default: false },
  },
})

const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const PDS = 'https://pds.readbench.example'
// Placeholder key in stored DID documents: reads never verify it (the read benchmark serves the
// viewers' real documents from its own PLC).
const KEY_MULTIBASE = 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF'
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d

const mix = args.mix as RecordMix
if (!(mix in RECORD_MIXES)) throw new Error(`--mix must be one of ${Object.keys(RECORD_MIXES).join(', ')}`)
const search = mix === 'search'
const params: ReadCorpusParams = { records: Number(args.records), accounts: Number(args.accounts), seed: Number(args.seed), ...(search ? { mix } : {}) }
const prefix = args.prefix ?? (search ? 'searchbench-' : 'readbench-')
const texts = search ? vocabularyFrom(args.texts!) : undefined
const dir = readCorpusDir(params)
mkdirSync(dir, { recursive: true })
const manifestFile = path.join(dir, 'manifest.json')
const progressFile = path.join(dir, 'progress.json')

const planStarted = performance.now()
const corpus = new ReadCorpus(params.seed, params.records, params.accounts, { mix, vocabulary: texts?.vocabulary })
const planted = plant(corpus)
const accounts = [...corpus.accounts, ...planted.accounts]
const planSec = round((performance.now() - planStarted) / 1000, 1)
note(`planned ${corpus.accounts.length.toLocaleString('en')} accounts, ${corpus.postCount.toLocaleString('en')} pool posts, ${planted.units.length} planted units in ${planSec} s`)
if (texts) note(`vocabulary: ${texts.vocabulary.words.length.toLocaleString('en')} words from ${texts.posts.toLocaleString('en')} real posts (${texts.digest})`)

// Units: the actor documents, each pool account, each planted structure.
const poolUnits = corpus.accounts.length
const unitCount = 1 + poolUnits + planted.units.length
const unitName = (u: number): string => (u === 0 ? 'actors' : u <= poolUnits ? `account ${u - 1}` : planted.units[u - 1 - poolUnits]!.name)

const baseManifest = {
  params,
  prefix,
  opensearch: OPENSEARCH_URL,
  corpusEnd: new Date(CORPUS_END_MS).toISOString(),
  accounts: accounts.length,
  poolPosts: corpus.postCount,
  ...(texts ? { vocabulary: { words: texts.vocabulary.words.length, fromPosts: texts.posts, digest: texts.digest } } : {}),
  planted: planted.manifest,
}
writeFileSync(manifestFile, JSON.stringify({ ...baseManifest, ...readJson(manifestFile, {}), ...baseManifest }, null, 2))
note(`manifest: ${manifestFile}`)
if (args['plan-only']) process.exit(0)

const client = createOpenSearchClient(OPENSEARCH_URL)
await client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' })
const log = createLogger('warn', 'magpie-bench')
if (args.fresh) {
  await dropBenchPrefix(client, prefix)
  rmSync(progressFile, { force: true })
}
await applySetup(client, prefix, log)

let done = (readJson(progressFile, { units: 0 }) as { units: number }).units
const startedAt = done
note(done > 0 ? `resuming after unit ${done} of ${unitCount} (${unitName(done - 1)})` : `loading ${unitCount.toLocaleString('en')} units into ${prefix}*`)

let lastSaved = 0
const saveProgress = (force = false): void => {
  if (!force && Date.now() - lastSaved < 5_000) return
  lastSaved = Date.now()
  writeFileSync(progressFile, JSON.stringify({ units: done, of: unitCount, at: new Date().toISOString() }))
}
const writer = new BulkWriter<number>({
  client,
  log,
  flushBytes: 4 * 1024 * 1024,
  flushMs: 1_000,
  maxInFlight: 2,
  onCheckpoint: (unit) => {
    done = unit + 1
    saveProgress()
  },
})

// A 1 s refresh over ~100 partitions being written at once makes hundreds of tiny segments a
// second; during the load a slower one, put on each new partition as it appears, then 1 s again.
const setRefresh = (interval: string) =>
  client.indices.putSettings({ index: `${prefix}*`, body: { index: { refresh_interval: interval } } }, { ignore: [404] }).catch(() => undefined)
await setRefresh('30s')
const refreshTimer = setInterval(() => void setRefresh('30s'), 10_000)

let added = 0
const cpu0 = machineCpuMs()
const osCpu0 = await opensearchCpuMs(client)
const t0 = performance.now()
let lastReport = t0
const report = (): void => {
  const sec = (performance.now() - t0) / 1000
  note(
    `${unitName(Math.max(0, done - 1))} acknowledged (${done}/${unitCount}); ${added.toLocaleString('en')} records added, ` +
      `${writer.stats.acked.toLocaleString('en')} acked, ${Math.round(writer.stats.acked / sec)} docs/s, ` +
      `stale ${writer.stats.stale}, rejected ${writer.stats.rejected}`,
  )
}

for (let u = done; u < unitCount; u++) {
  if (u === 0) {
    for (const a of accounts) writer.add(actorOp(a))
  } else {
    const batch = u <= poolUnits ? corpus.recordsOf(corpus.accounts[u - 1]!) : planted.units[u - 1 - poolUnits]!.make()
    for (const r of batch) writer.add(recordOp(r))
    added += batch.length
  }
  writer.checkpoint(u)
  const wait = writer.ready()
  if (wait) await wait
  if (performance.now() - lastReport > 10_000) {
    lastReport = performance.now()
    report()
  }
}
await writer.close()
saveProgress(true)
clearInterval(refreshTimer)
const loadSec = (performance.now() - t0) / 1000
report()
await setRefresh('1s')
const cpu1 = machineCpuMs()
const osCpu1 = await opensearchCpuMs(client)

let mergeSec: number | undefined
if (args.merge) {
  // What the lifecycle policy does to partitions older than 35 days: every month but the newest.
  const newest = new Date(CORPUS_END_MS).toISOString().slice(0, 7).replace('-', '.')
  const cat = await client.cat.indices({ index: `${prefix}*`, format: 'json', h: ['index'] })
  const old = (cat.body as unknown as { index: string }[]).map((r) => r.index).filter((i) => /-\d{4}\.\d{2}$/.test(i) && !i.endsWith(newest)).sort()
  const m0 = performance.now()
  if (!(await waitForRetentionLeases(client, `${prefix}*`))) note('retention leases still hold recent writes: the merged partitions keep their recovery source')
  for (const index of old) {
    note(`force-merging ${index}`)
    await client.indices.forcemerge({ index, max_num_segments: 1 }, { requestTimeout: 3_600_000 })
  }
  mergeSec = round((performance.now() - m0) / 1000)
}

const byIndex = await storageByFamily(client, prefix)
const docs = Object.values(byIndex).reduce((n, f) => n + f.docs, 0)
const result = {
  bench: 'read-corpus',
  at: new Date().toISOString(),
  ...params,
  prefix,
  units: { from: startedAt, to: unitCount },
  recordsThisRun: added,
  planSec,
  loadSec: round(loadSec),
  docsPerSec: round(writer.stats.acked / loadSec),
  writer: writer.stats,
  machineBusySec: round((cpu1.busy - cpu0.busy) / 1000),
  opensearchCpuSec: round((osCpu1 - osCpu0) / 1000),
  mergeSec,
  docsInIndices: docs,
  byIndex,
}
// What the indices hold is the count that matters (a resumed run writes some units twice).
const records = docs - (byIndex.actors?.docs ?? 0)
writeFileSync(manifestFile, JSON.stringify({ ...baseManifest, documents: docs, records, byIndex, loaded: result.at }, null, 2))
mkdirSync(path.resolve('bench/results'), { recursive: true })
appendFileSync(path.resolve('bench/results/read-corpus.jsonl'), `${JSON.stringify(result)}\n`)
process.stdout.write(`${JSON.stringify(result)}\n`)
await client.close()

function recordOp(r: GenRecord): BulkOp {
  const uri = recordId(r.did, r.collection, r.rkey)
  // Seen by ingest a moment after its creation, as live ingest would (0.5–3 s).
  const indexedAt = new Date(Math.floor(r.micros / 1000) + 500 + (r.micros % 2500)).toISOString()
  const input = { did: r.did, collection: r.collection, rkey: r.rkey, cid: cidFor(uri), record: toRecordJson(r.record), indexedAt }
  return recordWriteOp(prefix, familyForCollection(r.collection), input, r.micros)
}

function actorOp(a: { did: string; handle: string; startMs: number }): BulkOp {
  const didDoc = atprotoDidDocument(a.did, { handle: a.handle, signingKeyMultibase: KEY_MULTIBASE, pds: PDS })
  return actorIdentityOp(prefix, a.did, a.startMs, { handle: a.handle, handleValid: true, pds: PDS, didDoc })
}

function readJson(file: string, fallback: unknown): any {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback
}
