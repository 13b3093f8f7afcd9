import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { PartitionWalk, WalkSource } from '#/dataplane/partition-walk.js'
import type { FamilyIndex, Hit } from '#/dataplane/opensearch-reader.js'

/** Author feeds and timelines: posts and reposts merged newest first, read partition by partition (partition-walk.ts). */

/** A feed entry: a post, or a repost of one. */
export interface FeedItemRef {
  post: string
  /** The repost's URI, when the item is a repost. */
  repost?: string
}

export type AuthorFeedFilter = 'posts_with_replies' | 'posts_no_replies' | 'posts_with_media' | 'posts_and_author_threads' | 'posts_with_video'

export interface FeedReader {
  authorFeed(did: string, filter: AuthorFeedFilter, page: PageRequest): Promise<Page<FeedItemRef>>
  /** Posts and reposts by any of `dids` (the viewer and whom they follow). */
  timeline(dids: string[], page: PageRequest): Promise<Page<FeedItemRef>>
  /** Posts (not reposts, as in the reference AppView's list feeds) by any of `dids`. */
  posts(dids: string[], page: PageRequest): Promise<Page<FeedItemRef>>
}

export function createFeedReader(walkPartitions: PartitionWalk): FeedReader {
  const walk = (sources: WalkSource[], page: PageRequest) => walkPartitions(sources, page, itemOf)

  return {
    authorFeed(did, filter, page) {
      return walk(authorWalkSources(did, filter), page)
    },
    timeline(dids, page) {
      const byAuthor = { terms: { did: [...new Set(dids)] } }
      return walk([postsWhere(byAuthor), repostsWhere(byAuthor)], page)
    },
    async posts(dids, page) {
      if (dids.length === 0) return { items: [] }
      return walk([postsWhere({ terms: { did: [...new Set(dids)] } })], page)
    },
  }
}

/** What each author-feed filter selects, as the reference AppView's feed types do. */
function authorWalkSources(did: string, filter: AuthorFeedFilter): WalkSource[] {
  const byAuthor = { term: { did } }
  const reposts = repostsWhere(byAuthor)
  switch (filter) {
    case 'posts_no_replies':
      return [postsWhere(byAuthor, { term: { isReply: false } }), reposts]
    case 'posts_with_media':
      // Images (also with a quote, and galleries); videos have their own filter. No reposts.
      return [postsWhere(byAuthor, { range: { imageCount: { gt: 0 } } })]
    case 'posts_with_video':
      return [postsWhere(byAuthor, { term: { hasVideo: true } })]
    case 'posts_and_author_threads':
      // Top-level posts and replies in the author's own threads (whether a reply's whole chain
      // is the author's is decided on the page, as the reference does).
      return [postsWhere(byAuthor, { bool: { should: [{ term: { isReply: false } }, { term: { replyRootDid: did } }], minimum_should_match: 1 } }), reposts]
    default:
      return [postsWhere(byAuthor), reposts]
  }
}

const postsWhere = (...filter: object[]): WalkSource => ({ family: 'posts', filter, source: false })
// A repost's item is the post it reposts: its indexed subjectUri, from doc values rather than the stored record.
const repostsWhere = (...filter: object[]): WalkSource => ({ family: 'reposts', filter, source: false, docvalues: ['subjectUri'] })

function itemOf(family: FamilyIndex, hit: Hit): FeedItemRef | undefined {
  if (family === 'posts') return { post: hit._id }
  const subject = hit.fields?.subjectUri?.[0]
  return typeof subject === 'string' ? { post: subject, repost: hit._id } : undefined
}
