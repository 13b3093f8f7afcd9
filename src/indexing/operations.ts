import type { BulkOp } from '#/indexing/bulk-writer.js'
import type { RecordDocument, RecordFamily, RecordInput } from '#/indexing/family.js'
import { recordDocument } from '#/indexing/record-document.js'
import { genericFamily } from '#/indexing/transforms/generic.js'
import { recordId, routeIndexForRecord, singleIndex } from '#/indexing/route.js'

/**
 * The bulk operations Magpie writes, built from decoded network events. Records carry their
 * repo revision as external version: whatever order events arrive in, the newest revision
 * wins, and an older write arriving later is refused as a version conflict.
 */

/**
 * A created or updated record. Its links (`linksTo`) are in the same document, so an update
 * replaces them and a delete's tombstone removes them, under the same version rules.
 */
export function recordWriteOp(
  prefix: string,
  family: RecordFamily,
  input: RecordInput,
  version: number,
  /** Told when the record's links reached a bound (links.ts): the links before it are kept. */
  onLinksBounded?: (reason: string) => void,
): BulkOp {
  const id = recordId(input.did, input.collection, input.rkey)
  const { doc, bounded } = recordDocument(family, input)
  if (bounded) onLinksBounded?.(bounded)
  return {
    action: { index: { _index: routeIndexForRecord(prefix, family, input.rkey), _id: id, version, version_type: 'external' } },
    body: JSON.stringify(doc),
    ref: id,
  }
}

/**
 * A deleted record becomes a tombstone at the delete's revision, in the same index and id:
 * one request, no lookup, and a late older create cannot bring the record back. Reads filter
 * tombstones out (`tomb: true`).
 */
export function recordDeleteOp(
  prefix: string,
  family: RecordFamily,
  ref: { did: string; collection: string; rkey: string },
  version: number,
  /** What the tombstone keeps of the deleted document (RecordFamily.onDelete). */
  kept?: RecordDocument,
): BulkOp {
  const id = recordId(ref.did, ref.collection, ref.rkey)
  const tombstone: Record<string, unknown> = { ...kept, tomb: true, did: ref.did }
  // The generic family keeps the collection so that unknown lexicons stay addressable.
  if (family === genericFamily) tombstone.collection = ref.collection
  return {
    action: { index: { _index: routeIndexForRecord(prefix, family, ref.rkey), _id: id, version, version_type: 'external' } },
    body: JSON.stringify(tombstone),
    ref: id,
  }
}

/**
 * The notice of a deletion that is news to someone (RecordFamily.onDelete), beside the
 * record's tombstone under `<uri>#deleted`, at the delete's revision so that a replayed delete
 * writes nothing new. It is a tombstone too: only the reads that look for notices find it.
 */
export function deletionNoticeOp(
  prefix: string,
  family: RecordFamily,
  ref: { did: string; collection: string; rkey: string },
  version: number,
  notice: RecordDocument,
): BulkOp {
  const id = deletionNoticeId(recordId(ref.did, ref.collection, ref.rkey))
  return {
    action: { index: { _index: routeIndexForRecord(prefix, family, ref.rkey), _id: id, version, version_type: 'external' } },
    body: JSON.stringify({ ...notice, tomb: true, did: ref.did }),
    ref: id,
  }
}

const NOTICE_SUFFIX = '#deleted'

export const deletionNoticeId = (uri: string): string => `${uri}${NOTICE_SUFFIX}`

/** The record URI a deletion notice's id names. */
export const uriOfDeletionNotice = (id: string): string => (id.endsWith(NOTICE_SUFFIX) ? id.slice(0, -NOTICE_SUFFIX.length) : id)

/**
 * Actor documents gather two streams about one DID (identity and account status), so they are
 * partial updates, each guarded by the time of the event that produced it: a replayed or late
 * event never overwrites what a newer one said.
 */
function actorUpdate(
  prefix: string,
  did: string,
  guardField: string,
  at: number,
  fields: Record<string, unknown>,
  /** Only when strictly newer: a marker must never undo the result it announces, whatever order they land in. */
  strict = false,
): BulkOp {
  const script = {
    lang: 'painless',
    source:
      'def raw = ctx._source[params.g]; long at = params.at;' +
      ' if (raw == null || at > ((Number) raw).longValue() || (at == ((Number) raw).longValue() && !params.strict)) {' +
      ' for (entry in params.f.entrySet()) { ctx._source[entry.getKey()] = entry.getValue() }' +
      ' ctx._source[params.g] = params.at } else { ctx.op = "noop" }',
    params: { g: guardField, at, f: fields, strict },
  }
  return {
    action: { update: { _index: singleIndex(prefix, 'actors'), _id: did, retry_on_conflict: 5 } },
    update: { script, scripted_upsert: true, upsert: {} },
    ref: did,
  }
}

export interface AccountStatusUpdate {
  active: boolean
  /** takendown | suspended | deleted | deactivated | desynchronized | throttled, when not active. */
  status?: string
}

export function actorAccountOp(prefix: string, did: string, at: number, update: AccountStatusUpdate): BulkOp {
  return actorUpdate(prefix, did, 'accountAt', at, {
    active: update.active,
    status: update.active ? 'active' : (update.status ?? 'deactivated'),
    updatedAt: new Date(at).toISOString(),
  })
}

export interface IdentityUpdate {
  /** The verified handle, or `handle.invalid`. */
  handle: string
  handleValid: boolean
  pds?: string
  didDoc?: unknown
}

export function actorIdentityOp(prefix: string, did: string, at: number, update: IdentityUpdate): BulkOp {
  return actorUpdate(prefix, did, 'identityAt', at, {
    handle: update.handle,
    handleValid: update.handleValid,
    pds: update.pds ?? null,
    didDoc: update.didDoc ?? null,
    pendingIdentity: false,
    updatedAt: new Date(at).toISOString(),
  })
}

/** Marks an actor whose identity changed and is being verified (a restart re-verifies it). */
export function actorIdentityPendingOp(prefix: string, did: string, at: number): BulkOp {
  return actorUpdate(prefix, did, 'identityAt', at, { pendingIdentity: true }, true)
}

/**
 * An account whose records are being indexed: its actor document exists from then on, so its
 * posts and profile are served at once (as `handle.invalid` until its handle is verified, as
 * Bluesky shows an unverified account). When no identity is known for it yet it is marked
 * pending, so that a run stopping before the verification leaves it to the next. Never changes
 * what an identity or account event wrote.
 */
export function actorSeenOp(prefix: string, did: string): BulkOp {
  const script = {
    lang: 'painless',
    source:
      "if (ctx._source.identityAt == null && ctx._source.pendingIdentity == null) { ctx._source.pendingIdentity = true } else { ctx.op = 'noop' }",
  }
  return {
    action: { update: { _index: singleIndex(prefix, 'actors'), _id: did, retry_on_conflict: 5 } },
    update: { script, scripted_upsert: true, upsert: {} },
    ref: did,
  }
}

/** Remembers that a repo's records must be re-read (a `#sync` event reset it). */
export function repoResyncOp(prefix: string, did: string, rev: string): BulkOp {
  return {
    action: { index: { _index: singleIndex(prefix, 'state'), _id: `resync:${did}` } },
    body: JSON.stringify({ kind: 'resync', value: { did, rev }, updatedAt: new Date().toISOString() }),
    ref: did,
  }
}
