import cliProgress from 'cli-progress'
import type { Logger } from '#/log.js'
import { backfillRemaining } from '#/metrics.js'

/** The figures a backfill reports, wherever they are shown. */
export class BackfillProgress {
  readonly startedAt = Date.now()
  /** Repos to do in this run (grows while the listing is still being read). */
  total = 0
  listingDone = false
  done = 0
  failed = 0
  unavailable = 0
  /** Already finished by an earlier run. */
  skipped = 0
  records = 0
  bytes = 0

  get finished(): number {
    return this.done + this.failed + this.unavailable
  }

  snapshot(): BackfillFigures {
    const seconds = Math.max(0.001, (Date.now() - this.startedAt) / 1000)
    const reposPerSec = this.finished / seconds
    const remaining = this.total - this.finished
    return {
      reposDone: this.done,
      reposFailed: this.failed,
      reposUnavailable: this.unavailable,
      reposSkipped: this.skipped,
      reposTotal: this.total,
      listingDone: this.listingDone,
      records: this.records,
      recordsPerSec: Math.round(this.records / seconds),
      reposPerSec: Math.round(reposPerSec * 10) / 10,
      mbytes: Math.round(this.bytes / 1e5) / 10,
      etaSec: reposPerSec > 0 && this.listingDone ? Math.round(remaining / reposPerSec) : undefined,
      seconds: Math.round(seconds),
    }
  }
}

export interface BackfillFigures {
  reposDone: number
  reposFailed: number
  reposUnavailable: number
  reposSkipped: number
  reposTotal: number
  listingDone: boolean
  records: number
  recordsPerSec: number
  reposPerSec: number
  mbytes: number
  etaSec?: number
  seconds: number
}

/**
 * Shows a backfill's progress: a bar on a terminal, periodic structured log lines otherwise,
 * and the remaining-repos gauge for /metrics either way. Returns a stop function.
 */
export function reportProgress(progress: BackfillProgress, log: Logger, opts: { tty?: boolean; logEveryMs?: number } = {}): () => void {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY)
  const gauge = setInterval(() => backfillRemaining.set(progress.total - progress.finished), 1000)
  gauge.unref()
  if (!tty) {
    const timer = setInterval(() => log.info(progress.snapshot(), 'backfill progress'), opts.logEveryMs ?? 10_000)
    timer.unref()
    return () => {
      clearInterval(timer)
      clearInterval(gauge)
      backfillRemaining.set(progress.total - progress.finished)
    }
  }
  const bar = new cliProgress.SingleBar(
    {
      format: 'backfill |{bar}| {value}/{total} repos | {recordsPerSec} rec/s | {records} records | {errors} errors | ETA {eta_text}',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  )
  const values = () => {
    const f = progress.snapshot()
    return {
      recordsPerSec: f.recordsPerSec,
      records: f.records,
      errors: f.reposFailed + f.reposUnavailable,
      eta_text: f.etaSec === undefined ? (f.listingDone ? '-' : 'listing…') : formatSeconds(f.etaSec),
    }
  }
  bar.start(progress.total, progress.finished, values())
  const timer = setInterval(() => {
    bar.setTotal(progress.total)
    bar.update(progress.finished, values())
  }, 500)
  timer.unref()
  return () => {
    clearInterval(timer)
    clearInterval(gauge)
    bar.setTotal(progress.total)
    bar.update(progress.finished, values())
    bar.stop()
  }
}

function formatSeconds(s: number): string {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`
}
