import type { Client } from '@opensearch-project/opensearch'
import { familyForCollection } from '#/indexing/families.js'
import { readAlias } from '#/indexing/route.js'
import type { WorldDefinition } from '#/world/definition.js'
import { Membership } from '#/world/membership.js'
import { TOUCHING_COLLECTIONS } from '#/world/touches.js'

/**
 * A world's membership as the index has it now: its named accounts, and the subjects of the
 * defining records (list items, follows) the index holds for it. The index is the one source of
 * truth, so every process — ingest, backfill, the CLI — computes the same members.
 */
export async function loadMembership(client: Client, prefix: string, world: WorldDefinition): Promise<Membership> {
  const membership = new Membership(world.selectors)
  const alias = (collection: string) => readAlias(prefix, familyForCollection(collection).index)
  for (const s of world.selectors) {
    if (s.kind === 'list') {
      const query = { bool: { filter: [{ term: { did: s.owner } }, { term: { listUri: s.uri } }], must_not: [{ term: { tomb: true } }] } }
      for await (const hit of scan(client, alias('app.bsky.graph.listitem'), query)) {
        const subject = hit._source?.record?.subject
        if (typeof subject === 'string') membership.addDefining({ uri: hit._id, list: s.uri, subject })
      }
    }
    if (s.kind === 'follows') {
      const query = { bool: { filter: [{ term: { did: s.did } }], must_not: [{ term: { tomb: true } }] } }
      for await (const hit of scan(client, alias('app.bsky.graph.follow'), query)) {
        const subject = hit._source?.record?.subject
        if (typeof subject === 'string') membership.addDefining({ uri: hit._id, subject })
      }
    }
  }
  return membership
}

/**
 * Outsiders with records in the index: accounts that touched the world. Their deletes must
 * still reach the index after a restart; nobody else's can concern anything kept.
 */
export async function loadTouchers(client: Client, prefix: string, membership: Membership): Promise<Set<string>> {
  const indices = [...new Set([...TOUCHING_COLLECTIONS].map((c) => readAlias(prefix, familyForCollection(c).index)))]
  const members = new Set(membership.members)
  const out = new Set<string>()
  let after: Record<string, string> | undefined
  for (;;) {
    const res = await client.search(
      {
        index: indices.join(','),
        ignore_unavailable: true,
        allow_no_indices: true,
        body: {
          size: 0,
          query: { bool: { must_not: [{ term: { tomb: true } }] } },
          aggs: { by: { composite: { size: 5000, sources: [{ did: { terms: { field: 'did' } } }], ...(after ? { after } : {}) } } },
        },
      } as any,
      { ignore: [404] },
    )
    const agg = (res.body as any)?.aggregations?.by
    for (const b of (agg?.buckets ?? []) as { key: { did: string } }[]) if (!members.has(b.key.did)) out.add(b.key.did)
    after = agg?.after_key
    if (!after || (agg?.buckets ?? []).length === 0) return out
  }
}

interface Hit {
  _id: string
  _source?: { record?: { subject?: unknown } }
}

/** Every hit of a query, in pages (a list or a follow graph can be far larger than one page). */
export async function* scan(client: Client, index: string, query: object): AsyncGenerator<Hit> {
  let res = await client.search({ index, scroll: '1m', size: 2000, ignore_unavailable: true, body: { query, _source: ['record.subject'], sort: ['_doc'] } } as any, { ignore: [404] })
  try {
    for (;;) {
      const hits = ((res.body as any)?.hits?.hits ?? []) as Hit[]
      if (hits.length === 0) return
      yield* hits
      res = await client.scroll({ scroll_id: (res.body as any)._scroll_id, scroll: '1m' } as any)
    }
  } finally {
    const id = (res.body as any)?._scroll_id
    if (id) await client.clearScroll({ scroll_id: id } as any).catch(() => undefined)
  }
}
