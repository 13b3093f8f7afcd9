import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import processRepo, { type RepoTask, type RepoTaskResult } from '#/ingest/backfill/repo-worker.js'

export interface RepoProcessor {
  /** Callers bound how many repos they hold at once; the pool queues whatever it is given. */
  run(task: RepoTask): Promise<RepoTaskResult>
  close(): Promise<void>
}

/**
 * Where repos are parsed and turned into writes: a pool of worker threads (one per core by
 * default), or the calling thread when `threads` is 0 (small runs, tests, profiling).
 */
export function createRepoProcessor(opts: { threads?: number } = {}): RepoProcessor {
  const threads = opts.threads ?? availableParallelism()
  if (threads <= 0) {
    return {
      run: async (task) => processRepo(task),
      async close() {},
    }
  }
  const pool = new Piscina<RepoTask, RepoTaskResult>({
    filename: new URL('./repo-worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
  })
  return {
    run: (task) => pool.run(task, { transferList: transferable(task.car) }),
    close: () => pool.close(),
  }
}

/** The CAR's buffer moves to the worker instead of being copied, when it is not shared. */
function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const buf = bytes.buffer
  return buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength ? [buf] : []
}
