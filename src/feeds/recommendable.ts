import type { DataPlane } from '#/dataplane/index.js'
import { didOfUri } from '#/records/at-uri.js'

/**
 * The posts of a ranked feed whose authors have not asked (by contentVisibilityDeclaration) to
 * be left out of algorithmic recommendations. Applied when a ranking is computed, so a
 * declaration takes effect at the next recomputation (FEED_CACHE_MS).
 */
export async function recommendable<T extends { uri: string }>(dataplane: DataPlane, posts: T[]): Promise<T[]> {
  const optedOut = await dataplane.getRecommendationOptOuts(posts.map((p) => didOfUri(p.uri)))
  return optedOut.size === 0 ? posts : posts.filter((p) => !optedOut.has(didOfUri(p.uri)))
}
