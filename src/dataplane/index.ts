import type { Client } from '@opensearch-project/opensearch'
import { LRUCache } from 'lru-cache'
import { getActors, resolveHandles, type ActorDoc } from '#/dataplane/actors.js'
import { createCounts, type ProfileCounts, type StarterPackJoins } from '#/dataplane/counts.js'
import { getRecords, type StoredRecord } from '#/dataplane/records.js'
import {
  getBlockedPairs,
  getFollowedDids,
  getKnownFollowers,
  getListBlocksBy,
  getRelationships,
  type KnownFollowers,
  type Relationship,
} from '#/dataplane/relationships.js'
import { Searcher } from '#/dataplane/search.js'

export type { ActorDoc, KnownFollowers, ProfileCounts, Relationship, StarterPackJoins, StoredRecord }

/**
 * The one interface between the read API and storage: every OpenSearch query a read endpoint
 * needs lives behind it, batched (many DIDs or URIs per call) so hydration costs a handful of
 * round trips whatever the page size. Endpoints and hydrators never hold a client.
 */
export interface DataPlane {
  // Identity
  /** Actor documents (handle, hosting status) by DID; unknown DIDs are absent. */
  getActors(dids: string[]): Promise<Map<string, ActorDoc>>
  /** Verified handle → DID (handles normalized to lower case); unknown handles are absent. */
  resolveHandles(handles: string[]): Promise<Map<string, string>>

  // Records
  /** Live records by AT URI, any collection; deleted and unknown ones are absent. */
  getRecords(uris: string[]): Promise<Map<string, StoredRecord>>

  // Aggregates (exact, cached briefly)
  getProfileCounts(dids: string[]): Promise<Map<string, ProfileCounts>>
  getListItemCounts(listUris: string[]): Promise<Map<string, number>>
  getStarterPackJoins(uris: string[]): Promise<Map<string, StarterPackJoins>>

  // Graph
  /** How `viewer` relates to each DID (the viewer's own DID gets no entry). */
  getRelationships(viewer: string, dids: string[]): Promise<Map<string, Relationship>>
  /** The pairs, of those given, with a block between them in either direction (direct or by list). */
  getBlockedPairs(pairs: [string, string][]): Promise<[string, string][]>
  /** Everyone `did` follows (cached briefly: timelines and known-followers ask repeatedly). */
  getFollowedDids(did: string): Promise<string[]>
  /** Per subject: which of the accounts the viewer follows follow it (count and a sample). */
  getKnownFollowers(viewer: string, subjects: string[], sampleSize?: number): Promise<Map<string, KnownFollowers>>
  /** The viewer's listblock URI for each list it subscribes to as a block list. */
  getListBlocksBy(viewer: string, listUris: string[]): Promise<Map<string, string>>
}

export interface DataPlaneOptions {
  client: Client
  /** INDEX_PREFIX: every alias read is `<prefix><family>`. */
  prefix: string
  /** How long aggregates and follow lists are reused. Default 5 s; 0 disables caching. */
  cacheTtlMs?: number
}

export function createDataPlane(opts: DataPlaneOptions): DataPlane {
  const search = new Searcher(opts.client, opts.prefix)
  const ttlMs = opts.cacheTtlMs ?? 5_000
  const counts = createCounts(search, { ttlMs })
  const followed = new LRUCache<string, string[]>({ max: 10_000, ttl: Math.max(ttlMs, 1) })

  async function followedDids(did: string): Promise<string[]> {
    const hit = ttlMs > 0 ? followed.get(did) : undefined
    if (hit) return hit
    const dids = await getFollowedDids(search, did)
    if (ttlMs > 0) followed.set(did, dids)
    return dids
  }

  return {
    getActors: (dids) => getActors(search, dids),
    resolveHandles: (handles) => resolveHandles(search, handles),
    getRecords: (uris) => getRecords(search, uris),
    getProfileCounts: (dids) => counts.profileCounts(dids),
    getListItemCounts: (uris) => counts.listItemCounts(uris),
    getStarterPackJoins: (uris) => counts.starterPackJoins(uris),
    getRelationships: (viewer, dids) => getRelationships(search, viewer, dids),
    getBlockedPairs: (pairs) => getBlockedPairs(search, pairs),
    getFollowedDids: followedDids,
    async getKnownFollowers(viewer, subjects, sampleSize = 5) {
      if (subjects.length === 0) return new Map()
      return getKnownFollowers(search, await followedDids(viewer), subjects, sampleSize)
    },
    getListBlocksBy: (viewer, uris) => getListBlocksBy(search, viewer, uris),
  }
}
