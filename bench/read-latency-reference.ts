/**
 * Magpie against Bluesky's reference AppView (@atproto/bsky on PostgreSQL), same run, same
 * data: the parity scenario (test/parity/scenario.ts) written through a dev-env PDS, which the
 * reference indexes live while Magpie ingests the same firehose (as test/integration/parity.test.ts
 * does). Then the read benchmark's request kinds — timeline, thread, profile, author feed — as
 * one viewer, sequentially and interleaved (each round asks every AppView in turn, the order
 * rotating), so both see the same machine load. Magpie runs twice on the same indices: with
 * READ_CACHE_MS's default and with 0.
 *
 * The scenario is small (10 accounts, ~150 records): the ratio says what a request costs apart
 * from data volume (auth, hydration round trips, rules, serialization), not how either scales.
 * Postgres: MAGPIE_TEST_POSTGRES_URL. All AppViews run in this process; requests go one at a time.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Client } from '@opensearch-project/opensearch'
import { startServer } from '#/cli/commands/serve.js'
import { loadConfig } from '#/config/env.js'
import { startReferenceNetwork } from '#devnet/reference-network.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { singleIndex } from '#/indexing/route.js'
import type { Logger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { StateStore, cursorKey } from '#/store/state.js'
import { seedScenario, type Account, type AccountName } from '../test/parity/scenario.js'
import { procedure, tokenCache, type AppView } from '../test/parity/xrpc.js'
import { dropBenchPrefix } from './machine-stats.js'
import { latencyStats, send } from './read-latency-client.js'

const SERVICE_DID = 'did:web:magpie.test'
const VIEWER: AccountName = 'bob'

export interface ReferenceOptions {
  client: Client
  log: Logger
  opensearchUrl: string
  /** Measured rounds (each asks every AppView every kind once). */
  rounds: number
  warmup: number
  note(line: string): void
}

