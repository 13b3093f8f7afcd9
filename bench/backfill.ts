/**
 * Backfill benchmark: a generated corpus of signed repos (gen-repos.ts) served by a local
 * PDS + PLC (repo-host.ts, its own process), backfilled by the real `magpie backfill` command
 * (its own process), against the raw `_bulk` ceiling for the very same documents.
 *
 *   node --import tsx bench/backfill.ts [--records 5000000 --seed 1 …corpus options]
 *     [--modes raw,magpie] [--keep] [--cpu-prof] [--no-merge]
 *
 * raw     the ceiling: every document Magpie would write (built beforehand with Magpie's own
 *         worker code, not timed, cached on disk as NDJSON batches sealed by the BulkWriter's
 *         rule), posted by a minimal keep-alive client, BULK_MAX_IN_FLIGHT at a time
 * magpie  `magpie backfill --pds <host> --exit-when-done` on a fresh INDEX_PREFIX
 *
 * Reports records/s (wall clock of the run, and the backfill's own clock without process
 * start), the Magpie/ceiling ratio, CPU seconds of Magpie, OpenSearch and the whole machine,
 * Magpie's peak resident memory, and bytes per record on disk per family after a force-merge.
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200 (`scripts/opensearch start`).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from '#/config/env.js'
import processRepo from '#/ingest/backfill/repo-worker.js'
import { repoLimits } from '#/ingest/backfill/start.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { dropBenchPrefix, machineCpuMs, opensearchCpuMs, processCpuMs, processMemoryMiB, storageByFamily } from './machine-stats.js'
import { postAll, rawBulkSender } from './raw-bulk.js'
import { corpusDir, corpusExists, corpusOptions, corpusParamsFrom, loadCorpusManifest } from './repo-corpus.js'

const { values: args } = parseArgs({
  options: {
    ...corpusOptions,
    modes: { type: 'string', default: 'raw,magpie' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'no-merge': { type: 'boolean', default: false },
  },
})

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const out = (line: string): void => void process.stdout.write(`${line}\n`)
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const now = (): number => performance.timeOrigin + performance.now()
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d

const params = corpusParamsFrom(args)
const dir = corpusDir(params)
if (!corpusExists(dir)) {
  out(`no corpus at ${dir}: generate it first with bench/gen-repos.ts (same options)`)
  process.exit(1)
}
const manifest = loadCorpusManifest(dir)
const config = loadConfig({ ...process.env })
const client = createOpenSearchClient(OPENSEARCH_URL)
await client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' })
const runId = randomBytes(3).toString('hex')
const log = createLogger('warn', 'magpie-bench')
note(`corpus ${path.basename(dir)}: ${manifest.totals.repos.toLocaleString('en')} repos, ${manifest.totals.records.toLocaleString('en')} records, ${round(manifest.totals.carBytes / 2 ** 20)} MiB of CARs`)

/** The repo host in its own process (a PDS is another machine); resolves its URL. */
async function startHost(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'repo-host.ts'), '--corpus', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  let buffer = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      buffer += c.toString()
      const m = /(http:\/\/127\.0\.0\.1:\d+)\s*$/m.exec(buffer)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`repo host exited with ${code}`)))
  })
  return { url, stop: () => child.kill('SIGTERM') }
}

interface CpuMark {
  t: number
  opensearch: number
  busy: number
  total: number
}
async function mark(): Promise<CpuMark> {
  const m = machineCpuMs()
  return { t: now(), opensearch: await opensearchCpuMs(client), busy: m.busy, total: m.total }
}
function cpuFigures(a: CpuMark, b: CpuMark, records: number, magpieCpuMs?: number): Record<string, number | undefined> {
  const os = b.opensearch - a.opensearch
  return {
    cpu_opensearch_s: round(os / 1000, 1),
    cpu_magpie_s: magpieCpuMs === undefined ? undefined : round(magpieCpuMs / 1000, 1),
    cpu_machine_busy_s: round((b.busy - a.busy) / 1000, 1),
    machine_busy_pct: round(((b.busy - a.busy) / (b.total - a.total)) * 100, 1),
    opensearch_us_per_record: round((os * 1000) / records),
    magpie_us_per_record: magpieCpuMs === undefined ? undefined : round((magpieCpuMs * 1000) / records),
  }
}

