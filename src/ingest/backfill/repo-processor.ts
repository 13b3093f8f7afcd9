import { availableParallelism, totalmem } from 'node:os'
import { Piscina } from 'piscina'
import type { RepoLimits } from '#/ingest/backfill/repo-car.js'
import processRepo, { type RepoTask, type RepoTaskResult } from '#/ingest/backfill/repo-worker.js'

/** The worker file sits beside this one: `.ts` when run through tsx, `.js` when compiled to dist/. */
const WORKER_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

/** A repo to parse; the processor adds the limits it was made with. */
export type RepoJob = Omit<RepoTask, 'limits'>

export interface RepoProcessor {
  /** Callers bound how many repos they hold at once; the pool queues whatever it is given. */
  run(job: RepoJob): Promise<RepoTaskResult>
  close(): Promise<void>
}

export interface RepoProcessorOptions {
  /** Worker threads; 0 parses on the calling thread. Default: one per core. */
  threads?: number
  /** Heap (V8 old generation) of each worker, in MB. Default: `defaultWorkerHeapMb`. */
  workerHeapMb?: number
  limits: RepoLimits
}

/**
 * Where repos are parsed and turned into writes: a pool of worker threads (one per core by
 * default), or the calling thread when `threads` is 0 (small runs, tests, profiling).
 *
 * Each worker has a heap limit, so a repo that needs more memory than any honest one ends its
 * worker instead of the process: the repo is refused with a reason and the pool starts a fresh
 * worker for the repos that follow. The calling thread has no such limit, only the CAR, block
 * and record bounds every parse applies.
 */
export function createRepoProcessor(opts: RepoProcessorOptions): RepoProcessor {
  const threads = opts.threads ?? availableParallelism()
  const { limits } = opts
  if (threads <= 0) {
    return {
      run: async (job) => processRepo({ ...job, limits }),
      async close() {},
    }
  }
  const heapMb = opts.workerHeapMb ?? defaultWorkerHeapMb(threads)
  const pool = new Piscina<RepoTask, RepoTaskResult>({
    filename: new URL(`./repo-worker${WORKER_EXT}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  })
  return {
    run: async (job) => {
      try {
        return await pool.run({ ...job, limits }, { transferList: transferable(job.car) })
      } catch (err) {
        return { ok: false, reason: workerFailure(err, heapMb) }
      }
    },
    close: () => pool.close(),
  }
}

/**
 * Half the machine's memory shared among the workers, within 512 MB–4 GB each: room for repos
 * of millions of records, while even every worker at its limit at once leaves the rest of the
 * process (live ingest, the API) its share.
 */
export function defaultWorkerHeapMb(threads: number): number {
  const share = Math.floor(totalmem() / 2 / Math.max(1, threads) / (1024 * 1024))
  return Math.min(4096, Math.max(512, share))
}

function workerFailure(err: unknown, heapMb: number): string {
  if ((err as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `parsing the repo needed more than the worker's ${heapMb} MB heap (BACKFILL_WORKER_HEAP_MB)`
  }
  return `the parsing worker failed: ${err instanceof Error ? err.message : String(err)}`
}

/** The CAR's buffer moves to the worker instead of being copied, when it is not shared. */
function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const buf = bytes.buffer
  return buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength ? [buf] : []
}
