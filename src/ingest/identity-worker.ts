import type { Client } from '@opensearch-project/opensearch'
import { LRUCache } from 'lru-cache'
import type { Config } from '#/config/env.js'
import type { BulkWriter } from '#/indexing/bulk-writer.js'
import { actorIdentityOp } from '#/indexing/operations.js'
import { singleIndex } from '#/indexing/route.js'
import type { Logger } from '#/log.js'

export interface IdentityVerifier {
  verifyIdentity(did: string, opts?: { forceRefresh?: boolean; changedAt?: number }): Promise<{ handle: string; handleValid: boolean; pds?: string; didDoc: unknown } | null>
}

export interface IdentityWorkerOptions {
  verifier: IdentityVerifier
  prefix: string
  log: Logger
  /** Verifications in flight at once. Default 128. */
  concurrency?: number
  /**
   * Longest one verification may take, in ms (default 15 s); past it the DID is left pending.
   * The resolver's own per-request timeouts normally end it well before.
   */
  timeoutMs?: number
  /** Seen-in-commit DIDs beyond this many waiting are left for their next commit. */
  maxQueuedNoticed?: number
}

/** The worker as configured (IDENTITY_CONCURRENCY, IDENTITY_TIMEOUT_MS). */
export function identityWorkerFromConfig(config: Config, verifier: IdentityVerifier, log: Logger): IdentityWorker {
  return new IdentityWorker({
    verifier,
    prefix: config.INDEX_PREFIX,
    log: log.child({ component: 'identity' }),
    concurrency: config.IDENTITY_CONCURRENCY,
    // A DID document, then the handle's methods side by side (and the XRPC fallback): three lookups at most.
    timeoutMs: 3 * config.IDENTITY_TIMEOUT_MS,
  })
}

/** How long a stopping worker lets the verifications in flight finish before leaving them pending. */
export const STOP_GRACE_MS = 2_000

const TIMED_OUT = Symbol('timed out')

/**
 * Verifies handles beside the firehose and backfill: resolving a DID document and a handle is
 * network I/O that must never hold up the stream, and a slow host must not hold up the others,
 * so many run at once (a bounded pool), each DID once at a time, each bounded in time. Identity
 * events are always verified; DIDs first seen in commits are verified when there is room, so
 * every author gets a handle without a crawl.
 *
 * Nothing waits on this worker: an account's content is served as soon as it is indexed, as
 * `handle.invalid` until its handle is verified. So a run that stops does not wait for the queue
 * either. Every DID whose verification it leaves undone is marked pending in its actor document
 * (the #identity marker, or `actorSeenOp` for an account with no identity yet), and the next run
 * verifies those first (`resumePending`).
 */
export class IdentityWorker {
  private writer: BulkWriter<number> | undefined
  /** Waiting DIDs, in arrival order, with the newest identity-event time asked for each. */
  private readonly queue = new Map<string, number>()
  private readonly running = new Set<string>()
  /** 'queued': taken (verified or waiting); 'deferred': noticed when the queue was full. */
  private readonly seen = new LRUCache<string, 'queued' | 'deferred'>({ max: 500_000 })
  private stopped = false
  private idle: (() => void)[] = []

  constructor(private readonly opts: IdentityWorkerOptions) {}

  /** Where verified identities are written; verifications start once there is one. */
  attach(writer: BulkWriter<number>): void {
    this.writer = writer
    this.pump()
  }

  /** An identity event: always verified, with what was cached before it ignored. */
  enqueue(did: string, at: number): void {
    this.seen.set(did, 'queued')
    this.queue.set(did, Math.max(at, this.queue.get(did) ?? 0))
    this.pump()
  }

  /**
   * A DID that wrote a commit: verified once, if the queue has room. True the first time this
   * worker hears of the DID (the caller then makes sure its actor document exists).
   */
  noticeDid(did: string): boolean {
    const state = this.seen.get(did)
    if (state === 'queued') return false
    if (this.queue.size >= (this.opts.maxQueuedNoticed ?? 10_000)) {
      this.seen.set(did, 'deferred')
      return state === undefined
    }
    this.seen.set(did, 'queued')
    if (!this.queue.has(did)) this.queue.set(did, 0)
    this.pump()
    return state === undefined
  }

