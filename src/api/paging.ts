import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import type { Pipeline } from '#/api/pipeline.js'
import type { Page, PageRequest, SortKey } from '#/dataplane/index.js'
import { defineQuery, type AuthMode, type QueryMethod } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

/**
 * Paging for listing endpoints: cursors carry the data plane's sort keys, and a page thinned by
 * the rules step is refilled the way the reference AppView does it.
 */

/**
 * A keyset listing taken in pages of any size exactly as if each had been read on its own
 * (same items, same continuation key), while reading the listing itself in fewer, larger pages:
 * for listings whose every read costs far more than its size (a walk over every partition).
 */
export function readAheadPages<T>(read: (page: PageRequest) => Promise<Page<T>>, start: SortKey | undefined) {
  let buffer: { item: T; key: SortKey }[] = []
  let next = start
  let ended = false
  return {
    /** The next `want` items (with each one's key), reading at least `readSize` of the listing when more must be read. */
    async take(want: number, readSize: number): Promise<{ items: T[]; keys: SortKey[]; next?: SortKey }> {
      if (buffer.length < want && !ended) {
        const page = await read({ after: next, limit: Math.max(want, readSize) - buffer.length })
        const keys = page.keys ?? []
        if (keys.length !== page.items.length) throw new Error('a listing read ahead must give each item its key')
        buffer = buffer.concat(page.items.map((item, i) => ({ item, key: keys[i]! })))
        next = page.next
        ended = !page.next
      }
      const taken = buffer.slice(0, want)
      buffer = buffer.slice(want)
      const more = buffer.length > 0 || !ended
      return { items: taken.map((t) => t.item), keys: taken.map((t) => t.key), next: more ? taken.at(-1)?.key : undefined }
    },
  }
}

/**
 * How many leading items, each giving `yields[i]` results, it takes to have `need` results: the
 * fewest whose yields add up to `need` or more, or all of them when they never do.
 */
export function leadingToFill(yields: number[], need: number): number {
  let have = 0
  for (let i = 0; i < yields.length; i++) {
    have += yields[i]!
    if (have >= need) return i + 1
  }
  return yields.length
}

export interface FillPageOptions<O extends { cursor?: string }> {
  cursor: string | undefined
  limit: number
  /** `refill`: a later fetch of the same page, after the rules thinned the ones before. */
  fetch(page: { cursor: string | undefined; limit: number; refill: boolean }): Promise<O>
  items(output: O): unknown[]
  /** Most fetches per request. Default 10. */
  maxRequests?: number
}

/**
 * One page of an endpoint whose rules may drop items (blocks, takedowns): while fewer than half
 * of `limit` items survive and there is more, fetch on from the cursor. The items of later
 * fetches are appended to the first answer, whose other fields stand.
 */
export async function fillPage<O extends { cursor?: string }>(opts: FillPageOptions<O>): Promise<O> {
  const maxRequests = opts.maxRequests ?? MAX_FETCHES
  const enough = Math.ceil(opts.limit / 2)
  const first = await opts.fetch({ cursor: opts.cursor, limit: opts.limit, refill: false })
  const items = opts.items(first)
  let cursor = first.cursor
  for (let requests = fetchesOf(first); requests < maxRequests && cursor && items.length < enough; requests++) {
    const previous = cursor
    const page = await opts.fetch({ cursor, limit: opts.limit - items.length, refill: true })
    items.push(...opts.items(page))
    cursor = page.cursor === previous ? undefined : page.cursor
  }
  return { ...first, cursor }
}

/**
 * The first `limit` items of a paged pipeline, for methods that answer one list without a
 * cursor (the suggestions the app shows in a row): pages are read on while the rules thinned
 * them and there is more, at most MAX_FETCHES of them.
 */
export async function firstItems<O extends { cursor?: string }, T>(
  limit: number,
  fetch: (page: { cursor: string | undefined; limit: number }) => Promise<O>,
  items: (output: O) => T[],
): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  for (let fetches = 0; fetches < MAX_FETCHES && out.length < limit; fetches++) {
    const page = await fetch({ cursor, limit: limit - out.length })
    out.push(...items(page))
    if (!page.cursor || page.cursor === cursor) break
    cursor = page.cursor
  }
  return out.slice(0, limit)
}

/** Most fetches `fillPage` makes for one page. */
const MAX_FETCHES = 10

/**
 * On an answer that stands for several of `fillPage`'s fetches (`emulateFill`): how many. A
 * symbol, so it never reaches the JSON a client reads.
 */
export const FETCHES = Symbol('fetches')

function fetchesOf(output: object): number {
  const n = (output as { [FETCHES]?: number })[FETCHES]
  return typeof n === 'number' && n > 0 ? n : 1
}

/**
 * `fillPage`'s fetches played over items read ahead at once: which of them (`kept`, in order) the
 * rules leave, and whether the listing goes on after them. Answers how many leading items the
 * fetches that fit in what was read consumed — the page is the kept ones among them, continuing
 * after the last — and how many fetches that was. A peek (limit 1) whose first items are hidden
 * then costs one hydration, not one per hidden item, and answers exactly what fetching one item
 * at a time would.
 */
export function emulateFill(limit: number, kept: boolean[], more: boolean): { consumed: number; fetches: number } {
  const enough = Math.ceil(limit / 2)
  let consumed = 0
  let have = 0
  let fetches = 0
  let want = limit
  // A fetch that would need items past those read ahead is left to fillPage.
  while (fetches < MAX_FETCHES && (consumed + want <= kept.length || !more)) {
    const end = Math.min(consumed + want, kept.length)
    for (let i = consumed; i < end; i++) if (kept[i]) have++
    consumed = end
    fetches++
    const goesOn = consumed < kept.length || more
    if (!goesOn || have >= enough) break
    want = limit - have
  }
  return { consumed, fetches }
}

/**
 * A listing method: its pipeline run page by page through `fillPage`, with the viewer's
 * hydration context. What every paged endpoint's handler would otherwise spell out again.
 */
export function definePagedQuery<S extends z.ZodType<{ cursor?: string; limit: number }, z.ZodTypeDef, unknown>, O extends { cursor?: string }>(def: {
  nsid: string
  params: S
  auth: AuthMode
  /** See MethodBase.expensive. */
  expensive?: boolean
  run: Pipeline<z.output<S>, O>
  items(output: O): unknown[]
}): QueryMethod<S, O> {
  return defineQuery({
    nsid: def.nsid,
    params: def.params,
    auth: def.auth,
    expensive: def.expensive,
    handler(req) {
      const { params, ctx } = req
      const hydrateCtx = hydrationContext(req)
      return fillPage({
        cursor: params.cursor,
        limit: params.limit,
        fetch: (page) => def.run({ ...params, ...page }, ctx, hydrateCtx),
        items: def.items,
      })
    },
  })
}

/** Params of the listings of one record's likes, reposts or quotes. */
export const subjectPageParams = z.object({
  uri: param.atUri(),
  // Echoed back; interactions with every version of the record are listed, as the reference AppView does.
  cid: param.cid().optional(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})
