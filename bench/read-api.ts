/**
 * What the read-API latency benchmarks (read-latency.ts, search-latency.ts) share: Magpie's read
 * API started in this process over a corpus's prefix, viewers whose DID documents a local PLC
 * serves, a service-auth JWT per request, and clients in a worker thread (read-latency-client.ts)
 * timing batches of requests at a given concurrency, with the CPU OpenSearch and the machine
 * spent meanwhile.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Client } from '@opensearch-project/opensearch'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { startServer } from '#/cli/commands/serve.js'
import { loadConfig, type Config } from '#/config/env.js'
import { atprotoDidDocument, startStaticPlc } from '#devnet/static-plc.js'
import type { Logger } from '#/log.js'
import { machineCpuMs, opensearchCpuMs } from './machine-stats.js'
import { latencyStats, type ClientJob, type ClientResult, type LatencyStats } from './read-latency-client.js'

export interface Viewer {
  did: string
  handle: string
}

export interface ReadApi {
  base: string
  config: Config
  close(): Promise<void>
}

export interface Measured extends LatencyStats {
  rps: number
  statuses: Record<string, number>
  firstError?: string
  kbPerAnswer: number
  opensearchCpuMsPerRequest: number
  machineBusy: number
  loadavg: number[]
}

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d

export async function readApiHarness<V extends string>(opts: {
  client: Client
  log: Logger
  prefix: string
  opensearchUrl: string
  serviceDid: string
  viewers: Record<V, Viewer>
}) {
  const { client, log } = opts
  // The viewers' keys and DID documents: a PLC of our own, as the network's would serve them.
  const keys = {} as Record<V, Secp256k1Keypair>
  for (const name of Object.keys(opts.viewers) as V[]) keys[name] = await Secp256k1Keypair.create()
  const docs = Object.fromEntries(
    (Object.entries(opts.viewers) as [V, Viewer][]).map(([name, v]) => [
      v.did,
      atprotoDidDocument(v.did, { handle: v.handle, signingKeyMultibase: keys[name].did().replace('did:key:', ''), pds: 'https://pds.readbench.example' }),
    ]),
  )
  const plc = await startStaticPlc({ docs })
  const token = (viewer: V, lxm: string): Promise<string> =>
    // An hour: tokens are minted before a phase that may outlast the usual minute.
    createServiceJwt({ iss: opts.viewers[viewer].did, aud: opts.serviceDid, lxm, keypair: keys[viewer], exp: Math.floor(Date.now() / 1000) + 3000 })

  const worker = new Worker(new URL('./read-latency-client.ts', import.meta.url))
  const runJob = (job: ClientJob): Promise<ClientResult> =>
    new Promise((resolve, reject) => {
      worker.once('message', (msg: { ok: boolean; result?: ClientResult; error?: string }) => (msg.ok ? resolve(msg.result!) : reject(new Error(msg.error))))
      worker.postMessage(job)
    })

  return {
    token,

    /** The read API with READ_CACHE_MS at `cache` (`default`: its default). */
    async start(cache: string): Promise<ReadApi> {
      const env: Record<string, string | undefined> = {
        ...process.env,
        INDEX_PREFIX: opts.prefix,
        OPENSEARCH_URL: opts.opensearchUrl,
        PLC_URL: plc.url,
        ALLOW_PRIVATE_NETWORK: 'true',
        SERVICE_DID: opts.serviceDid,
        PORT: '0',
        LOG_LEVEL: 'warn',
        READ_CACHE_MS: cache === 'default' ? undefined : cache,
      }
      const config = loadConfig(env)
      const server: Server = await startServer(config, client, log)
      return {
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        config,
        close: async () => {
          await new Promise<void>((resolve) => server.close(() => resolve()))
          server.closeAllConnections()
        },
      }
    },

    /** One request outside any measurement (probes, paging to a deep cursor). */
    async get(base: string, path: string, viewer: V, nsid: string): Promise<{ status: number; body: any }> {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await token(viewer, nsid)}` } })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : undefined }
    },

    /** `warmup` paths untimed, then `paths` timed, `clients` at a time, each with its own token. */
    async measure(base: string, viewer: V, nsid: string, clients: number, warmup: string[], paths: string[]): Promise<Measured> {
      const build = (list: string[]) => Promise.all(list.map(async (path) => ({ path, token: await token(viewer, nsid) })))
      const job: ClientJob = { base, concurrency: clients, warmup: await build(warmup), measured: await build(paths) }
      const cpu0 = machineCpuMs()
      const os0 = await opensearchCpuMs(client)
      const result = await runJob(job)
      const cpu1 = machineCpuMs()
      const os1 = await opensearchCpuMs(client)
      const n = result.latencies.length
      return {
        ...latencyStats(result.latencies),
        rps: round(n / (result.wallMs / 1000), 1),
        statuses: result.statuses,
        firstError: result.firstError,
        kbPerAnswer: round(result.bytes / n / 1024, 1),
        opensearchCpuMsPerRequest: round((os1 - os0) / n, 2),
        machineBusy: round((cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total), 2),
        loadavg: os.loadavg().map((x) => round(x, 2)),
      }
    },

    async close(): Promise<void> {
      await worker.terminate()
      await plc.close()
    },
  }
}
