/**
 * The registry of record families: which family (and so which index and transform) a
 * collection belongs to. Collections without a family go to the generic one.
 */
import type { RecordFamily } from '#/indexing/family.js'
import { blockFamily } from '#/indexing/transforms/block.js'
import { chatDeclarationFamily } from '#/indexing/transforms/chat-declaration.js'
import { followFamily } from '#/indexing/transforms/follow.js'
import { generatorFamily } from '#/indexing/transforms/generator.js'
import { genericFamily } from '#/indexing/transforms/generic.js'
import { labelerFamily } from '#/indexing/transforms/labeler.js'
import { likeFamily } from '#/indexing/transforms/like.js'
import { listFamily } from '#/indexing/transforms/list.js'
import { listblockFamily } from '#/indexing/transforms/listblock.js'
import { listitemFamily } from '#/indexing/transforms/listitem.js'
import { notifDeclarationFamily } from '#/indexing/transforms/notif-declaration.js'
import { postFamily } from '#/indexing/transforms/post.js'
import { postgateFamily } from '#/indexing/transforms/postgate.js'
import { profileFamily } from '#/indexing/transforms/profile.js'
import { referenceListOptOutFamily } from '#/indexing/transforms/reference-list-opt-out.js'
import { repostFamily } from '#/indexing/transforms/repost.js'
import { starterpackFamily } from '#/indexing/transforms/starterpack.js'
import { statusFamily } from '#/indexing/transforms/status.js'
import { threadgateFamily } from '#/indexing/transforms/threadgate.js'
import { verificationFamily } from '#/indexing/transforms/verification.js'

export { genericFamily }

/** Families that own one collection each. */
export const namedFamilies: readonly RecordFamily[] = [
  postFamily,
  likeFamily,
  repostFamily,
  followFamily,
  blockFamily,
  listFamily,
  listitemFamily,
  listblockFamily,
  referenceListOptOutFamily,
  profileFamily,
  generatorFamily,
  threadgateFamily,
  postgateFamily,
  starterpackFamily,
  labelerFamily,
  verificationFamily,
  statusFamily,
  notifDeclarationFamily,
  chatDeclarationFamily,
]

/** Every family, the generic one last: one index template each. */
export const allFamilies: readonly RecordFamily[] = [...namedFamilies, genericFamily]

const byCollection = new Map(namedFamilies.map((family) => [family.collection, family]))

export function familyForCollection(nsid: string): RecordFamily {
  return byCollection.get(nsid) ?? genericFamily
}

/**
 * Index base name → the collections stored in it. The generic index lists '*' (anything no
 * other family owns).
 */
export const collectionsByIndex: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  allFamilies.map((family) => [family.index, [family.collection]]),
)