/** The documents of the whole corpus as `_bulk` bodies, built once with the backfill's own worker code. */
function ceilingBatches(prefix: string): { dir: string; files: string[]; docs: number } {
  const batchDir = path.join(ROOT, '.local', 'bench-scratch', `bf-ceiling-${path.basename(dir)}-${config.BULK_FLUSH_BYTES}`)
  const done = path.join(batchDir, 'done.json')
  if (existsSync(done)) {
    const meta = JSON.parse(readFileSync(done, 'utf8')) as { docs: number; prefix: string }
    if (meta.prefix === prefix) return { dir: batchDir, files: readdirSync(batchDir).filter((f) => f.endsWith('.ndjson')).sort(), docs: meta.docs }
  }
  rmSync(batchDir, { recursive: true, force: true })
  mkdirSync(batchDir, { recursive: true })
  note(`[raw] building the documents of ${manifest.totals.records.toLocaleString('en')} records with Magpie's transforms (not timed) …`)
  let lines: string[] = []
  let size = 0
  let docs = 0
  let n = 0
  const seal = (): void => {
    if (lines.length === 0) return
    writeFileSync(path.join(batchDir, `${String(n++).padStart(6, '0')}.ndjson`), lines.join(''))
    lines = []
    size = 0
  }
  const indexedAt = new Date().toISOString()
  for (const repo of manifest.repos) {
    const car = new Uint8Array(readFileSync(path.join(dir, repo.file)))
    const r = processRepo({ did: repo.did, car, signingKey: repo.signingKey, prefix, indexedAt, limits: repoLimits(config) })
    if (!r.ok) throw new Error(`${repo.did}: ${r.reason}`)
    for (let i = 0; i < r.ids.length; i++) {
      lines.push(`{"index":{"_index":${JSON.stringify(r.indices[i])},"_id":${JSON.stringify(r.ids[i])},"version":${r.version},"version_type":"external"}}\n${r.bodies[i]}\n`)
      docs++
      // The same sealing rule as Magpie's BulkWriter: body bytes + 120 per op.
      size += r.bodies[i]!.length + 120
      if (size >= config.BULK_FLUSH_BYTES) seal()
    }
  }
  seal()
  writeFileSync(done, JSON.stringify({ docs, prefix }))
  return { dir: batchDir, files: readdirSync(batchDir).filter((f) => f.endsWith('.ndjson')).sort(), docs }
}

async function runRaw(): Promise<Record<string, unknown>> {
  const prefix = 'bench-bf-ceiling-'
  const batches = ceilingBatches(prefix)
  await dropBenchPrefix(client, prefix)
  await applySetup(client, prefix, log)
  note(`[raw] sending ${batches.docs.toLocaleString('en')} documents in ${batches.files.length} _bulk requests, ${config.BULK_MAX_IN_FLIGHT} in flight …`)
  const sender = rawBulkSender(OPENSEARCH_URL, config.BULK_MAX_IN_FLIGHT)
  const a = await mark()
  await postAll(sender, batches.files.length, (i) => readFileSync(path.join(batches.dir, batches.files[i]!)), config.BULK_MAX_IN_FLIGHT)
  const b = await mark()
  sender.close()
  const wall = (b.t - a.t) / 1000
  return {
    mode: 'raw-bulk',
    prefix,
    records: batches.docs,
    wall_s: round(wall, 1),
    records_per_s: Math.round(batches.docs / wall),
    requests: sender.result.requests,
    stale: sender.result.stale,
    item_errors: sender.result.itemErrors,
    ...cpuFigures(a, b, batches.docs),
  }
}

