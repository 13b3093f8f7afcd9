/**
 * Where a read request's time goes in OpenSearch: every call the data plane makes through the
 * client is timed (round trip, and OpenSearch's own `took` for searches) and described (which
 * family, what it filters or aggregates on, how many ids); then each search can be replayed
 * alone to see its own cost. Used by read-latency.ts `--trace`.
 */
import type { Client } from '@opensearch-project/opensearch'

export interface TracedCall {
  /** Start, relative to the first call of the request (ms). */
  at: number
  ms: number
  op: string
  /** One line per sub-search (msearch), or the indices of an mget. */
  what: string[]
  /** OpenSearch's `took` per sub-search (ms). */
  took?: number[]
  /** Shards each (sub-)search ran on. */
  shards?: number[]
  /** The sub-searches as sent ([header, body] pairs), for replaying them one by one. */
  searches?: [any, any][]
  /** The documents of an mget, for replaying it. */
  docs?: { _index: string; _id: string }[]
}

export interface Tracer {
  begin(): void
  end(): TracedCall[]
}

export function traceClient(client: Client): Tracer {
  const transport = client.transport as unknown as { request: (params: any, options?: any) => Promise<any> }
  const original = transport.request.bind(transport)
  let calls: TracedCall[] | undefined
  let t0 = 0
  transport.request = async (params: any, options?: any) => {
    if (!calls) return original(params, options)
    const started = performance.now()
    if (calls.length === 0) t0 = started
    const res = await original(params, options)
    const body = res?.body
    const call: TracedCall = { at: round(started - t0), ms: round(performance.now() - started), op: `${params.method} ${String(params.path).replace(/\?.*/, '')}`, what: describe(params) }
    if (String(params.path).endsWith('_msearch')) call.searches = pairs(params.bulkBody ?? params.body)
    if (String(params.path).endsWith('_mget')) call.docs = parse(params.body)?.docs
    if (Array.isArray(body?.responses)) call.took = body.responses.map((r: any) => r.took)
    else if (typeof body?.took === 'number') call.took = [body.took]
    // Shards searched: those the can_match phase skipped (no document could match) cost next to nothing.
    const searched = (shards: any) => (shards?.total ?? 0) - (shards?.skipped ?? 0)
    if (Array.isArray(body?.responses)) call.shards = body.responses.map((r: any) => searched(r._shards))
    else if (typeof body?._shards?.total === 'number') call.shards = [searched(body._shards)]
    calls.push(call)
    return res
  }
  return {
    begin: () => {
      calls = []
    },
    end: () => {
      const out = calls ?? []
      calls = undefined
      return out
    },
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10
}

function parse(body: any): any {
  return typeof body === 'string' ? JSON.parse(body) : body
}

function pairs(body: any): [any, any][] {
  const lines: any[] = typeof body === 'string' ? body.trim().split('\n').map((l: string) => JSON.parse(l)) : body
  const out: [any, any][] = []
  for (let i = 0; i + 1 < lines.length; i += 2) out.push([lines[i], lines[i + 1]])
  return out
}

function describe(params: any): string[] {
  const body = params.bulkBody ?? params.body
  if (String(params.path).endsWith('_msearch')) return pairs(body).map(([header, search]) => `${header.index} ${summarize(search)}`)
  if (String(params.path).endsWith('_mget')) {
    const docs: { _index: string }[] = parse(body)?.docs ?? []
    const byFamily = new Map<string, number>()
    for (const d of docs) {
      const family = d._index.replace(/-(all|other|\d{4}\.\d{2})$/, '')
      byFamily.set(family, (byFamily.get(family) ?? 0) + 1)
    }
    return [[...byFamily].map(([f, n]) => `${f}×${n}`).join(' ')]
  }
  return []
}

/** A search body in a few words: filters (terms with their sizes), sort, size, aggregations. */
function summarize(search: any): string {
  const parts: string[] = []
  const clauses = (q: any): string[] => {
    if (!q || typeof q !== 'object') return []
    if (q.bool) return [...(q.bool.filter ?? []), ...(q.bool.must ?? []), ...(q.bool.should ?? [])].flatMap(clauses)
    return Object.entries(q).map(([kind, v]: [string, any]) => {
      const [field, value] = Object.entries(v ?? {})[0] ?? ['', '']
      return Array.isArray(value) ? `${kind}:${field}[${value.length}]` : `${kind}:${field}`
    })
  }
  parts.push(clauses(search.query).filter((c) => !c.startsWith('term:tomb')).join(','))
  if (search.sort) parts.push(`sort`)
  if (search.size !== undefined) parts.push(`size ${search.size}`)
  if (search.aggs) parts.push(`aggs ${Object.values(search.aggs).map((a: any) => Object.keys(a)[0] + ':' + (Object.values(a)[0] as any)?.field).join(',')}`)
  if (search.search_after) parts.push('after')
  return parts.join(' ')
}

export interface SearchCost {
  what: string
  /** Median `took` of the search sent alone, the shard request cache bypassed (ms); for an mget, its round trip. */
  took: number
}

/**
 * Each sub-search (and mget) of the traced calls sent alone, `times` times in a row, with the
 * request cache off: what it costs OpenSearch by itself, without the queueing of the searches
 * sent beside it.
 */
export async function searchCosts(client: Client, calls: TracedCall[], times = 5): Promise<SearchCost[]> {
  const out: SearchCost[] = []
  for (const call of calls) {
    for (const [header, search] of call.searches ?? []) {
      const took: number[] = []
      for (let i = 0; i < times; i++) {
        const res = await client.search({ index: header.index, body: search, request_cache: false, ignore_unavailable: true, allow_no_indices: true } as any)
        took.push((res.body as any).took)
      }
      took.sort((a, b) => a - b)
      out.push({ what: `${header.index} ${summarize(search)}`, took: took[Math.floor(times / 2)]! })
    }
    if (call.docs) {
      const ms: number[] = []
      for (let i = 0; i < times; i++) {
        const t0 = performance.now()
        await sendAgain(client, { docs: call.docs })
        ms.push(performance.now() - t0)
      }
      ms.sort((a, b) => a - b)
      out.push({ what: `mget ${call.what.join(' ')} (round trip)`, took: round(ms[Math.floor(times / 2)]!) })
    }
  }
  return out.sort((a, b) => b.took - a.took)
}

/**
 * A traced call sent again as it was (an `_msearch` with the shard request cache off, or an
 * `_mget`); undefined for other calls (`_stats`, `_alias`), which are not replayed.
 */
export function sendAgain(client: Client, call: Pick<TracedCall, 'searches' | 'docs'>): Promise<unknown> | undefined {
  if (call.searches) {
    const body = call.searches.flatMap(([header, search]) => [{ ...header, request_cache: false }, search])
    return client.msearch({ body, max_concurrent_searches: call.searches.length } as any)
  }
  if (call.docs) return client.mget({ body: { docs: call.docs } })
  return undefined
}
