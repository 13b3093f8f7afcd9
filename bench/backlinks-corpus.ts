/**
 * backlinks.ts on a loaded read corpus (read-corpus.ts): third-party records
 * (backlinks-third-party.ts) written into the corpus's own prefix through Magpie's write path
 * (validation, transforms, `linksTo`, the BulkWriter, external versions), then getBacklinks,
 * getBacklinkCounts, getLinkingAccounts and searchRecords timed through the data plane.
 *
 * The generated records stay in the corpus afterwards unless `cleanup` (they are deleted by
 * collection: read-corpus.ts writes none of those collections). A rerun over records already
 * there rewrites nothing (same count: taken as the same records) and measures again.
 *
 * OpenSearch caches the answers of size-0 searches (counts, linking accounts) until the index
 * changes; a popular subject's are asked for again and again, but on a network that writes all
 * the time the cache rarely holds them. Those figures are timed with the request cache cleared
 * before each call, and the popular subject's counts once more with it warm.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { createDataPlane, type DataPlane } from '#/dataplane/index.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { familyForCollection, genericFamily } from '#/indexing/families.js'
import { extractLinks } from '#/indexing/links.js'
import { isSkipped, recordWrite } from '#/ingest/commit-ops.js'
import type { Logger } from '#/log.js'
import { makeRng } from '#devnet/rng.js'
import type { TextClause } from '#/search/query-parser.js'
import { NOT_DELETED } from '#/dataplane/opensearch-reader.js'
import { THIRD_PARTY, thirdPartyRecords, thirdPartySubjects, type ThirdPartyOptions } from './backlinks-third-party.js'
import { timeCalls } from './call-timer.js'
import type { PlantedManifest } from './read-corpus-planted.js'
import { cidFor, ReadCorpus, readCorpusDir, vocabularyFrom, type ReadCorpusParams } from './read-corpus-records.js'
import { COLLECTIONS } from './repo-plan.js'

type Emit = (row: Record<string, unknown>) => void

export interface CorpusRunOptions {
  prefix: string
  /** The corpus's manifest; by default the newest loaded one under .local/bench-cache with this prefix. */
  manifest?: string
  count: number
  popularLinks: number
  calls: number
  /** Pages of 50 walked before the timed "deep" page. */
  deepPage: number
  texts: string
  cleanup: boolean
  cleanupOnly: boolean
}

interface CorpusManifest {
  params: ReadCorpusParams
  prefix: string
  accounts: number
  planted: PlantedManifest
  loaded?: string
  records?: number
}

const GENERATED = Object.values(THIRD_PARTY) as string[]
const generatedQuery = { terms: { collection: GENERATED } }
const note = (line: string): void => void process.stderr.write(`${line}\n`)

