import type { DataPlane, Label } from '#/dataplane/index.js'
import type { HydrateCtx } from '#/hydration/state.js'

/**
 * Labels from labeler services on the subjects a request shows, from the labelers it accepts
 * (ctx.labelers). A `!takedown` or `!suspend` label from a labeler whose takedowns the request
 * applies (redact) hides its subject as a takedown would: hydration sets the entry to null.
 */

export interface SubjectLabels {
  labels: Label[]
  /** A takedown label from a redacting labeler names this subject. */
  takendown: boolean
}

const TAKEDOWN_VALUES = new Set(['!takedown', '!suspend'])

/** Labels in force on each subject that has any. No labelers accepted, no query. */
export async function hydrateLabels(dataplane: DataPlane, subjects: string[], ctx: HydrateCtx): Promise<Map<string, SubjectLabels>> {
  const out = new Map<string, SubjectLabels>()
  const { dids, redact } = ctx.labelers
  if (subjects.length === 0 || dids.length === 0) return out
  const found = await dataplane.getLabels(subjects, dids)
  // The index holds one label per labeler, subject and value, so there is nothing to deduplicate.
  for (const [subject, labels] of found) {
    const takendown = labels.some((label) => TAKEDOWN_VALUES.has(label.val) && redact.has(label.src))
    out.set(subject, { labels, takendown })
  }
  return out
}

/** What labels on an account are read from: the account itself, its profile record and its status record. */
export function labelSubjectsOfActors(dids: Iterable<string>): string[] {
  return [...dids].flatMap((did) => [did, `at://${did}/app.bsky.actor.profile/self`, `at://${did}/app.bsky.actor.status/self`])
}

/** Sets to null the entries, among `keys`, whose subject a takedown label names (unless the request keeps takedowns). */
export function hideTakendown<T>(entries: Map<string, T | null>, keys: Iterable<string>, labels: Map<string, SubjectLabels>, ctx: HydrateCtx): void {
  if (ctx.includeTakedowns) return
  for (const key of keys) if (labels.get(key)?.takendown && entries.has(key)) entries.set(key, null)
}
