import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { accountContentHidden } from '#/api/link-params.js'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { parseUserQuery, timeParam } from '#/api/post-search-request.js'
import type { RecordHit } from '#/dataplane/record-search.js'
import type { ApiContext } from '#/api/context.js'
import type { ParsedQuery, TextClause } from '#/search/query-parser.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewBasic } from '#/views/index.js'

/** Full-text search over third-party records (lexicons/net/magpie/search/searchRecords.json). */
export const NSID = 'net.magpie.search.searchRecords'

const FACET_SIZE = 20

const params = z.object({
  q: param.string({ maxLength: 1000 }),
  collection: param.nsid().optional(),
  author: param.atIdentifier().optional(),
  since: param.string().optional(),
  until: param.string().optional(),
  limit: param.limit({ maximum: 100, default: 25 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Output {
  cursor?: string
  hitsTotal: number
  records: { uri: string; cid: string; author: unknown; record: unknown; highlights: RecordHit['highlights'] }[]
  facets: { collections: { value: string; count: number }[] }
}

interface Skeleton {
  hits: RecordHit[]
  cursor?: string
  hitsTotal: number
  collections: { value: string; count: number }[]
}

const badQuery = (message: string) => new InvalidRequestError(message, 'BadQueryString')

/**
 * The post search syntax, read for records: words, phrases and negation search the text, a
 * #tag is a word, `from:` names authors, `since:`/`until:` bound the date. The operators about
 * posts only (to:, mentions:, lang:, domain:, URLs) are refused rather than silently ignored.
 */
async function readQuery(ctx: ApiContext, viewer: string | null, parsed: ParsedQuery): Promise<{ text: TextClause[]; authors: string[]; excluded: string[] }> {
  const text = [...parsed.text]
  const from: { value: string; negated: boolean }[] = []
  for (const filter of parsed.filters) {
    if (filter.field === 'tag') text.push({ kind: 'word', text: filter.value, negated: filter.negated })
    else if (filter.field === 'from') {
      if (filter.value === 'me' && !viewer) throw badQuery('from:me needs a signed-in viewer')
      from.push({ value: filter.value === 'me' ? viewer! : filter.value, negated: filter.negated })
    } else throw badQuery(`${filter.field}: does not apply to records; use words, "phrases", -negation, from:, since: and until:`)
  }
  const dids = await ctx.hydrator.resolveActors(from.map((f) => f.value))
  // An unknown author matches nothing, as in post search.
  const authors = from.flatMap((f, i) => (f.negated ? [] : [dids[i] ?? 'did:unknown:nobody']))
  const excluded = from.flatMap((f, i) => (f.negated && dids[i] ? [dids[i]!] : []))
  return { text, authors, excluded }
}

const searchRecords = pipeline<Params, Skeleton, Output>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const after = keyFromCursor(params.cursor, 3)
    const parsed = parseUserQuery(params.q)
    if (parsed.text.length === 0 && parsed.filters.length === 0) throw badQuery('A query is required')
    const query = await readQuery(ctx, hydrateCtx.viewer, parsed)
    const authors = [...query.authors]
    if (params.author) {
      const [did] = await ctx.hydrator.resolveActors([params.author])
      authors.push(did ?? 'did:unknown:nobody')
    }
    const page = await ctx.dataplane.searchRecords({
      text: query.text,
      excludeAuthors: query.excluded,
      collection: params.collection,
      authors: authors.length ? [...new Set(authors)] : undefined,
      since: timeParam('since', params.since) ?? parsed.since,
      until: timeParam('until', params.until) ?? parsed.until,
      limit: params.limit,
      after,
      facetSize: FACET_SIZE,
    })
    return { hits: page.items, cursor: cursorFromKey(page.next), hitsTotal: page.total, collections: page.collections }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles([...new Set(skeleton.hits.map((h) => h.did))], hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, hits: skeleton.hits.filter((hit) => !accountContentHidden(hit.did, state)) }),
  present: ({ skeleton, state }) => ({
    cursor: skeleton.cursor,
    hitsTotal: skeleton.hitsTotal,
    records: skeleton.hits.flatMap((hit) => {
      const author = profileViewBasic(hit.did, state)
      return author ? [{ uri: hit.uri, cid: hit.cid, author, record: hit.record, highlights: hit.highlights }] : []
    }),
    facets: { collections: skeleton.collections },
  }),
})

export default definePagedQuery({
  nsid: NSID,
  params,
  auth: 'optional',
  expensive: true,
  run: searchRecords,
  items: (out) => out.records,
})