export async function measureOnCorpus(client: Client, log: Logger, emit: Emit, opts: CorpusRunOptions): Promise<void> {
  for (const collection of GENERATED) {
    // Deleting by collection must touch nothing but what this bench wrote.
    if (familyForCollection(collection) !== genericFamily || (Object.values(COLLECTIONS) as string[]).includes(collection)) throw new Error(`${collection} is not a collection only this bench writes`)
  }
  const records = `${opts.prefix}records`
  if (opts.cleanupOnly) return removeGenerated(client, emit, records)

  const manifest = findManifest(opts.prefix, opts.manifest)
  const planStarted = performance.now()
  const corpus = new ReadCorpus(manifest.params.seed, manifest.params.records, manifest.params.accounts, { mix: manifest.params.mix })
  note(`corpus ${opts.prefix}: ${manifest.records?.toLocaleString('en') ?? '?'} records, ${corpus.accounts.length.toLocaleString('en')} pool accounts, planned again in ${((performance.now() - planStarted) / 1000).toFixed(1)} s`)
  const texts = existsSync(opts.texts) ? vocabularyFrom(opts.texts) : undefined
  if (!texts) note(`no real posts at ${opts.texts}: the records' words come from the bench's short fixed list`)
  const popularPost = manifest.planted.thread.root
  const gen: ThirdPartyOptions = {
    count: opts.count,
    popularLinks: opts.popularLinks,
    seed: 17,
    popularPost: { uri: popularPost, cid: cidFor(popularPost) },
    popularAccount: manifest.planted.popularAccounts[0]!,
    vocabulary: texts?.vocabulary,
  }
  const subjects = thirdPartySubjects(corpus, gen)
  await checkCorpusLoaded(client, opts.prefix, manifest, [subjects.popularPost, subjects.coldPosts[0]!])

  const already = await countGenerated(client, records)
  const write = already !== opts.count
  if (already > 0 && write) note(`${already.toLocaleString('en')} generated records already in ${records} (not ${opts.count.toLocaleString('en')}): writing again; a mismatch below means an earlier run with other options (--cleanup-only first)`)
  if (!write) note(`the ${already.toLocaleString('en')} generated records are already in ${records}: not writing them again`)
  const expected = await writeThirdParty(client, log, emit, opts.prefix, corpus, gen, new Set([subjects.popularPost, subjects.popularAccount, ...subjects.coldPosts]), write)
  await client.indices.refresh({ index: records })
  emit({ figure: 'third-party-records', inIndex: await countGenerated(client, records), written: write ? opts.count : 0, recordsIndex: records })

  const dp = createDataPlane({ client, prefix: opts.prefix, cacheTtlMs: 0 })
  const clearRequestCache = () => client.indices.clearCache({ index: `${opts.prefix}*`, request: true })
  let mismatches = 0
  for (const [name, subject] of [['popular post', subjects.popularPost], ['popular account', subjects.popularAccount]] as const) {
    const counts = await checkCounts(dp, subject, expected.get(subject))
    mismatches += counts.ok ? 0 : 1
    emit({ figure: `subject ${name}`, subject, ...counts })
  }
  let coldBad = 0
  for (const subject of subjects.coldPosts) coldBad += (await checkCounts(dp, subject, expected.get(subject))).ok ? 0 : 1
  mismatches += coldBad
  emit({ figure: 'subject cold posts', subjects: subjects.coldPosts.length, generatedLinksEach: 1, mismatched: coldBad })
  if (mismatches > 0) note(`!! ${mismatches} subject(s) whose generated backlinks do not count as written (records of an earlier run with other options? --cleanup-only, then again)`)

  const calls = opts.calls
  const figure = async (name: string, run: () => Promise<object>) => {
    const stats = await run()
    emit({ figure: name, ...stats })
    const s = stats as { p50: number; p99: number }
    note(`${name.padEnd(58)} p50 ${String(s.p50).padStart(7)} ms  p99 ${String(s.p99).padStart(7)} ms`)
  }
  const popular = [
    { name: 'popular post', subject: subjects.popularPost, filter: { collection: THIRD_PARTY.bookmark, path: '.subject' } },
    { name: 'popular account', subject: subjects.popularAccount, filter: { collection: COLLECTIONS.follow, path: '.subject' } },
  ]
  for (const { name, subject, filter } of popular) {
    await figure(`getBacklinks ${name}: first page`, () => timeCalls({ n: calls, warmup: 5 }, () => dp.getBacklinks(subject, {}, { limit: 50 })))
    const after = await pageAfter(dp, subject, opts.deepPage)
    if (after) await figure(`getBacklinks ${name}: page ${opts.deepPage + 1} (cursor)`, () => timeCalls({ n: calls, warmup: 5 }, () => dp.getBacklinks(subject, {}, { limit: 50, after })))
    await figure(`getBacklinks ${name}: ${filter.collection} ${filter.path}`, () => timeCalls({ n: calls, warmup: 5 }, () => dp.getBacklinks(subject, filter, { limit: 50 })))
    await figure(`getBacklinkCounts ${name}`, () => timeCalls({ n: calls, warmup: 2, before: clearRequestCache }, () => dp.getBacklinkCounts(subject)))
    await figure(`getBacklinkCounts ${name} (request cache warm)`, () => timeCalls({ n: calls, warmup: 2 }, () => dp.getBacklinkCounts(subject)))
    await figure(`getLinkingAccounts ${name}: ${filter.collection} ${filter.path}`, () => timeCalls({ n: calls, warmup: 2, before: clearRequestCache }, () => dp.getLinkingAccounts(subject, filter, { limit: 100 })))
  }
  // A different cold post for every call.
  const cold = (i: number) => subjects.coldPosts[i % subjects.coldPosts.length]!
  const coldFilter = { collection: THIRD_PARTY.bookmark, path: '.subject' }
  await figure('getBacklinks cold post: first page', () => timeCalls({ n: calls, warmup: 5 }, (i) => dp.getBacklinks(cold(i), {}, { limit: 50 })))
  await figure(`getBacklinks cold post: ${coldFilter.collection} ${coldFilter.path}`, () => timeCalls({ n: calls, warmup: 5 }, (i) => dp.getBacklinks(cold(i), coldFilter, { limit: 50 })))
  await figure('getBacklinkCounts cold post', () => timeCalls({ n: calls, warmup: 2, before: clearRequestCache }, (i) => dp.getBacklinkCounts(cold(i))))
  await figure(`getLinkingAccounts cold post: ${coldFilter.collection} ${coldFilter.path}`, () => timeCalls({ n: calls, warmup: 2, before: clearRequestCache }, (i) => dp.getLinkingAccounts(cold(i), coldFilter, { limit: 100 })))

  const thirdParty = await countThirdParty(client, records)
  emit({ figure: 'searched records', recordsIndexLive: thirdParty })
  note(`searchRecords over ${thirdParty.toLocaleString('en')} records of third-party lexicons:`)
  for (const kind of searchKinds(texts?.vocabulary.words)) {
    for (const collection of [undefined, THIRD_PARTY.document]) {
      const rng = makeRng(29)
      const hits: number[] = []
      const name = `searchRecords ${kind.name}${collection ? ` in ${collection}` : ''}`
      await figure(name, async () => ({
        ...(await timeCalls({ n: calls, warmup: 5 }, async () => {
          const page = await dp.searchRecords({ text: kind.query(rng), collection, limit: 25, facetSize: 20 })
          hits.push(page.total)
        })),
        medianHits: hits.sort((a, b) => a - b)[Math.floor(hits.length / 2)],
      }))
    }
  }

  if (opts.cleanup) await removeGenerated(client, emit, records)
  else note(`\nThe ${opts.count.toLocaleString('en')} generated records stay in ${records} (collections ${GENERATED.join(', ')}); remove them with --corpus ${opts.prefix} --cleanup-only.`)
}

