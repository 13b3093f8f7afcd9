/**
 * Live events never wait behind backfill: when both run in one process, live ingest reports
 * each time OpenSearch pushes back on it, and backfill holds its next writes until live
 * ingest is moving again. (The CPU-heavy half of backfill runs on worker threads, so the
 * event loop that reads the firehose is not the one parsing CARs.)
 */
export class LivePriority {
  private pressure: Promise<void> | undefined

  /** Live ingest is waiting on OpenSearch until `wait` settles. */
  liveBlocked(wait: Promise<void>): void {
    const current = wait.finally(() => {
      if (this.pressure === current) this.pressure = undefined
    })
    this.pressure = current
  }

  /** What backfill awaits before writing: undefined when live ingest is not held up. */
  liveBusy(): Promise<void> | undefined {
    return this.pressure
  }
}
