import type { RecordFamily } from '#/indexing/family.js'
import { transformInteraction } from '#/indexing/transforms/interaction.js'

/** app.bsky.feed.repost → `reposts`: timeline entries by sortAt, counted per subject. */
export const repostFamily: RecordFamily = {
  index: 'reposts',
  collection: 'app.bsky.feed.repost',
  partitioned: true,
  transform: transformInteraction,
}
