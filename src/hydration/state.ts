import type { ActorMuteState, KnownFollowers, ProfileCounts, Relationship, StarterPackJoins, StoredRecord, VerificationRef } from '#/dataplane/index.js'
import type { AcceptedLabelers } from '#/hydration/accepted-labelers.js'
import type { SubjectLabels } from '#/hydration/labels.js'
import type { PostHydrationState } from '#/hydration/post-state.js'

/**
 * What hydration gathers for one request, keyed by DID or URI, and what views read. A `null`
 * entry means "looked up, and not to be shown" (unknown, deleted, or hidden by its status), so
 * a view can tell it apart from "never asked".
 */

/** Image CDN URLs of blobs, by preset (built from IMAGE_CDN_URL in views/images.ts). */
export type ImagePreset = 'avatar' | 'banner' | 'feed_thumbnail' | 'feed_fullsize'

export type ImageUrls = (preset: ImagePreset, did: string, cid: string) => string

/** Video CDN URLs of blobs (built from VIDEO_CDN_URL in views/videos.ts). */
export interface VideoUrls {
  playlist(did: string, cid: string): string
  thumbnail(did: string, cid: string): string
}

export interface HydrateCtx {
  /** The requesting account, or null for anonymous requests. */
  viewer: string | null
  /** Keep accounts that are not hosted (deactivated, taken down) instead of hiding them. */
  includeTakedowns: boolean
  /** Whose labels the request sees, and whose takedown labels hide content. */
  labelers: AcceptedLabelers
  images: ImageUrls
  /** Video playlist and thumbnail URLs (Bluesky's video CDN when not configured). */
  videos?: VideoUrls
  /** TRUSTED_VERIFIERS: whose verification records count, and who is shown as a verifier. */
  trustedVerifiers?: ReadonlySet<string>
}

/** An account as views need it: identity, status and its singleton records. */
export interface ActorInfo {
  did: string
  /** Verified handle, or undefined (served as handle.invalid). */
  handle?: string
  /** Hosting status (`active`, `deactivated`, `takendown`, `suspended`, …). */
  hostingStatus: string
  profile?: StoredRecord
  /** Has an app.bsky.labeler.service record. */
  isLabeler: boolean
  /** chat.bsky.actor.declaration, when the account published one. */
  chat?: { allowIncoming: string; allowGroupInvites?: string }
  /** app.bsky.notification.declaration's allowSubscriptions, defaulting as the lexicon says. */
  allowSubscriptions: 'followers' | 'mutuals' | 'none'
  /** app.bsky.actor.status (e.g. "live now"), when set. */
  statusRecord?: StoredRecord
  /** Its app.bsky.actor.contentVisibilityDeclaration asks to be left out of algorithmic recommendations. */
  hideFromRecommendations: boolean
}

/** A list as a ListViewBasic needs it. */
export interface ListInfo {
  record: StoredRecord
}

/** What deciding a post's notifications needs beyond the post itself. */
export interface PostContext {
  /** Its thread's gate refused it: it notifies no one it replies to. */
  violatesThreadGate: boolean
  /** The post it quotes does not allow embedding: no quote notification. */
  violatesEmbeddingRules: boolean
  /** Its ancestors' URIs, parent first, as far up as they exist and at most REPLY_NOTIFY_HEIGHT. */
  ancestors: string[]
  /** Replies the thread's owner hid: no one above a hidden reply is notified through it. */
  hiddenReplies: ReadonlySet<string>
}

/** Ancestors this many levels up (the parent is 1) or closer hear of a reply, as in the reference. */
export const REPLY_NOTIFY_HEIGHT = 4

export interface HydrationState extends PostHydrationState {
  ctx: HydrateCtx
  actors?: Map<string, ActorInfo | null>
  /** The viewer's relationship to each account (the viewer's own DID maps to `{}`). */
  relationships?: Map<string, Relationship>
  profileCounts?: Map<string, ProfileCounts>
  knownFollowers?: Map<string, KnownFollowers>
  lists?: Map<string, ListInfo | null>
  listItemCounts?: Map<string, number>
  /** The viewer's listblock of each list. */
  listBlocks?: Map<string, string>
  /** The viewer's opt-out record of each reference list it opted out of. */
  listOptOuts?: Map<string, string>
  starterPacks?: Map<string, StoredRecord | null>
  starterPackJoins?: Map<string, StarterPackJoins>
  /**
   * For an account: those it has a block with (either way, direct or by list), of the pairs an
   * endpoint asked about (its known-followers sample, the accounts it follows, a list's members).
   */
  blocksWith?: Map<string, Set<string>>
  /** The viewer's mutes of each account (private: only ever the requester's own). */
  actorMutes?: Map<string, ActorMuteState>
  /** The viewer's activity subscription to each account it subscribes to (private: only ever the requester's own). */
  activitySubscriptions?: Map<string, { post: boolean; reply: boolean }>
  /** Lists the viewer mutes (true), of those hydrated. */
  listMutes?: Map<string, boolean>
  feedgens?: Map<string, StoredRecord | null>
  /** Labeler service records by the labeler's DID. */
  labelers?: Map<string, StoredRecord | null>
  /** Likes of non-post records (feed generators, labeler services) by URI. */
  subjectLikeCounts?: Map<string, number>
  /** The viewer's like of each non-post record it likes, by the record's URI. */
  viewerSubjectLikes?: Map<string, string>
  /** For notifications: what decides each candidate post's reasons, by its URI. */
  notificationPosts?: Map<string, PostContext>
  /** For notifications: whether each record a notification may be about still exists. */
  notificationSubjects?: Map<string, boolean>
  /** For notifications: subjects in a thread the viewer muted. */
  mutedThreadSubjects?: Set<string>
  /** Labels from labeler services, by subject (record URI or account DID); subjects without any are absent. */
  labels?: Map<string, SubjectLabels>
  /** For a full starter pack view: the members sampled from its list (listitem URI and member). */
  starterPackSamples?: Map<string, { uri: string; subject: string; optedOut?: boolean }[]>
  /** For the membership dialogs: the listitem putting the one account asked about on each list it is on. */
  listItemsOf?: Map<string, string>
  /** Per account: its verifications by the trusted verifiers (see views/verification.ts). */
  verifications?: Map<string, VerificationRef[]>
  /** The trusted verifiers' own accounts, for the issuer names a verification shows. */
  verifiers?: Map<string, ActorInfo | null>
}

/** Combine states gathered separately; later maps add to (and override entries of) earlier ones. */
export function mergeStates(first: HydrationState, ...rest: Partial<HydrationState>[]): HydrationState {
  const out: Record<string, unknown> = { ...first }
  for (const state of rest) {
    for (const [key, value] of Object.entries(state)) {
      if (value === undefined) continue
      const existing = out[key]
      out[key] = value instanceof Map && existing instanceof Map ? new Map([...existing, ...value]) : value
    }
  }
  return out as unknown as HydrationState
}
