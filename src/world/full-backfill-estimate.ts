/**
 * What a backfill of the whole network would cost, from the per-record costs the backfill
 * benchmark measured (bench/README.md, "Current results"; bench/LOG.md, "Backfill at 5 M
 * records": OpenSearch 3.6.0, 2 cores). `up` prints it when no world is configured, instead of
 * starting a backfill nobody asked for.
 */

/** On disk per record after force-merge, one copy (bench/README.md, "Current results", backfill). */
export const BYTES_PER_RECORD = 406
/** Segments not yet merged, the translog and room for merges (docs/OPERATIONS.md, Sizing). */
export const DISK_OVERHEAD = 1.3
/** CPU per record: OpenSearch indexing (133 µs) + Magpie decode, validate, transform (59 µs). */
export const CPU_MICROS_PER_RECORD = 133 + 59
/** What that run reached on a busy 2-core machine, for a sense of what "ideal" loses in practice. */
export const MEASURED_RECORDS_PER_SECOND = 5_807
/**
 * Not measured here: a round figure for the public network (about 20 billion records over about
 * 40 million accounts), used only to turn a relay's account count into records, and printed as
 * an assumption.
 */
export const ASSUMED_RECORDS_PER_ACCOUNT = 500

export interface BackfillEstimate {
  records: number
  diskBytes: number
  /** If the whole machine did nothing else, at the measured CPU per record. */
  seconds: number
}

export function estimateBackfill(records: number, cores: number): BackfillEstimate {
  return {
    records,
    diskBytes: records * BYTES_PER_RECORD * DISK_OVERHEAD,
    seconds: (records * CPU_MICROS_PER_RECORD) / 1e6 / Math.max(1, cores),
  }
}

export interface FirstRunNotice {
  /** The relay `up` follows, as given (ws(s)://…). */
  relay: string
  /** Its origin for the backfill command (http(s)://…). */
  relayOrigin: string
  /** Accounts the relay hosts, when it could be learnt cheaply. */
  accounts?: { count: number; how: string }
  cores: number
}

/** The text `up` prints when it indexes only the live network: what a backfill would take, and the ways to one. */
export function firstRunNotice(n: FirstRunNotice): string {
  const perBillion = estimateBackfill(1e9, n.cores)
  const lines = [
    'No small world is configured, and no --backfill was asked for: indexing the live network from now on.',
    'What was written before now is not fetched. A full backfill of the network would need:',
  ]
  if (n.accounts) {
    const records = n.accounts.count * ASSUMED_RECORDS_PER_ACCOUNT
    const total = estimateBackfill(records, n.cores)
    lines.push(
      `  ${n.relay} hosts ${n.accounts.count.toLocaleString('en-US')} accounts (${n.accounts.how}); at an assumed ` +
        `~${ASSUMED_RECORDS_PER_ACCOUNT} records each (not measured) that is ~${formatCount(records)} records:`,
      `    disk  ~${formatBytes(total.diskBytes)}`,
      `    time  ~${formatDuration(total.seconds)} on this machine's ${n.cores} cores with nothing else running, ` +
        `~${formatDuration(records / MEASURED_RECORDS_PER_SECOND)} at the rate measured on a busy 2-core machine`,
    )
  } else {
    lines.push(`  (${n.relay} did not say cheaply how many accounts it hosts; the network holds tens of billions of records)`)
  }
  lines.push(
    `  per billion records: ~${formatBytes(perBillion.diskBytes)} of disk, ~${formatDuration(perBillion.seconds)} on this machine's ${n.cores} cores ` +
      `(~${formatDuration(1e9 / MEASURED_RECORDS_PER_SECOND)} at the measured rate)`,
    `  (measured: ${BYTES_PER_RECORD} B/record on disk after force-merge, ×${DISK_OVERHEAD} for merges and translog, no replica;`,
    `   ${CPU_MICROS_PER_RECORD} µs of CPU per record, OpenSearch and Magpie together, with nothing else running;`,
    `   the 2-core benchmark reached ${MEASURED_RECORDS_PER_SECOND.toLocaleString('en-US')} records/s on a busy machine — see bench/README.md)`,
    'To backfill everything:    magpie backfill --relay ' + n.relayOrigin + '   (beside this, or restart with `magpie up --backfill`)',
    'To index one community:    magpie world add HANDLE | DID | at://…/app.bsky.graph.list/… | follows:HANDLE | host:NAME …',
    '                           (its members are then backfilled by the running ingest; README, "Small world")',
  )
  return lines.join('\n')
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
  let i = 0
  while (bytes >= 1000 && i < units.length - 1) {
    bytes /= 1000
    i++
  }
  return `${bytes >= 100 || i === 0 ? Math.round(bytes) : bytes.toFixed(1)} ${units[i]}`
}

export function formatDuration(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} minutes`
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} hours`
  return `${(seconds / 86400).toFixed(seconds < 100 * 86400 ? 1 : 0)} days`
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} billion`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} million`
  return n.toLocaleString('en-US')
}