export async function referenceRatio(opts: ReferenceOptions): Promise<Record<string, unknown>[]> {
  const { client, log, note } = opts
  note('starting the reference network (PLC, PDS, bsky AppView on Postgres)…')
  const net = await startReferenceNetwork()
  const prefix = `readparity-${randomBytes(3).toString('hex')}-`
  const stop = new AbortController()
  const servers: http.Server[] = []
  try {
    await applySetup(client, prefix, log)
    const env = {
      ...process.env,
      OPENSEARCH_URL: opts.opensearchUrl,
      INDEX_PREFIX: prefix,
      PLC_URL: net.plcUrl,
      HANDLE_RESOLVER_URL: net.pdsUrl,
      HANDLE_RESOLUTION: 'xrpc',
      ALLOW_PRIVATE_NETWORK: 'true',
      SERVICE_DID,
      PORT: '0',
      LOG_LEVEL: 'warn',
      BULK_FLUSH_MS: '50',
    }
    const cached = loadConfig(env)
    const uncached = loadConfig({ ...env, READ_CACHE_MS: '0' })
    const ingest = startLiveIngest(cached, client, log, { service: net.firehoseUrl, cursor: 0, signal: stop.signal })
    const magpie: AppView[] = []
    for (const config of [cached, uncached]) {
      const server = await startServer(config, client, log)
      servers.push(server)
      magpie.push({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, aud: SERVICE_DID })
    }
    const reference: AppView = { base: net.bskyUrl, aud: net.bskyDid }
    let accounts = {} as Record<AccountName, Account>
    const tokens = tokenCache((viewer, aud, lxm) => net.serviceAuthToken(accounts[viewer].agent, aud, lxm))

    note('seeding the parity scenario…')
    const t0 = performance.now()
    const scenario = await seedScenario(net, {
      async privateAction(action, seeded) {
        accounts = seeded
        // Mutes: both Magpie servers share one index prefix, so one of them records it.
        for (const appview of [reference, magpie[0]!]) {
          const res = await procedure(appview, tokens, action)
          if (res.status !== 200) throw new Error(`${appview.base} refused ${action.nsid}: ${JSON.stringify(res.body)}`)
        }
      },
    })
    accounts = scenario.accounts
    await caughtUp(client, net, prefix)
    note(`seeded and ingested in ${Math.round((performance.now() - t0) / 1000)} s`)

    const { refs } = scenario
    const kinds: { name: string; nsid: string; params: Record<string, string> }[] = [
      { name: 'timeline', nsid: 'app.bsky.feed.getTimeline', params: { limit: '50' } },
      { name: 'thread', nsid: 'app.bsky.feed.getPostThread', params: { uri: refs.a1!.uri, depth: '10' } },
      { name: 'profile', nsid: 'app.bsky.actor.getProfile', params: { actor: accounts.alice.did } },
      { name: 'author-feed', nsid: 'app.bsky.feed.getAuthorFeed', params: { actor: accounts.alice.did, limit: '50' } },
    ]
    const targets = [
      { name: 'reference', appview: reference },
      { name: 'magpie', appview: magpie[0]! },
      { name: 'magpie-nocache', appview: magpie[1]! },
    ]
    const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }))
    const latencies = new Map<string, number[]>()
    const answers = new Map<string, string>()
    for (let round = 0; round < opts.warmup + opts.rounds; round++) {
      for (const kind of kinds) {
        for (let j = 0; j < targets.length; j++) {
          const t = (round + j) % targets.length
          const { name, appview } = targets[t]!
          const token = await tokens(VIEWER, appview.aud, kind.nsid)
          const path = `/xrpc/${kind.nsid}?${new URLSearchParams(kind.params)}`
          const started = performance.now()
          const res = await send(agents[t]!, new URL(appview.base), { path, token })
          const ms = performance.now() - started
          if (res.status !== 200) throw new Error(`${name} answered ${kind.name} with ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`)
          if (round === 0) answers.set(`${kind.name} ${name}`, summarize(kind.name, JSON.parse(res.body.toString('utf8'))))
          if (round < opts.warmup) continue
          const key = `${kind.name} ${name}`
          latencies.set(key, [...(latencies.get(key) ?? []), ms])
        }
      }
    }
    for (const agent of agents) agent.destroy()

    const rows: Record<string, unknown>[] = []
    for (const kind of kinds) {
      const ref = latencyStats(latencies.get(`${kind.name} reference`)!)
      for (const target of targets) {
        const stats = latencyStats(latencies.get(`${kind.name} ${target.name}`)!)
        const row = {
          kind: kind.name,
          nsid: kind.nsid,
          appview: target.name,
          viewer: VIEWER,
          answer: answers.get(`${kind.name} ${target.name}`),
          ...stats,
          ratioP50: Math.round((stats.p50 / ref.p50) * 100) / 100,
          ratioP99: Math.round((stats.p99 / ref.p99) * 100) / 100,
        }
        rows.push(row)
        note(`${kind.name.padEnd(12)} ${target.name.padEnd(15)} p50 ${stats.p50} ms, p99 ${stats.p99} ms; ÷ reference: p50 ${row.ratioP50}, p99 ${row.ratioP99}  (${row.answer})`)
      }
    }
    stop.abort()
    await ingest.catch(() => undefined)
    return rows
  } finally {
    stop.abort()
    for (const server of servers) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    await net.close()
    await dropBenchPrefix(client, prefix)
  }
}

/** Live ingest has acknowledged everything the PDS emitted and verified every identity. */
async function caughtUp(client: Client, net: Awaited<ReturnType<typeof startReferenceNetwork>>, prefix: string): Promise<void> {
  const last = await net.network.pds.ctx.sequencer.curr()
  const state = new StateStore(client, prefix)
  for (const deadline = Date.now() + 120_000; ; ) {
    const saved = await state.get<{ seq: number }>(cursorKey(net.firehoseUrl))
    const pending = await client.count({ index: singleIndex(prefix, 'actors'), body: { query: { term: { pendingIdentity: true } } } })
    if (saved && last !== null && saved.seq >= last && (pending.body as { count: number }).count === 0) break
    if (Date.now() > deadline) throw new Error('Magpie did not catch up with the PDS within 2 minutes')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await client.indices.refresh({ index: `${prefix}*` })
}

/** Enough of an answer to see that both AppViews answered alike. */
function summarize(kind: string, body: any): string {
  if (kind === 'timeline' || kind === 'author-feed') return `${body.feed.length} items`
  if (kind === 'profile') return `${body.followersCount} followers, ${body.postsCount} posts`
  let posts = 0
  const walk = (node: any): void => {
    if (node?.$type !== 'app.bsky.feed.defs#threadViewPost') return
    posts++
    for (const r of node.replies ?? []) walk(r)
  }
  walk(body.thread)
  return `${posts} posts in the thread`
}