/** The corpus with this prefix: the manifest read-corpus.ts wrote for it, the newest load first. */
function findManifest(prefix: string, file?: string): CorpusManifest {
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as CorpusManifest
  if (file) return read(file)
  const root = path.dirname(readCorpusDir({ records: 0, accounts: 0, seed: 0 }))
  const found = (existsSync(root) ? readdirSync(root) : [])
    .map((dir) => path.join(root, dir, 'manifest.json'))
    .filter((f) => f.includes(`${path.sep}read-corpus-`) && existsSync(f))
    .map(read)
    .filter((m) => m.prefix === prefix)
    // The newest load first; a manifest never loaded from here last (the index is checked anyway).
    .sort((a, b) => ((a.loaded ?? '') < (b.loaded ?? '') ? 1 : -1))
  if (!found[0]) throw new Error(`no read corpus with prefix ${prefix} under ${root}: load one with bench/read-corpus.ts --prefix ${prefix}, or pass --manifest`)
  return found[0]
}

/** The corpus in the index is the one the manifest plans (same accounts, same posts). */
async function checkCorpusLoaded(client: Client, prefix: string, manifest: CorpusManifest, posts: string[]): Promise<void> {
  const actors = await client.count({ index: `${prefix}actors` }, { ignore: [404] })
  const found = await client.count({ index: `${prefix}posts`, body: { query: { ids: { values: posts } } } }, { ignore: [404] })
  const n = (res: { body: unknown }) => (res.body as { count?: number }).count ?? 0
  if (n(actors) < manifest.accounts || n(found) !== posts.length) {
    throw new Error(`${prefix}* does not hold the corpus its manifest plans (${n(actors)} actors of ${manifest.accounts}, ${n(found)} of ${posts.length} known posts): load it with read-corpus.ts`)
  }
  // A corpus loaded before records carried their links: its likes, reposts and follows would not count.
  const linked = await client.count({ index: `${prefix}likes`, body: { query: { exists: { field: 'linksTo' } } } }, { ignore: [404] })
  if (n(linked) === 0) throw new Error(`${prefix}likes has no documents with linksTo: the corpus was loaded before links were indexed; load it again (read-corpus.ts --fresh)`)
}

async function countGenerated(client: Client, index: string): Promise<number> {
  const res = await client.count({ index, body: { query: generatedQuery } }, { ignore: [404] })
  return (res.body as { count?: number }).count ?? 0
}

async function countThirdParty(client: Client, index: string): Promise<number> {
  const res = await client.count({ index, body: { query: { bool: { must_not: [NOT_DELETED] } } } }, { ignore: [404] })
  return (res.body as { count?: number }).count ?? 0
}

