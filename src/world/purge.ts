import type { Client } from '@opensearch-project/opensearch'
import { allFamilies } from '#/indexing/families.js'
import { readAlias, singleIndex } from '#/indexing/route.js'
import { repoKey } from '#/store/repo-state.js'
import type { Logger } from '#/log.js'

/**
 * A member left the world and the policy is to delete: every record document of theirs, in
 * every record family, goes by delete-by-query on the author (no reindex, no scan per record);
 * their backfill progress goes too, so that joining again backfills them again. Their actor
 * document and private state (mutes, bookmarks…) stay: they are small, and the account may
 * still appear as someone members interact with.
 */
export async function purgeAccounts(client: Client, prefix: string, dids: string[], log: Logger): Promise<number> {
  if (dids.length === 0) return 0
  const indices = [...new Set(allFamilies.map((f) => readAlias(prefix, f.index)))]
  const res = await client.deleteByQuery({
    index: indices.join(','),
    conflicts: 'proceed',
    refresh: true,
    ignore_unavailable: true,
    allow_no_indices: true,
    body: { query: { terms: { did: dids } } },
  } as any)
  const deleted = Number((res.body as any)?.deleted ?? 0)
  await client.deleteByQuery(
    { index: singleIndex(prefix, 'state'), conflicts: 'proceed', refresh: true, body: { query: { ids: { values: dids.map(repoKey) } } } } as any,
    { ignore: [404] },
  )
  log.info({ dids: dids.slice(0, 20), accounts: dids.length, deleted }, 'world: removed members purged')
  return deleted
}
