import type { AppBskyActorDefs, AppBskyEmbedExternal, $Typed } from '@atproto/api'
import type { StoredRecord } from '#/dataplane/index.js'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn } from '#/views/labels.js'

const MINUTE_MS = 60_000
/** How long a status may claim to last, whatever its record says (as the reference AppView clamps it). */
const MIN_DURATION_MS = 5 * MINUTE_MS
export const MAX_DURATION_MS = 4 * 60 * MINUTE_MS

/** app.bsky.actor.defs#statusView of an account's app.bsky.actor.status record, if it has one. */
export function statusView(did: string, state: HydrationState): AppBskyActorDefs.StatusView | undefined {
  const status = state.actors?.get(did)?.statusRecord
  if (!status) return undefined
  const { record } = status
  if (typeof record.status !== 'string') return undefined
  const expiresAtMs = statusExpiry(status)
  return {
    uri: status.uri,
    cid: status.cid,
    record,
    status: record.status,
    embed: externalEmbedView(did, record.embed, state),
    labels: labelsOn(status.uri, state),
    expiresAt: expiresAtMs !== undefined ? new Date(expiresAtMs).toISOString() : undefined,
    isActive: expiresAtMs !== undefined ? expiresAtMs > Date.now() : undefined,
    // Magpie applies no moderation of its own, so the owner's go-live access is never disabled.
    isDisabled: did === state.ctx.viewer ? false : undefined,
  }
}

/** When a status ends (epoch ms), its duration clamped; undefined for one without a duration. */
export function statusExpiry(status: StoredRecord): number | undefined {
  const minutes = typeof status.record.durationMinutes === 'number' ? status.record.durationMinutes : undefined
  return minutes ? Date.parse(status.sortedAt) + Math.max(Math.min(minutes * MINUTE_MS, MAX_DURATION_MS), MIN_DURATION_MS) : undefined
}

/** app.bsky.embed.external#view of an app.bsky.embed.external in a record, else undefined. */
export function externalEmbedView(did: string, embed: unknown, state: HydrationState): $Typed<AppBskyEmbedExternal.View> | undefined {
  const e = embed as { $type?: unknown; external?: Record<string, unknown> } | undefined
  if (e?.$type !== 'app.bsky.embed.external' || typeof e.external !== 'object' || e.external === null) return undefined
  const { uri, title, description, thumb, associatedRefs } = e.external
  return {
    $type: 'app.bsky.embed.external#view',
    external: {
      uri: String(uri ?? ''),
      title: String(title ?? ''),
      description: String(description ?? ''),
      thumb: imageUrl(state.ctx.images, 'feed_thumbnail', did, thumb),
      ...(associatedRefs !== undefined ? { associatedRefs: associatedRefs as never } : {}),
    },
  }
}
