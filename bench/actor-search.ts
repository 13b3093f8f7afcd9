// Typeahead latency (searchActors' data-plane call, as searchActorsTypeahead makes it) over the
// read-benchmark corpus's accounts. The corpus node's indices predate the search sub-fields and
// are read only, so its actors and profiles are copied (profiles derived again by the transform)
// into TARGET under PREFIX, with the current templates; follows stay where they are unless
// copied too (COPY_FOLLOWS=1), so without them follower counts are queried against nothing.
// Usage: SOURCE=http://127.0.0.1:9200 SOURCE_PREFIX=readbench- TARGET=http://127.0.0.1:9280 \
//        PREFIX=actorbench- node --import tsx bench/actor-search.ts
import { Client } from '@opensearch-project/opensearch'
import { createDataPlane } from '#/dataplane/index.js'
import { createLogger } from '#/log.js'
import { rederive } from '#/store/reindex.js'
import { applySetup } from '#/store/setup.js'

const source = new Client({ node: process.env.SOURCE ?? 'http://127.0.0.1:9200' })
const target = new Client({ node: process.env.TARGET ?? 'http://127.0.0.1:9280' })
const sourcePrefix = process.env.SOURCE_PREFIX ?? 'readbench-'
const prefix = process.env.PREFIX ?? 'actorbench-'
const queries = Number(process.env.QUERIES ?? 2000)

async function copy(family: string, record: boolean): Promise<number> {
  let n = 0
  let res: any = await source.search({ index: `${sourcePrefix}${family}`, scroll: '2m', size: 2000, version: true, body: { sort: ['_doc'] } } as any)
  for (;;) {
    const hits = res.body.hits.hits as any[]
    if (hits.length === 0) break
    const body = hits.flatMap((h) => [
      { index: { _index: h._index.replace(sourcePrefix, prefix), _id: h._id, ...(record ? { version: h._version, version_type: 'external' } : {}) } },
      record ? rederive(h) : h._source,
    ])
    const out: any = await target.bulk({ body })
    if (out.body.errors) throw new Error(JSON.stringify(out.body.items.find((i: any) => i.index.error).index.error))
    n += hits.length
    res = await source.scroll({ scroll_id: res.body._scroll_id, scroll: '2m' } as any)
  }
  return n
}

await applySetup(target, prefix, createLogger('warn'))
const have = ((await target.count({ index: `${prefix}profiles` }, { ignore: [404] })).body as any).count ?? 0
if (have === 0) {
  const t0 = Date.now()
  const copied = [await copy('actors', false), await copy('profiles', true), ...(process.env.COPY_FOLLOWS ? [await copy('follows', true)] : [])]
  await target.indices.refresh({ index: `${prefix}*` })
  console.log(`copied ${copied.join(' + ')} documents in ${Date.now() - t0} ms`)
}

// Queries: prefixes (1–6 characters) of handles and display names, and word middles.
const sample: any = await target.search({ index: `${prefix}profiles`, body: { size: 500, query: { function_score: { random_score: { seed: 1, field: '_seq_no' } } }, _source: ['did', 'record.displayName'] } as any })
const actorsSample: any = await target.search({ index: `${prefix}actors`, body: { size: 500, query: { function_score: { random_score: { seed: 2, field: '_seq_no' } } }, _source: ['handle'] } as any })
const words = [
  ...sample.body.hits.hits.map((h: any) => String(h._source.record?.displayName ?? '')),
  ...actorsSample.body.hits.hits.map((h: any) => String(h._source.handle ?? '')),
].filter((w) => w.length >= 3)
const terms: string[] = []
for (let i = 0; terms.length < queries; i++) {
  const w = words[i % words.length]!.toLowerCase()
  const kind = i % 3
  terms.push(kind === 2 && w.length > 5 ? w.slice(1, 6) : w.slice(0, 1 + (i % 6)))
}

const dp = createDataPlane({ client: target, prefix, cacheTtlMs: 0 })
const viewer = actorsSample.body.hits.hits[0]._id
for (const term of terms.slice(0, 50)) await dp.searchActors({ term, viewer, limit: 10, offset: 0, description: false })
const ms: number[] = []
for (const term of terms) {
  const t = process.hrtime.bigint()
  await dp.searchActors({ term, viewer, limit: 10, offset: 0, description: false })
  ms.push(Number(process.hrtime.bigint() - t) / 1e6)
}
ms.sort((a, b) => a - b)
const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1)
console.log(JSON.stringify({ queries: ms.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: ms.at(-1)!.toFixed(1) }))
await source.close()
await target.close()
