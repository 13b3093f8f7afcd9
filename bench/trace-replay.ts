/**
 * What each call of a traced request costs OpenSearch by itself: the calls of one request
 * written by `app-mix.ts --trace N --trace-dump FILE` are sent again one at a time, each
 * `--times` times in a row after one unmeasured send, and the node's CPU (from /proc, 10 ms
 * ticks, so averaged over the repeats) is read around them. Searches go with the shard request
 * cache off. Not a test: it prints one line per call, costliest last, and the total.
 *
 *   node --import tsx bench/trace-replay.ts FILE --kind timeline [--request N] [--times 20]
 *
 * `--request N`: the Nth traced request of that kind (0-based; default the last). Repeats find
 * the node's caches warm, so this is a call's own cost, not what it cost inside the request
 * (bench/LOG.md: cold requests cost several times more). OpenSearch: OPENSEARCH_URL, else
 * http://127.0.0.1:9200; the node must run on this machine (its CPU is read from /proc).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createOpenSearchClient } from '#/store/client.js'
import { opensearchPid, processCpuMs } from './machine-stats.js'
import { sendAgain, type TracedCall } from './read-trace.js'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kind: { type: 'string' },
    request: { type: 'string' },
    times: { type: 'string', default: '20' },
  },
})

const file = positionals[0]
if (!file || !args.kind) throw new Error('usage: trace-replay.ts FILE --kind KIND [--request N] [--times 20]')
const traced = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { kind: string; calls: TracedCall[] })
  .filter((r) => r.kind === args.kind)
if (traced.length === 0) throw new Error(`no traced request of kind ${args.kind} in ${file}`)
const request = traced.at(args.request === undefined ? -1 : Number(args.request))
if (!request) throw new Error(`${args.kind} has ${traced.length} traced requests`)
const times = Number(args.times)

const client = createOpenSearchClient(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9200')
const pid = await opensearchPid(client)
if (pid === undefined) throw new Error('the OpenSearch node is not a process of this machine: its CPU cannot be read')
const cpu = () => processCpuMs(pid) ?? 0

const rows: { cpuMs: number; wallMs: number; what: string }[] = []
for (const call of request.calls) {
  // One unmeasured send first (also tells whether the call is one that is replayed).
  const first = sendAgain(client, call)
  if (!first) continue
  await first
  const cpuBefore = cpu()
  const started = performance.now()
  for (let i = 0; i < times; i++) await sendAgain(client, call)
  rows.push({
    cpuMs: (cpu() - cpuBefore) / times,
    wallMs: (performance.now() - started) / times,
    what: `${call.op.replace(/^\w+ \//, '')} ${call.what.join(' | ')}`.slice(0, 240),
  })
}
await client.close()

for (const row of [...rows].sort((a, b) => a.cpuMs - b.cpuMs)) {
  console.log(`${row.cpuMs.toFixed(2).padStart(7)} ms CPU ${row.wallMs.toFixed(1).padStart(6)} ms wall  ${row.what}`)
}
const total = rows.reduce((n, r) => n + r.cpuMs, 0)
console.log(`${args.kind} request ${args.request ?? traced.length - 1}: ${rows.length} calls replayed alone, ${total.toFixed(1)} ms of OpenSearch CPU in all (×${times} each)`)