/** Writes (when `write`) the generated records; gives the links they make to `tracked` subjects, by collection and path. */
async function writeThirdParty(
  client: Client, log: Logger, emit: Emit, prefix: string, corpus: ReadCorpus, gen: ThirdPartyOptions, tracked: Set<string>, write: boolean,
): Promise<Map<string, Map<string, number>>> {
  const expected = new Map<string, Map<string, number>>()
  const writer = new BulkWriter<number>({ client, log, flushBytes: 4 * 1024 * 1024, flushMs: 1_000, maxInFlight: 2 })
  const began = performance.now()
  let made = 0
  let lastNote = began
  for (const r of thirdPartyRecords(corpus, gen)) {
    made++
    for (const link of extractLinks(r.record).links) {
      if (!tracked.has(link.subject)) continue
      const groups = expected.get(link.subject) ?? new Map<string, number>()
      const group = `${r.collection} ${link.path}`
      groups.set(group, (groups.get(group) ?? 0) + 1)
      expected.set(link.subject, groups)
    }
    if (!write) continue
    const uri = `at://${r.did}/${r.collection}/${r.rkey}`
    // Seen by ingest a moment after its creation, as in read-corpus.ts.
    const indexedAt = new Date(Math.floor(r.micros / 1000) + 500 + (r.micros % 2500)).toISOString()
    const op = recordWrite(prefix, genericFamily, { did: r.did, collection: r.collection, rkey: r.rkey, cid: cidFor(uri), record: r.record }, r.micros, indexedAt)
    if (isSkipped(op)) throw new Error(`${op.uri}: ${op.reason} ${op.detail}`)
    writer.add(op)
    const wait = writer.ready()
    if (wait) await wait
    if (performance.now() - lastNote > 15_000) {
      lastNote = performance.now()
      note(`${made.toLocaleString('en')} of ${gen.count.toLocaleString('en')} generated, ${writer.stats.acked.toLocaleString('en')} acknowledged`)
    }
  }
  await writer.close()
  if (write) {
    const sec = (performance.now() - began) / 1000
    emit({ figure: 'third-party-write', records: made, sec: Number(sec.toFixed(1)), recordsPerSec: Math.round(made / sec), writer: writer.stats })
    note(`wrote ${made.toLocaleString('en')} third-party records in ${sec.toFixed(0)} s (${Math.round(made / sec)}/s, generation and validation included; ${writer.stats.stale} already there)`)
  }
  return expected
}

/** What the subject's counts say of the generated collections, against what was written. */
async function checkCounts(dp: DataPlane, subject: string, expected = new Map<string, number>()) {
  const counts = await dp.getBacklinkCounts(subject)
  const got = new Map(counts.counts.filter((c) => GENERATED.includes(c.collection)).map((c) => [`${c.collection} ${c.path}`, c.records]))
  const ok = got.size === expected.size && [...expected].every(([group, n]) => got.get(group) === n)
  const generated = [...expected.values()].reduce((a, b) => a + b, 0)
  return { ok, records: counts.records, accounts: counts.accounts, generatedLinks: generated, fromCorpus: counts.records - generated, groups: counts.counts.length, expected: Object.fromEntries(expected), got: Object.fromEntries(got) }
}

/** The cursor after `pages` pages of 50, walked untimed. */
async function pageAfter(dp: DataPlane, subject: string, pages: number) {
  let after: (string | number)[] | undefined
  for (let i = 0; i < pages; i++) {
    const page = await dp.getBacklinks(subject, {}, { limit: 50, after })
    if (!page.next) return undefined
    after = page.next
  }
  return after
}

/** Queries from frequent to rare words of the real posts' vocabulary (by rank), or a fixed few without it. */
function searchKinds(words: string[] | undefined): { name: string; query: (rng: ReturnType<typeof makeRng>) => TextClause[] }[] {
  const word = (text: string): TextClause => ({ kind: 'word', text, negated: false })
  const ranked = (rng: ReturnType<typeof makeRng>, lo: number, hi: number) => words![Math.min(words!.length - 1, lo + rng.int(hi - lo))]!
  if (!words) {
    const fixed = ['coffee', 'garden', 'typescript', 'weekend', 'beautiful', 'search']
    return [
      { name: 'one word', query: (rng) => [word(rng.pick(fixed))] },
      { name: 'two words', query: (rng) => [word(rng.pick(fixed)), word(rng.pick(fixed))] },
    ]
  }
  return [
    { name: 'a frequent word (rank 20-200)', query: (rng) => [word(ranked(rng, 20, 200))] },
    { name: 'a rarer word (rank 2,000-20,000)', query: (rng) => [word(ranked(rng, 2_000, 20_000))] },
    { name: 'two words (rank 50-2,000)', query: (rng) => [word(ranked(rng, 50, 2_000)), word(ranked(rng, 50, 2_000))] },
    { name: 'a phrase of two frequent words', query: (rng) => [{ kind: 'phrase', text: `${ranked(rng, 0, 100)} ${ranked(rng, 0, 100)}`, negated: false }] },
  ]
}

async function removeGenerated(client: Client, emit: Emit, index: string): Promise<void> {
  const began = performance.now()
  const before = await countGenerated(client, index)
  await client.deleteByQuery({ index, body: { query: generatedQuery }, conflicts: 'proceed', refresh: true, wait_for_completion: true, slices: 'auto' } as any, { requestTimeout: 3_600_000 })
  // Counted, not taken from the response: a sliced delete answered `deleted: 0` for a million removed.
  const deleted = before - (await countGenerated(client, index))
  emit({ figure: 'cleanup', index, deleted, sec: Number(((performance.now() - began) / 1000).toFixed(1)) })
  note(`removed ${deleted.toLocaleString('en')} generated records from ${index}`)
}