  /** Re-verify identities left pending by an earlier run that stopped before finishing them. */
  async resumePending(client: Client): Promise<number> {
    const index = singleIndex(this.opts.prefix, 'actors')
    const body = { size: 1_000, query: { term: { pendingIdentity: true } }, _source: ['identityAt'], sort: ['_doc'] }
    let res = await client.search({ index, scroll: '1m', body } as any, { ignore: [404] })
    let found = 0
    try {
      for (;;) {
        const hits = ((res.body as any)?.hits?.hits ?? []) as { _id: string; _source?: { identityAt?: number } }[]
        if (hits.length === 0) break
        for (const hit of hits) this.enqueue(hit._id, hit._source?.identityAt ?? 0)
        found += hits.length
        res = await client.scroll({ scroll_id: (res.body as any)._scroll_id, scroll: '1m' } as any)
      }
    } finally {
      const scrollId = (res.body as any)?._scroll_id
      if (scrollId) await client.clearScroll({ scroll_id: scrollId } as any).catch(() => {})
    }
    return found
  }

  /** Wait for verifications under way (and queued ones) to be written. */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.queue.size > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve))
    }
  }

  /**
   * Stop, for a run that is ending: what finishes within `graceMs` is written, the rest is left
   * pending for the next run (see the class comment), and answers arriving later are dropped.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.drain(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))])
    clearTimeout(timer)
    this.stopped = true
    const left = this.queue.size + this.running.size
    if (left > 0) this.opts.log.info({ left }, 'identity verifications left pending for the next run')
    this.queue.clear()
    this.wakeIdle()
  }

  private pump(): void {
    const concurrency = this.opts.concurrency ?? 128
    if (!this.writer || this.stopped || this.running.size >= concurrency) return
    for (const [did, at] of this.queue) {
      if (this.running.size >= concurrency) break
      // One verification per DID at a time; a newer event for it waits for the one under way.
      if (this.running.has(did)) continue
      this.queue.delete(did)
      this.running.add(did)
      void this.run(did, at).finally(() => {
        this.running.delete(did)
        this.pump()
        if (this.running.size === 0 && (this.queue.size === 0 || this.stopped)) this.wakeIdle()
      })
    }
  }

  private wakeIdle(): void {
    const idle = this.idle
    this.idle = []
    for (const resolve of idle) resolve()
  }

  private async run(did: string, at: number): Promise<void> {
    // An #identity event says the DID document or handle changed: what was cached before it is stale.
    const refresh = at > 0 ? { forceRefresh: true, changedAt: at } : undefined
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      // Never what keeps a stopping process alive.
      timer = setTimeout(() => resolve(TIMED_OUT), this.opts.timeoutMs ?? 15_000).unref()
    })
    const identity = await Promise.race([
      this.opts.verifier.verifyIdentity(did, refresh).catch((err: unknown) => {
        this.opts.log.debug({ did, err }, 'identity verification failed')
        return null
      }),
      deadline,
    ]).finally(() => clearTimeout(timer))
    if (!this.writer || this.stopped) return
    if (identity === TIMED_OUT) {
      // Its actor document stays pending: the next run tries again.
      this.opts.log.debug({ did }, 'identity verification timed out')
      return
    }
    if (!identity) {
      // Unresolvable DID: served as handle.invalid, as Bluesky does, until an identity event says otherwise.
      if (at > 0) this.writer.add(actorIdentityOp(this.opts.prefix, did, at, { handle: 'handle.invalid', handleValid: false }))
      return
    }
    this.writer.add(
      actorIdentityOp(this.opts.prefix, did, at, {
        handle: identity.handleValid ? identity.handle : 'handle.invalid',
        handleValid: identity.handleValid,
        pds: identity.pds,
        didDoc: identity.didDoc,
      }),
    )
  }
}
