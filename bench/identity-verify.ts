/**
 * Identity verification throughput: many accounts appear at once (first commits of new accounts,
 * or a backfill), and each must have its DID document resolved and its handle checked both ways.
 * A static PLC and a `resolveHandle` service on loopback play the network; the identity worker
 * Magpie runs beside ingest verifies every DID and writes its actor document to OpenSearch.
 *
 *   node --import tsx bench/identity-verify.ts [--accounts 5000] [--handle-delay-ms 0]
 *
 * --handle-delay-ms holds every handle answer that long (a slow HTTPS or DNS host), which is
 * what makes the pool's size matter. Figures: verifications per minute, from the first DID
 * noticed to the last actor document acknowledged, and how many ended with a verified handle.
 *
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200. Configuration (IDENTITY_CONCURRENCY,
 * IDENTITY_TIMEOUT_MS, …) comes from the environment.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { Secp256k1Keypair } from '@atproto/crypto'
import { loadConfig } from '#/config/env.js'
import { atprotoDidDocument, startStaticPlc } from '#devnet/static-plc.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { identityWorkerFromConfig } from '#/ingest/identity-worker.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { plcDid } from './atproto-primitives.js'
import { dropBenchPrefix } from './machine-stats.js'

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '5000' },
    'handle-delay-ms': { type: 'string', default: '0' },
  },
})
const accounts = Number(args.accounts)
const handleDelayMs = Number(args['handle-delay-ms'])
const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'magpie-bench')
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// Accounts and the identity services on loopback ---------------------------------------------
const key = (await Secp256k1Keypair.create()).did().slice('did:key:'.length)
const runId = randomBytes(3).toString('hex')
const docs: Record<string, unknown> = {}
const handles = new Map<string, string>()
for (let i = 0; i < accounts; i++) {
  const did = plcDid(`identity-bench:${runId}:${i}`)
  const handle = `new${i}-${runId}.bench.example.com`
  docs[did] = atprotoDidDocument(did, { handle, signingKeyMultibase: key, pds: 'https://pds.example.com' })
  handles.set(handle, did)
}
const plc = await startStaticPlc({ docs })
let handleRequests = 0
const handleServer = http.createServer((req, res) => {
  handleRequests++
  const url = new URL(req.url ?? '/', 'http://resolver.invalid')
  const did = handles.get(url.searchParams.get('handle') ?? '')
  setTimeout(() => {
    res.writeHead(did ? 200 : 400, { 'content-type': 'application/json' })
    res.end(JSON.stringify(did ? { did } : { error: 'InvalidRequest', message: 'Unable to resolve handle' }))
  }, handleDelayMs)
})
await new Promise<void>((resolve) => handleServer.listen(0, '127.0.0.1', resolve))

// Magpie's identity worker, writing actor documents ------------------------------------------
const prefix = `bench-identity-${runId}-`
const client = createOpenSearchClient(OPENSEARCH_URL)
await applySetup(client, prefix, log)
const config = loadConfig({
  ...process.env,
  OPENSEARCH_URL,
  INDEX_PREFIX: prefix,
  PLC_URL: plc.url,
  HANDLE_RESOLVER_URL: `http://127.0.0.1:${(handleServer.address() as AddressInfo).port}`,
  HANDLE_RESOLUTION: 'xrpc',
  ALLOW_PRIVATE_NETWORK: 'true',
})
const resolver = identityResolverFromConfig(config, log)
const worker = identityWorkerFromConfig(config, resolver, log)
const writer = new BulkWriter<number>({ client, log, flushBytes: config.BULK_FLUSH_BYTES, flushMs: config.BULK_FLUSH_MS, maxInFlight: 1 })
worker.attach(writer)

const started = performance.now()
for (const did of Object.keys(docs)) worker.noticeDid(did)
// Sample progress as the worker goes (verified actor documents counted after a refresh).
const verifiedNow = async (): Promise<number> => {
  await client.indices.refresh({ index: `${prefix}actors-*` })
  const res = await client.count({ index: `${prefix}actors-all`, body: { query: { term: { handleValid: true } } } }, { ignore: [404] })
  return ((res.body as any)?.count ?? 0) as number
}
const drained = worker.drain().then(() => writer.flush())
let done = false
void drained.then(() => (done = true))
while (!done) {
  await Promise.race([drained, sleep(10_000)])
  if (!done) process.stderr.write(`  ${Math.round((performance.now() - started) / 1000)} s: ${await verifiedNow()} verified\n`)
}
const seconds = (performance.now() - started) / 1000
const verified = await verifiedNow()

process.stdout.write(
  `${JSON.stringify({
    bench: 'identity-verify',
    accounts,
    handle_delay_ms: handleDelayMs,
    concurrency: config.IDENTITY_CONCURRENCY,
    seconds: Math.round(seconds * 10) / 10,
    verifications_per_min: Math.round((accounts / seconds) * 60),
    verified_handles: verified,
    plc_requests: plc.requests(),
    handle_requests: handleRequests,
  })}\n`,
)

await writer.close()
await resolver.close()
await plc.close()
handleServer.closeAllConnections()
await new Promise<void>((resolve) => handleServer.close(() => resolve()))
await dropBenchPrefix(client, prefix)
await client.close()
