import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import type { Pipeline } from '#/api/pipeline.js'
import type { SortKey } from '#/dataplane/index.js'
import { decodeCursor, encodeCursor } from '#/server/xrpc/cursor.js'
import { defineQuery, type AuthMode, type QueryMethod } from '#/server/xrpc/method.js'
import { param } from '#/server/xrpc/params.js'

/**
 * Paging for listing endpoints: cursors carry the data plane's sort keys, and a page thinned by
 * the rules step is refilled the way the reference AppView does it.
 */

/**
 * The sort key a cursor carries: a time (epoch ms) followed by `arity - 1` strings, the shape of
 * every graph listing's key. Anything else is InvalidRequest "Malformed cursor", never a query.
 */
export function keyFromCursor(cursor: string | undefined, arity: number): SortKey | undefined {
  const values = decodeCursor(cursor, arity)
  if (!values) return undefined
  const [time, ...rest] = values
  if (typeof time !== 'number' || !Number.isInteger(time) || !rest.every((v) => typeof v === 'string')) {
    throw new InvalidRequestError('Malformed cursor')
  }
  return values
}

export function cursorFromKey(key: SortKey | undefined): string | undefined {
  return key ? encodeCursor(key) : undefined
}

export interface FillPageOptions<O extends { cursor?: string }> {
  cursor: string | undefined
  limit: number
  fetch(page: { cursor: string | undefined; limit: number }): Promise<O>
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
  const maxRequests = opts.maxRequests ?? 10
  const enough = Math.ceil(opts.limit / 2)
  const first = await opts.fetch({ cursor: opts.cursor, limit: opts.limit })
  const items = opts.items(first)
  let cursor = first.cursor
  for (let requests = 1; requests < maxRequests && cursor && items.length < enough; requests++) {
    const previous = cursor
    const page = await opts.fetch({ cursor, limit: opts.limit - items.length })
    items.push(...opts.items(page))
    cursor = page.cursor === previous ? undefined : page.cursor
  }
  return { ...first, cursor }
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
    handler({ params, viewer, ctx }) {
      const hydrateCtx = ctx.hydrator.createContext({ viewer })
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
