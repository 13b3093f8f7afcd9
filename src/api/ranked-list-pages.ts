import type { AppBskyFeedDefs } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { Ranked } from '#/dataplane/index.js'
import { actorHidesFromRecommendations, viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { decodeCursor, encodeCursor } from '#/dataplane/cursor.js'
import { param } from '#/api/xrpc/params.js'
import { generatorView } from '#/views/index.js'

/**
 * Paging over the data plane's ranked lists (popular feeds, suggestions), which it computes by
 * aggregation and reuses for a while. A cursor is the position after the last item served plus
 * that item's key: while the list is unchanged the position is exact, and when the list was
 * recomputed in between, paging resumes after the same item wherever it moved, so a page can
 * only repeat or skip what changed rank meanwhile.
 */

export interface RankedPage {
  keys: string[]
  cursor?: string
}

export function pageOfRanked(list: Ranked[], cursor: string | undefined, limit: number): RankedPage {
  const keys = list.map((r) => r.key)
  const start = resumeAt(keys, rankedCursor(cursor))
  const page = keys.slice(start, start + limit)
  const end = start + page.length
  return { keys: page, cursor: end < keys.length && page.length > 0 ? encodeCursor([end, page.at(-1)!]) : undefined }
}

/** Where to go on from `after` in `keys`: its position if the key is still there, else after the key wherever it is now. */
export function resumeAt(keys: string[], after: { offset: number; key: string } | undefined): number {
  if (!after) return 0
  if (keys[after.offset - 1] === after.key) return after.offset
  const moved = keys.indexOf(after.key)
  return moved >= 0 ? moved + 1 : Math.min(after.offset, keys.length)
}

function rankedCursor(cursor: string | undefined): { offset: number; key: string } | undefined {
  const values = decodeCursor(cursor, 2)
  if (!values) return undefined
  const [offset, key] = values
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 1 || typeof key !== 'string') {
    throw new InvalidRequestError('Malformed cursor')
  }
  return { offset, key }
}

const feedGenParams = z.object({
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
  query: param.string().optional(),
})

type FeedGenParams = z.output<typeof feedGenParams>
type FeedGenOutput = { feeds: AppBskyFeedDefs.GeneratorView[]; cursor?: string }

type RankFeedGens = (ctx: ApiContext, params: FeedGenParams, viewer: string | null) => Promise<Ranked[]>

/**
 * A page of a ranked list of feed generators. Generators whose creator the viewer has a block
 * with or mutes are left out, and, unless the list answers a text query (a search, not a
 * recommendation), those whose creator asked not to be recommended; those of accounts not
 * shown have no view.
 */
export function rankedFeedGensPage(ranked: RankFeedGens) {
  return pipeline<FeedGenParams, { uris: string[]; cursor?: string }, FeedGenOutput>({
    async skeleton({ params, ctx, hydrateCtx }) {
      const page = pageOfRanked(await ranked(ctx, params, hydrateCtx.viewer), params.cursor, params.limit)
      return { uris: page.keys, cursor: page.cursor }
    },
    hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateFeedGens(skeleton.uris, hydrateCtx),
    rules: ({ params, skeleton, state }) => ({
      ...skeleton,
      uris: skeleton.uris.filter((uri) => {
        const creator = state.feedgens?.get(uri)?.did
        if (!creator) return true
        if (!params.query && actorHidesFromRecommendations(creator, state)) return false
        return !viewerBlockExists(creator, state) && !viewerMuteExists(creator, state)
      }),
    }),
    present: ({ skeleton, state }) => ({ feeds: skeleton.uris.flatMap((uri) => generatorView(uri, state) ?? []), cursor: skeleton.cursor }),
  })
}

/** getPopularFeedGenerators, getSuggestedFeeds: a ranked list of feed generators, page by page. */
export function rankedFeedGensQuery(def: { nsid: string; ranked: RankFeedGens; expensive?: boolean }) {
  const run = rankedFeedGensPage(def.ranked)
  return definePagedQuery({ nsid: def.nsid, params: feedGenParams, auth: 'optional', expensive: def.expensive, run, items: (out) => out.feeds })
}
