import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { lexicons, type AtpAgent } from '@atproto/api'
import type { Client } from '@opensearch-project/opensearch'
import { startServer } from '#/cli/commands/serve.js'
import type { Config } from '#/config/env.js'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { devnetConfig } from './devnet-env.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from './opensearch.js'
import { liveIngestReached } from './caught-up.js'

/**
 * Magpie's read path end to end for the API tests: a dev-env PDS, live ingest from its firehose
 * into a fresh index prefix, and Magpie's HTTP server, called with viewer tokens the PDS mints.
 */

export const SERVICE_DID = 'did:web:magpie.test'

export interface Answer {
  status: number
  body: any
}

export interface MagpieApi {
  net: DevNetwork
  client: Client
  prefix: string
  /** The configuration the server and ingest run with. */
  config: Config
  /** Magpie's DID: SERVICE_DID, or with `pdsAppView` a did:web the PDS resolves on loopback. */
  serviceDid: string
  /** http://127.0.0.1:<port> of Magpie's server. */
  base: string
  serviceToken(account: DevAccount, lxm: string, aud?: string): Promise<string>
  /** An XRPC GET; a 200 body must validate against the method's lexicon output, an error be `{error, message}`. */
  xrpc(nsid: string, params: Record<string, string | number | boolean | string[]>, viewer?: DevAccount): Promise<Answer>
  /** As `xrpc`, sending headers of its own, and with the response's headers. */
  xrpcWithHeaders(
    nsid: string,
    params: Record<string, string | number | boolean | string[]>,
    opts: { viewer?: DevAccount; headers?: Record<string, string> },
  ): Promise<Answer & { headers: Headers }>
  /** Every item of a listing (`key` of each answer), page by page; fails on an error or a repeated cursor. */
  allPages(nsid: string, params: Record<string, string | number | string[]>, key: string, viewer?: DevAccount): Promise<any[]>
  /** An XRPC procedure (JSON body); the token's lxm is the method unless told otherwise. */
  call(nsid: string, input: unknown, viewer?: DevAccount, lxm?: string): Promise<Answer>
  /**
   * Live ingest has handled every event the PDS sequenced so far, and the indices are refreshed.
   * Repos are ingested in parallel: one record showing says nothing of other repos' records.
   */
  caughtUp(): Promise<void>
  close(): Promise<void>
}

export interface MagpieApiOptions {
  /**
   * Make Magpie the PDS's AppView, as a Bluesky PDS names api.bsky.app, so clients can go through
   * their PDS. Magpie is then `did:web:localhost%3A<port>`, whose document the PDS fetches from
   * Magpie over loopback (dev-env's PDS allows http and private addresses).
   */
  pdsAppView?: boolean
  /** The OpenSearch node(s) to run on, instead of the suite's (OPENSEARCH_URL): e.g. a cluster of the test's own. */
  opensearchUrl?: string
  /** The read API's clock, for tests of what expires (label `exp`); default Date.now. */
  now?: () => number
}

