import type { Client } from '@opensearch-project/opensearch'
import { LRUCache } from 'lru-cache'
import type { BulkWriter } from '#/indexing/bulk-writer.js'
import { actorIdentityOp } from '#/indexing/operations.js'
import { singleIndex } from '#/indexing/route.js'
import type { Logger } from '#/log.js'

export interface IdentityVerifier {
  verifyIdentity(did: string, opts?: { forceRefresh?: boolean; changedAt?: number }): Promise<{ handle: string; handleValid: boolean; pds?: string; didDoc: unknown } | null>
}

interface Job {
  did: string
  /** Guard time of the identity event; 0 for DIDs merely seen in commits (never overrides an event). */
  at: number
}

/**
 * Verifies handles beside the firehose: resolving a DID document and a handle is network I/O
 * that must never hold up the stream. Identity events are always verified (a pending marker is
 * written first, so a restart finds and finishes them); DIDs first seen in commits are verified
 * when there is room, so every author gets a handle without a crawl.
 */
export class IdentityWorker {
  private writer: BulkWriter<number> | undefined
  private readonly queue: Job[] = []
  private readonly seen = new LRUCache<string, true>({ max: 500_000 })
  private running = 0
  private idle: (() => void)[] = []

  constructor(
    private readonly opts: {
      verifier: IdentityVerifier
      prefix: string
      log: Logger
      concurrency?: number
      /** Seen-in-commit DIDs beyond this many waiting are left for their next commit. */
      maxQueuedNoticed?: number
    },
  ) {}

  attach(writer: BulkWriter<number>): void {
    this.writer = writer
  }

  /** An identity event: always verified. */
  enqueue(did: string, at: number): void {
    this.seen.set(did, true)
    this.queue.push({ did, at })
    this.pump()
  }

  /** A DID that wrote a commit: verified once, if the queue has room. */
  noticeDid(did: string): void {
    if (this.seen.has(did)) return
    if (this.queue.length >= (this.opts.maxQueuedNoticed ?? 10_000)) return
    this.seen.set(did, true)
    this.queue.push({ did, at: 0 })
    this.pump()
  }

  /** Re-verify identities left pending by an earlier run that stopped before finishing them. */
  async resumePending(client: Client): Promise<number> {
    const res = await client.search(
      {
        index: singleIndex(this.opts.prefix, 'actors'),
        body: { size: 10_000, query: { term: { pendingIdentity: true } }, _source: ['identityAt'] },
      },
      { ignore: [404] },
    )
    const hits = ((res.body as any)?.hits?.hits ?? []) as { _id: string; _source?: { identityAt?: number } }[]
    for (const hit of hits) this.enqueue(hit._id, hit._source?.identityAt ?? 0)
    return hits.length
  }

  /** Wait for verifications under way (and queued ones) to be written. */
  async drain(): Promise<void> {
    while (this.running > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve))
    }
  }

  private pump(): void {
    const concurrency = this.opts.concurrency ?? 8
    while (this.running < concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!
      this.running++
      void this.run(job).finally(() => {
        this.running--
        this.pump()
        if (this.running === 0 && this.queue.length === 0) {
          const idle = this.idle
          this.idle = []
          for (const resolve of idle) resolve()
        }
      })
    }
  }

  private async run(job: Job): Promise<void> {
    // An #identity event says the DID document or handle changed: what was cached before it is stale.
    const refresh = job.at > 0 ? { forceRefresh: true, changedAt: job.at } : undefined
    const identity = await this.opts.verifier.verifyIdentity(job.did, refresh).catch((err: unknown) => {
      this.opts.log.debug({ did: job.did, err }, 'identity verification failed')
      return null
    })
    if (!this.writer) return
    if (!identity) {
      // Unresolvable DID: served as handle.invalid, as Bluesky does, until an identity event says otherwise.
      if (job.at > 0) this.writer.add(actorIdentityOp(this.opts.prefix, job.did, job.at, { handle: 'handle.invalid', handleValid: false }))
      return
    }
    this.writer.add(
      actorIdentityOp(this.opts.prefix, job.did, job.at, {
        handle: identity.handleValid ? identity.handle : 'handle.invalid',
        handleValid: identity.handleValid,
        pds: identity.pds,
        didDoc: identity.didDoc,
      }),
    )
  }
}
