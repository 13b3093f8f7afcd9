/**
 * Lexicon validation cost per event, generic validator against the compiled checks
 * (src/indexing/compiled-lexicon.ts), in one process over the same decoded stream, in
 * alternating rounds; reported as the best round of each in CPU µs (process.cpuUsage, so a
 * busy machine inflates it less than wall time).
 *
 *   node --import tsx bench/validate-cost.ts [--accounts 2000 --events 300000 --seed 1 --p256 0.1]
 *     [--limit 20000] [--rounds 5]
 */
import { parseArgs } from 'node:util'
import { lexicons } from '@atproto/api'
import { Frame } from '@atproto/xrpc-server'
import { validateRecord, validateRecordGeneric } from '#/indexing/validate-record.js'
import { readCommitTrusted } from '#/ingest/commit-verifier.js'
import { assertValidMessage } from '#/ingest/firehose-reader.js'
import { loadFrames, streamFiles, streamOptions, streamParamsFrom } from './stream-cache.js'

const { values } = parseArgs({ options: { ...streamOptions, limit: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } })
const SUBSCRIBE_REPOS = 'com.atproto.sync.subscribeRepos'
const frames = (await loadFrames(streamFiles(streamParamsFrom(values)).frames)).slice(0, Number(values.limit))

const messages: Record<string, unknown>[] = []
const records: { collection: string; record: Record<string, unknown> }[] = []
for (const chunk of frames) {
  const frame = Frame.fromBytes(chunk)
  if (!frame.isMessage() || !frame.type) continue
  const body = frame.body as Record<string, unknown>
  body.$type = `${SUBSCRIBE_REPOS}${frame.type}`
  messages.push(body)
  if (frame.type !== '#commit') continue
  const read = readCommitTrusted(body as never)
  if (read.ok) for (const op of read.ops) if (op.event !== 'delete') records.push({ collection: op.collection, record: op.record })
}

const cpuUs = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}
const variants: Record<string, () => void> = {
  'message, generic': () => {
    for (const m of messages) lexicons.assertValidXrpcMessage(SUBSCRIBE_REPOS, m)
  },
  'message, compiled': () => {
    for (const m of messages) assertValidMessage(m)
  },
  'records, generic': () => {
    for (const r of records) if (!validateRecordGeneric(r.collection, r.record).ok) throw new Error(`invalid ${r.collection}`)
  },
  'records, compiled': () => {
    for (const r of records) if (!validateRecord(r.collection, r.record).ok) throw new Error(`invalid ${r.collection}`)
  },
}
const best: Record<string, number> = {}
for (let round = 0; round <= Number(values.rounds); round++) {
  for (const [name, run] of Object.entries(variants)) {
    const t = cpuUs()
    run()
    const us = cpuUs() - t
    if (round > 0) best[name] = Math.min(best[name] ?? Infinity, us) // round 0 warms the JIT
  }
}
process.stdout.write(`${messages.length} messages, ${records.length} records; best of ${values.rounds} rounds, CPU µs per event:\n`)
for (const [name, us] of Object.entries(best)) process.stdout.write(`  ${name.padEnd(20)} ${(us / messages.length).toFixed(1).padStart(7)}\n`)
