import type { AppBskyLabelerDefs, ComAtprotoModerationDefs, Un$Typed } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { labelsOn, selfLabels } from '#/views/labels.js'
import { profileView } from '#/views/profiles.js'

/** The URI of an account's labeler service record (there is one, rkey `self`). */
export const labelerUri = (did: string) => `at://${did}/app.bsky.labeler.service/self`

/** app.bsky.labeler.defs#labelerView, or undefined when the service or its account is not shown. */
export function labelerView(did: string, state: HydrationState): Un$Typed<AppBskyLabelerDefs.LabelerView> | undefined {
  const labeler = state.labelers?.get(did)
  if (!labeler) return undefined
  const creator = profileView(did, state)
  if (!creator) return undefined
  const uri = labelerUri(did)
  return {
    uri,
    cid: labeler.cid,
    creator,
    likeCount: state.subjectLikeCounts?.get(uri) ?? 0,
    viewer: state.ctx.viewer ? { like: state.viewerSubjectLikes?.get(uri) } : undefined,
    indexedAt: labeler.sortedAt,
    // A labeler record's self-labels are shown too (the reference AppView does so for profiles, posts and labelers).
    labels: [...labelsOn(uri, state), ...selfLabels(labeler)],
  }
}

/** app.bsky.labeler.defs#labelerViewDetailed: the view plus the service's declared policies. */
export function labelerViewDetailed(did: string, state: HydrationState): AppBskyLabelerDefs.LabelerViewDetailed | undefined {
  const base = labelerView(did, state)
  const labeler = state.labelers?.get(did)
  if (!base || !labeler) return undefined
  const { record } = labeler
  return {
    ...base,
    policies: record.policies as AppBskyLabelerDefs.LabelerPolicies,
    reasonTypes: record.reasonTypes as ComAtprotoModerationDefs.ReasonType[] | undefined,
    subjectTypes: record.subjectTypes as ComAtprotoModerationDefs.SubjectType[] | undefined,
    subjectCollections: record.subjectCollections as string[] | undefined,
  }
}
