import type { NotificationCandidate, NotificationReason } from '#/dataplane/notifications.js'
import type { StoredRecord } from '#/dataplane/records.js'
import { replyRootOf } from '#/dataplane/posts.js'
import type { HydrationState } from '#/hydration/state.js'
import { viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { didOfUri, embeddedRecordUri, isPostUri, mentionedDids } from '#/rules/gates.js'

/**
 * Which notifications a record gives an account, decided as the reference AppView decides them
 * when it indexes the record — but here at read time, from the record and its thread as they
 * are now, so nothing has to be stored and a deleted record's notification is simply gone.
 */

export interface NotificationOf {
  reason: NotificationReason
  reasonSubject?: string
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

export function notificationsOf(recipient: string, candidate: NotificationCandidate, post?: PostContext): NotificationOf[] {
  const { record } = candidate
  const value = record.record as Record<string, any>
  switch (candidate.family) {
    case 'likes':
    case 'reposts':
      return interactionNotifications(recipient, candidate.family === 'likes' ? 'like' : 'repost', record)
    case 'follows':
      // The reference notifies follows without a self check.
      return value.subject === recipient ? [{ reason: 'follow' }] : []
    case 'profiles': {
      const pack = value.joinedViaStarterPack?.uri
      return typeof pack === 'string' && didOfUri(pack) === recipient ? [{ reason: 'starterpack-joined', reasonSubject: pack }] : []
    }
    case 'verifications':
      return value.subject === recipient ? [{ reason: 'verified' }] : []
    case 'posts':
      return post ? postNotification(recipient, record, post) : []
    default:
      return []
  }
}

/** Likes and reposts: the subject's author, and the reposter it came through (never one's own). */
function interactionNotifications(recipient: string, kind: 'like' | 'repost', record: StoredRecord): NotificationOf[] {
  const value = record.record as Record<string, any>
  const subject = value.subject?.uri
  if (typeof subject !== 'string' || didOfUri(subject) === record.did) return []
  const out: NotificationOf[] = []
  if (didOfUri(subject) === recipient) out.push({ reason: kind, reasonSubject: subject })
  const via = value.via?.uri
  if (typeof via === 'string' && didOfUri(via) === recipient && record.did !== recipient) {
    out.push({ reason: `${kind}-via-repost`, reasonSubject: via })
  }
  return out
}

/**
 * A post notifies each account once, the first reason winning: a mention, then a quote, then a
 * reply to one of its posts up the thread.
 */
function postNotification(recipient: string, post: StoredRecord, ctx: PostContext): NotificationOf[] {
  if (post.did === recipient) return []
  if (mentionedDids(post).has(recipient)) return [{ reason: 'mention' }]
  const quoted = embeddedRecordUri(post)
  if (!ctx.violatesEmbeddingRules && quoted && isPostUri(quoted) && didOfUri(quoted) === recipient) {
    return [{ reason: 'quote', reasonSubject: quoted }]
  }
  if (ctx.violatesThreadGate) return []
  for (const ancestor of ctx.ancestors.slice(0, REPLY_NOTIFY_HEIGHT)) {
    if (didOfUri(ancestor) === recipient) return [{ reason: 'reply', reasonSubject: ancestor }]
    if (ctx.hiddenReplies.has(ancestor)) break
  }
  return []
}

/**
 * The notifications the candidates give `viewer` that it gets to see: of the reasons asked for,
 * from a visible account with no block either way and that it does not mute, not about a record that is gone
 * or sits in a thread it muted, and not a reply it hid in its own thread.
 */
export function visibleNotifications(
  viewer: string,
  candidates: NotificationCandidate[],
  reasons: readonly NotificationReason[],
  state: HydrationState,
): (NotificationOf & { candidate: NotificationCandidate })[] {
  const wanted = new Set(reasons)
  return candidates.flatMap((candidate) => {
    const author = candidate.record.did
    // Unknown, deactivated and taken-down accounts were hydrated as null.
    if (!state.actors?.get(author)) return []
    if (author !== viewer && (viewerBlockExists(author, state) || viewerMuteExists(author, state))) return []
    const post = state.notificationPosts?.get(candidate.record.uri)
    return notificationsOf(viewer, candidate, post)
      .filter((n) => {
        if (!wanted.has(n.reason)) return false
        if (n.reasonSubject && (state.notificationSubjects?.get(n.reasonSubject) === false || state.mutedThreadSubjects?.has(n.reasonSubject))) return false
        if (n.reason === 'reply' && post) {
          const root = replyRootOf(candidate.record)
          if (root && didOfUri(root) === viewer && post.hiddenReplies.has(candidate.record.uri)) return false
        }
        return true
      })
      .map((n) => ({ ...n, candidate }))
  })
}