async function runMagpie(): Promise<Record<string, unknown>> {
  const prefix = `bench-bf-${runId}-`
  await dropBenchPrefix(client, prefix)
  const host = await startHost()
  const profDir = path.join(ROOT, '.local', 'bench-scratch', `bf-prof-${runId}`)
  const nodeArgs = ['--import', 'tsx', ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])]
  const env = {
    ...process.env,
    OPENSEARCH_URL,
    INDEX_PREFIX: prefix,
    PLC_URL: host.url,
    ALLOW_PRIVATE_NETWORK: 'true',
    HANDLE_RESOLUTION: 'xrpc',
    HANDLE_RESOLVER_URL: host.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    BACKFILL_PER_HOST: process.env.BACKFILL_PER_HOST ?? '8',
  }
  note(`[magpie] magpie backfill --pds ${host.url} into ${prefix} …`)
  const a = await mark()
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'src/cli/main.ts'), 'backfill', '--pds', host.url, '--exit-when-done'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logFile = path.join(ROOT, '.local', 'bench-scratch', `bf-magpie-${runId}.log`)
  mkdirSync(path.dirname(logFile), { recursive: true })
  child.stderr!.on('data', (c: Buffer) => appendFileSync(logFile, c))
  let stdout = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  let peakMiB = 0
  let cpuMs = 0
  const sampler = setInterval(() => {
    const mem = processMemoryMiB(child.pid!)
    if (mem) peakMiB = Math.max(peakMiB, mem.peak)
    cpuMs = processCpuMs(child.pid!) ?? cpuMs
  }, 200)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearInterval(sampler)
  const b = await mark()
  host.stop()
  const summary = JSON.parse(stdout.trim().split('\n').pop() || '{}') as { records?: number; seconds?: number; done?: number; failed?: number; stale?: number; rejected?: number }
  const records = summary.records ?? 0
  const wall = (b.t - a.t) / 1000
  await client.indices.refresh({ index: `${prefix}*` })
  const count = ((await client.count({ index: `${prefix}*,-${prefix}actors-*,-${prefix}state-*` })).body as { count: number }).count
  return {
    mode: 'magpie',
    prefix,
    exit_code: code,
    repos_done: summary.done,
    repos_failed: summary.failed,
    records,
    record_docs_counted: count,
    expected_records: manifest.totals.records,
    wall_s: round(wall, 1),
    records_per_s: Math.round(records / wall),
    records_per_s_backfill_clock: summary.seconds ? Math.round(records / summary.seconds) : undefined,
    stale: summary.stale,
    rejected: summary.rejected,
    peak_rss_mib: peakMiB,
    ...cpuFigures(a, b, records, cpuMs),
    threads: config.BACKFILL_THREADS ?? 'cores',
    per_host: env.BACKFILL_PER_HOST,
    concurrency: config.BACKFILL_CONCURRENCY,
    cpu_profiles: args['cpu-prof'] ? profDir : undefined,
    log: path.relative(ROOT, logFile),
  }
}

const results: Record<string, unknown>[] = []
try {
  for (const mode of args.modes.split(',').map((m) => m.trim())) {
    if (mode === 'raw') results.push(await runRaw())
    else if (mode === 'magpie') results.push(await runMagpie())
    else throw new Error(`unknown mode ${mode}`)
    note(`[${mode}] ${JSON.stringify(results.at(-1))}`)
  }
  const raw = results.find((r) => r.mode === 'raw-bulk')
  const magpie = results.find((r) => r.mode === 'magpie')
  if (raw && magpie) magpie.ratio_to_ceiling = round(Number(magpie.records_per_s) / Number(raw.records_per_s), 3)
  if (!args['no-merge']) {
    for (const r of results) {
      note(`[${r.mode}] force-merging ${r.prefix}* and measuring storage …`)
      const families = await storageByFamily(client, String(r.prefix), { forceMerge: true })
      let docs = 0
      let bytes = 0
      for (const [name, f] of Object.entries(families)) {
        if (name === 'actors' || name === 'state') continue
        docs += f.docs
        bytes += f.bytes
      }
      r.storage = families
      r.bytes_per_record_avg = docs > 0 ? Math.round(bytes / docs) : undefined
    }
  }
} finally {
  if (!args.keep) for (const r of results) await dropBenchPrefix(client, String(r.prefix))
  await client.close()
}

out('')
out('mode       records/s  ratio  Magpie µs/rec  OpenSearch µs/rec  machine busy  peak RSS  B/record')
for (const r of results) {
  out(
    `${String(r.mode).padEnd(9)} ${String(r.records_per_s).padStart(10)} ${String(r.ratio_to_ceiling ?? '-').padStart(6)} ${String(r.magpie_us_per_record ?? '-').padStart(14)} ` +
      `${String(r.opensearch_us_per_record).padStart(18)} ${String(r.machine_busy_pct).padStart(12)}% ${String(r.peak_rss_mib ?? '-').padStart(8)} ${String(r.bytes_per_record_avg ?? '-').padStart(9)}`,
  )
}
mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true })
for (const r of results) {
  const line = JSON.stringify({ bench: 'backfill', run: runId, corpus: path.basename(dir), ...r })
  out(line)
  appendFileSync(path.join(BENCH_DIR, 'results', 'backfill.jsonl'), `${line}\n`)
}
process.exit(0)
