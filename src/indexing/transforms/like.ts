import type { RecordFamily } from '#/indexing/family.js'
import { transformInteraction } from '#/indexing/transforms/interaction.js'

/** app.bsky.feed.like → `likes`: counted per subject, listed per author, notified via subjectDid/viaDid. */
export const likeFamily: RecordFamily = {
  index: 'likes',
  collection: 'app.bsky.feed.like',
  partitioned: true,
  transform: transformInteraction,
}