export async function startMagpieApi(name: string, env: Record<string, string>, opts: MagpieApiOptions = {}): Promise<MagpieApi> {
  // The PDS is told its AppView before Magpie, which needs the PDS's network, can start: the port is picked first.
  const port = opts.pdsAppView ? await freePort() : 0
  const own = opts.pdsAppView ? { did: `did:web:localhost%3A${port}`, url: `http://localhost:${port}` } : undefined
  const net = await startDevNetwork(own ? { appView: own } : {})
  const client = opts.opensearchUrl ? createOpenSearchClient(opts.opensearchUrl) : testClient()
  const prefix = uniquePrefix(name)
  const serviceDid = own?.did ?? SERVICE_DID
  const config = devnetConfig(net, prefix, {
    SERVICE_DID: serviceDid,
    ...(own ? { PUBLIC_URL: own.url } : {}),
    PORT: String(port),
    READ_CACHE_MS: '0',
    BULK_FLUSH_MS: '50',
    ...(opts.opensearchUrl ? { OPENSEARCH_URL: opts.opensearchUrl } : {}),
    ...env,
  })
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
  await applySetup(client, prefix, log)
  const stop = new AbortController()
  // From the network's first event: at the live tail, whatever a test writes before the socket is open would be lost.
  const ingest = startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor: 0, signal: stop.signal })
  const server: Server = await startServer(config, client, log, { now: opts.now })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const serviceToken = async (account: DevAccount, lxm: string, aud = serviceDid): Promise<string> =>
    (await account.agent.com.atproto.server.getServiceAuth({ aud, lxm })).data.token
  const checkAnswer = (nsid: string, status: number, body: any): void => {
    if (status === 200) lexicons.assertValidXrpcOutput(nsid, body)
    else assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], `an XRPC error body: ${JSON.stringify(body)}`)
  }

  const xrpcWithHeaders: MagpieApi['xrpcWithHeaders'] = async (nsid, params, { viewer, headers = {} }) => {
    const query = new URLSearchParams()
    for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) query.append(key, String(v))
    const sent = viewer ? { ...headers, authorization: `Bearer ${await serviceToken(viewer, nsid)}` } : headers
    const res = await fetch(`${base}/xrpc/${nsid}?${query}`, { headers: sent })
    const body = (await res.json()) as any
    checkAnswer(nsid, res.status, body)
    return { status: res.status, body, headers: res.headers }
  }
  const xrpc: MagpieApi['xrpc'] = async (nsid, params, viewer) => {
    const { status, body } = await xrpcWithHeaders(nsid, params, { viewer })
    return { status, body }
  }

  return {
    net,
    client,
    prefix,
    config,
    serviceDid,
    base,
    serviceToken,
    xrpc,
    async allPages(nsid, params, key, viewer) {
      const items: any[] = []
      let cursor: string | undefined
      const seen = new Set<string>()
      for (let pages = 0; pages < 100; pages++) {
        const { status, body } = await xrpc(nsid, { ...params, ...(cursor ? { cursor } : {}) }, viewer)
        assert.equal(status, 200, JSON.stringify(body))
        items.push(...body[key])
        if (!body.cursor) return items
        assert.ok(!seen.has(body.cursor), 'cursors do not repeat')
        seen.add(body.cursor)
        cursor = body.cursor
      }
      throw new Error('too many pages')
    },
    xrpcWithHeaders,
    async call(nsid, input, viewer, lxm = nsid) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (viewer) headers.authorization = `Bearer ${await serviceToken(viewer, lxm)}`
      const res = await fetch(`${base}/xrpc/${nsid}`, { method: 'POST', headers, body: JSON.stringify(input) })
      const text = await res.text()
      const body = text ? JSON.parse(text) : undefined
      if (res.status !== 200) checkAnswer(nsid, res.status, body)
      return { status: res.status, body }
    },
    async caughtUp() {
      await net.processAll()
      await liveIngestReached(client, prefix, net.firehoseUrl, await net.raw.pds.ctx.sequencer.curr())
      await client.indices.refresh({ index: `${prefix}*` })
    },
    async close() {
      stop.abort()
      await ingest
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await net.close()
      await dropPrefix(client, prefix)
      await client.close()
    },
  }
}

/** A port nothing listens on at the moment (another process could take it before it is used; unlikely on loopback). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** Create a record through the PDS (its `$type` filled in); its URI and CID. */
export async function createRecord(agent: AtpAgent, collection: string, record: Record<string, unknown>, rkey?: string): Promise<{ uri: string; cid: string }> {
  const res = await agent.com.atproto.repo.createRecord({ repo: agent.session!.did, collection, rkey, record: { $type: collection, ...record } })
  return { uri: res.data.uri, cid: res.data.cid }
}

/** Ask until `ready` accepts the answer (ingest is asynchronous), then return it. */
export function until(what: string, ask: () => Promise<Answer>, ready: (a: Answer) => boolean, timeoutMs?: number): Promise<Answer> {
  return eventually(
    what,
    async () => {
      const answer = await ask()
      return ready(answer) ? answer : undefined
    },
    timeoutMs,
  )
}
