import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'

/**
 * - done: every record of the snapshot at `rev` is acknowledged by OpenSearch.
 * - failed: could not be fetched or read (network, corrupt CAR…); retried by later runs.
 * - unavailable: the host says the repo is deactivated, taken down, suspended or gone;
 *   retried when a listing shows it active again, or when named explicitly.
 */
export type RepoStatus = 'done' | 'failed' | 'unavailable'

export interface RepoState {
  status: RepoStatus
  rev?: string
  commit?: string
  records?: number
  reason?: string
  /** Consecutive failed attempts (across runs). */
  attempts?: number
  at: string
}

/**
 * Per-repo backfill progress, one small document per DID in the state index: what makes a
 * killed backfill resume without redoing finished repos. Kinds are `repo:<status>`, so how
 * many repos are in each state is a count query.
 */
export class RepoStateStore {
  private readonly index: string

  constructor(
    private readonly client: Client,
    prefix: string,
  ) {
    this.index = singleIndex(prefix, 'state')
  }

  async getMany(dids: string[]): Promise<Map<string, RepoState>> {
    const found = new Map<string, RepoState>()
    if (dids.length === 0) return found
    const res = await this.client.mget({ index: this.index, body: { ids: dids.map(repoKey) } }, { ignore: [404] })
    for (const doc of ((res.body as any)?.docs ?? []) as { _id: string; found?: boolean; _source?: { value?: RepoState } }[]) {
      if (doc.found && doc._source?.value) found.set(doc._id.slice(REPO_KEY_PREFIX.length), doc._source.value)
    }
    return found
  }

  async putMany(entries: [did: string, state: RepoState][]): Promise<void> {
    if (entries.length === 0) return
    const body: Record<string, unknown>[] = []
    for (const [did, state] of entries) {
      body.push({ index: { _index: this.index, _id: repoKey(did) } }, { kind: `repo:${state.status}`, value: state, updatedAt: state.at })
    }
    const res = await this.client.bulk({ body })
    if ((res.body as { errors?: boolean }).errors) throw new Error('OpenSearch refused some backfill state documents')
  }

  async countByStatus(): Promise<Record<RepoStatus, number>> {
    const res = await this.client.search(
      {
        index: this.index,
        body: { size: 0, query: { prefix: { kind: 'repo:' } }, aggs: { kinds: { terms: { field: 'kind', size: 10 } as never } } },
      },
      { ignore: [404] },
    )
    const counts: Record<RepoStatus, number> = { done: 0, failed: 0, unavailable: 0 }
    for (const b of ((res.body as any)?.aggregations?.kinds?.buckets ?? []) as { key: string; doc_count: number }[]) {
      const status = b.key.slice('repo:'.length) as RepoStatus
      if (status in counts) counts[status] = b.doc_count
    }
    return counts
  }
}

const REPO_KEY_PREFIX = 'repo:'

export function repoKey(did: string): string {
  return `${REPO_KEY_PREFIX}${did}`
}
