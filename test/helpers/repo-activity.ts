import assert from 'node:assert/strict'
import type { Client } from '@opensearch-project/opensearch'
import type { DevAccount } from '#devnet/network.js'

/**
 * A busy little network for the tests that break things mid-stream (kill -9 of Magpie, of an
 * OpenSearch node): activity through the PDS, the repos' own records as the truth, and every
 * record document Magpie holds, to compare the two.
 */

const now = () => new Date().toISOString()

export interface ActivityOptions {
  /** Stop after this many operations… */
  ops: number
  /** …or when this is aborted, whichever comes first. */
  signal?: AbortSignal
  /** Pause between operations, in ms (0: as fast as the PDS answers). */
  pauseMs?: number
  /**
   * Called when the PDS acknowledged a write: the record's URI, its CID (null for a delete), and
   * the commit's revision. (A like, repost or follow of a subject the account already liked,
   * reposted or followed also deletes the older record in the same commit: the PDS does that, unannounced here.)
   */
  onAck?: (uri: string, cid: string | null, rev: string | undefined) => void
}

/** A busy little network: posts, likes, reposts, follows, profile edits and deletes (the same sequence every run). */
export async function generateActivity(accounts: DevAccount[], opts: ActivityOptions): Promise<void> {
  const { ops, signal, pauseMs = 0, onAck = () => undefined } = opts
  const posts: { uri: string; cid: string; author: DevAccount }[] = []
  const deletable: { uri: string; author: DevAccount }[] = []
  let seed = 42
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  for (let i = 0; i < ops && !signal?.aborted; i++) {
    if (i > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    const author = accounts[rand(accounts.length)]!
    const repo = author.did
    const kind = rand(10)
    // Creates a record of `collection` in the author's repo and reports the PDS's acknowledgement.
    const create = async (collection: string, fields: Record<string, unknown>) => {
      const res = await author.agent.com.atproto.repo.createRecord({ repo, collection, record: { $type: collection, ...fields, createdAt: now() } })
      onAck(res.data.uri, res.data.cid, res.data.commit?.rev)
      return res.data
    }
    if (kind < 3 || posts.length === 0) {
      const created = await create('app.bsky.feed.post', { text: `post ${i} from ${author.handle}` })
      posts.push({ ...created, author })
      deletable.push({ uri: created.uri, author })
    } else if (kind < 6) {
      const subject = posts[rand(posts.length)]!
      const created = await create('app.bsky.feed.like', { subject: { uri: subject.uri, cid: subject.cid } })
      deletable.push({ uri: created.uri, author })
    } else if (kind < 7) {
      const subject = posts[rand(posts.length)]!
      await create('app.bsky.feed.repost', { subject: { uri: subject.uri, cid: subject.cid } })
    } else if (kind < 8) {
      const other = accounts[rand(accounts.length)]!
      await create('app.bsky.graph.follow', { subject: other.did })
    } else if (kind < 9) {
      const res = await author.agent.com.atproto.repo.putRecord({
        repo,
        collection: 'app.bsky.actor.profile',
        rkey: 'self',
        record: { $type: 'app.bsky.actor.profile', displayName: `${author.handle} #${i}` },
      })
      onAck(res.data.uri, res.data.cid, res.data.commit?.rev)
    } else {
      const mine = deletable.filter((d) => d.author === author)
      if (mine.length === 0) continue
      const victim = mine[rand(mine.length)]!
      deletable.splice(deletable.indexOf(victim), 1)
      const [, , , collection, rkey] = victim.uri.split('/')
      const res = await author.agent.com.atproto.repo.deleteRecord({ repo, collection: collection!, rkey: rkey! })
      onAck(victim.uri, null, res.data.commit?.rev)
    }
  }
}

/** uri → cid of every record currently in the accounts' repos: the truth. */
export async function repoRecords(accounts: DevAccount[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const acct of accounts) {
    const desc = await acct.agent.com.atproto.repo.describeRepo({ repo: acct.did })
    for (const collection of desc.data.collections) {
      let cursor: string | undefined
      do {
        const page = await acct.agent.com.atproto.repo.listRecords({ repo: acct.did, collection, limit: 100, cursor })
        for (const r of page.data.records) out.set(r.uri, r.cid)
        cursor = page.data.records.length === 100 ? page.data.cursor : undefined
      } while (cursor)
    }
  }
  return out
}

/** Every record document (tombstones included) of a prefix: id → source. */
export async function allRecordDocs(client: Client, prefix: string): Promise<Map<string, Record<string, unknown>>> {
  await client.indices.refresh({ index: `${prefix}*` })
  const res = await client.search({
    index: `${prefix}*,-${prefix}actors-*,-${prefix}state-*`,
    body: { size: 10_000, query: { match_all: {} }, version: true },
  })
  const docs = new Map<string, Record<string, unknown>>()
  for (const hit of (res.body as any).hits.hits) {
    assert.ok(!docs.has(hit._id), `${hit._id} is indexed once`)
    docs.set(hit._id, { ...hit._source, indexedAt: undefined, _version: hit._version })
  }
  return docs
}

