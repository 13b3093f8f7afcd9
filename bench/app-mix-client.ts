/**
 * The simulated people of app-mix.ts, in a worker thread: open-loop arrivals at a fixed rate,
 * each a request of the mix (app-mix-kinds.ts) for a random person, sent at its scheduled time
 * whether or not earlier ones have answered, its latency counted from that scheduled time (so a
 * slow server is not let off by the client waiting for it: no coordinated omission).
 *
 * Each person has a secp256k1 key made here (the main thread puts its DID document in the local
 * PLC); each request carries its own service JWT (aud = the service, lxm = the method). Tokens
 * are minted before a phase starts, one per arrival: signing costs ~1.5 ms, which at hundreds of
 * requests a second would take a core from the machine the server shares.
 */
import http from 'node:http'
import { parentPort } from 'node:worker_threads'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { makeRng } from '#devnet/rng.js'
import { MIX, absorb, buildPath, drawKind, newPersonState, type MixMaterial, type PersonState } from './app-mix-kinds.js'

export type ClientMessage =
  | { kind: 'init'; base: string; serviceDid: string; people: string[]; material: MixMaterial; seed: number; timeoutMs: number }
  | { kind: 'phase'; rate: number; warmupSeconds: number; seconds: number }
  /** `perKind` requests of each kind, one at a time, each waiting for 'next' from the main thread. */
  | { kind: 'trace'; perKind: number; kinds?: string[] }
  | { kind: 'next' }
  | { kind: 'close' }

export interface KindResult {
  latencies: number[]
  statuses: Record<string, number>
  firstError?: string
  bytes: number
}

export interface PhaseResult {
  byKind: Record<string, KindResult>
  /** Measured arrivals scheduled, and answered (any status) before the phase ended. */
  scheduled: number
  answered: number
  /** Scheduled time of the first measured arrival → last answer (ms). */
  wallMs: number
  /** How late requests left after their scheduled time (ms): the client's own delay. */
  sendLagP99: number
  sendLagMax: number
  tokenMintMs: number
}

export type ClientReply =
  | { kind: 'ready'; signingKeys: Record<string, string> }
  | { kind: 'measuring' }
  | { kind: 'scheduled' }
  | { kind: 'result'; result: PhaseResult }
  | { kind: 'traced'; request: string; path: string; status: number; ms: number; error?: string }
  | { kind: 'trace-done' }
  | { kind: 'error'; error: string }

const port = parentPort!
let setup: Extract<ClientMessage, { kind: 'init' }>
let keys: Secp256k1Keypair[] = []
let states: PersonState[] = []
let rng = makeRng(1).next
let agent: http.Agent

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function send(path: string, token: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve) => {
    const req = http.request(new URL(path, setup.base), { agent, headers: { authorization: `Bearer ${token}` }, timeout: setup.timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      res.on('error', (err) => resolve({ status: 0, body: Buffer.from(String(err)) }))
    })
    req.on('timeout', () => req.destroy(new Error(`timeout after ${setup.timeoutMs} ms`)))
    req.on('error', (err) => resolve({ status: 0, body: Buffer.from(String(err)) }))
    req.end()
  })
}

/**
 * An answer the app expects and shows (an author feed between accounts that block each other):
 * the server did its work, so it counts as answered, not as an error.
 */
const REFUSALS = new Set(['BlockedActor', 'BlockedByActor'])
function refusal(body: Buffer): boolean {
  try {
    return REFUSALS.has((JSON.parse(body.toString('utf8')) as { error?: string }).error ?? '')
  } catch {
    return false
  }
}

async function runPhase(rate: number, warmupSeconds: number, seconds: number): Promise<PhaseResult> {
  const warmupCount = Math.round(rate * warmupSeconds)
  const total = warmupCount + Math.round(rate * seconds)
  // Who asks what is drawn up front; the request itself is built at send time, from what the
  // person has seen by then.
  const t0Mint = performance.now()
  const arrivals: { kind: number; person: number; token: string }[] = []
  const exp = Math.floor(Date.now() / 1000) + warmupSeconds + seconds + 600
  for (let i = 0; i < total; i++) {
    const kind = drawKind(rng)
    const person = Math.floor(rng() * keys.length)
    const token = await createServiceJwt({ iss: setup.people[person]!, aud: setup.serviceDid, lxm: MIX[kind]!.nsid, keypair: keys[person]!, exp })
    arrivals.push({ kind, person, token })
  }
  const tokenMintMs = performance.now() - t0Mint

  const byKind: Record<string, KindResult> = Object.fromEntries(MIX.map((e) => [e.kind, { latencies: [], statuses: {}, bytes: 0 }]))
  const lags: number[] = []
  let answered = 0
  let lastAnswer = 0
  const inFlight = new Set<Promise<void>>()
  const interval = 1000 / rate
  const start = performance.now() + 20
  const measuredStart = start + warmupCount * interval

  const fire = (i: number, scheduled: number): void => {
    const a = arrivals[i]!
    const entry = MIX[a.kind]!
    const st = states[a.person]!
    const path = buildPath(entry.kind, entry.nsid, st, setup.material, rng)
    const measured = i >= warmupCount
    if (measured) lags.push(performance.now() - scheduled)
    const p = send(path, a.token).then(({ status, body }) => {
      const done = performance.now()
      if (status === 200 && (entry.kind === 'timeline' || entry.kind === 'feed' || entry.kind === 'author-feed')) {
        try {
          absorb(entry.kind, path, JSON.parse(body.toString('utf8')), st)
        } catch {
          // an unreadable answer leaves the person where they were
        }
      }
      if (!measured) return
      const r = byKind[entry.kind]!
      r.latencies.push(done - scheduled)
      const key = status === 400 && refusal(body) ? 'refused' : String(status)
      r.statuses[key] = (r.statuses[key] ?? 0) + 1
      r.bytes += body.length
      if (key !== '200' && key !== 'refused' && !r.firstError) r.firstError = `${status} ${path.slice(0, 160)} → ${body.toString('utf8').slice(0, 300)}`
      answered++
      lastAnswer = done
    })
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }

  let i = 0
  let told = false
  while (i < total) {
    const wait = start + i * interval - performance.now()
    if (wait > 1) await sleep(wait)
    const now = performance.now()
    if (!told && i >= warmupCount) {
      port.postMessage({ kind: 'measuring' } satisfies ClientReply)
      told = true
    }
    // Everything due by now goes out, so a late timer delays requests but never drops them.
    while (i < total && start + i * interval <= now + 0.5) {
      fire(i, start + i * interval)
      i++
    }
  }
  port.postMessage({ kind: 'scheduled' } satisfies ClientReply)
  await Promise.all([...inFlight])
  lags.sort((a, b) => a - b)
  return {
    byKind,
    scheduled: total - warmupCount,
    answered,
    wallMs: lastAnswer - measuredStart,
    sendLagP99: Math.round((lags[Math.floor(lags.length * 0.99)] ?? 0) * 100) / 100,
    sendLagMax: Math.round((lags.at(-1) ?? 0) * 100) / 100,
    tokenMintMs: Math.round(tokenMintMs),
  }
}

let nextWaiter: (() => void) | undefined

/** Requests one at a time, so that the main thread can tell which OpenSearch calls each made. */
async function runTrace(perKind: number, kinds?: string[]): Promise<void> {
  for (const entry of MIX.filter((e) => !kinds || kinds.includes(e.kind))) {
    for (let i = 0; i < perKind; i++) {
      const person = Math.floor(rng() * keys.length)
      const token = await createServiceJwt({ iss: setup.people[person]!, aud: setup.serviceDid, lxm: entry.nsid, keypair: keys[person]! })
      const st = states[person]!
      const path = buildPath(entry.kind, entry.nsid, st, setup.material, rng)
      const t0 = performance.now()
      const { status, body } = await send(path, token)
      const ms = performance.now() - t0
      if (status === 200 && (entry.kind === 'timeline' || entry.kind === 'feed' || entry.kind === 'author-feed')) absorb(entry.kind, path, JSON.parse(body.toString('utf8')), st)
      const next = new Promise<void>((resolve) => (nextWaiter = resolve))
      const error = status === 200 ? undefined : body.toString('utf8').slice(0, 300)
      port.postMessage({ kind: 'traced', request: entry.kind, path, status, ms, error } satisfies ClientReply)
      await next
    }
  }
  port.postMessage({ kind: 'trace-done' } satisfies ClientReply)
}

port.on('message', (msg: ClientMessage) => {
  const reply = (r: ClientReply): void => port.postMessage(r)
  const fail = (err: unknown): void => reply({ kind: 'error', error: String((err as Error)?.stack ?? err) })
  if (msg.kind === 'init') {
    setup = msg
    rng = makeRng(msg.seed).next
    // Open loop: a socket per request in flight, never a queue in the agent.
    agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })
    states = msg.people.map(() => newPersonState())
    void Promise.all(msg.people.map(() => Secp256k1Keypair.create())).then((made) => {
      keys = made
      reply({ kind: 'ready', signingKeys: Object.fromEntries(msg.people.map((did, i) => [did, made[i]!.did().replace('did:key:', '')])) })
    }, fail)
  } else if (msg.kind === 'phase') {
    runPhase(msg.rate, msg.warmupSeconds, msg.seconds).then((result) => reply({ kind: 'result', result }), fail)
  } else if (msg.kind === 'trace') {
    runTrace(msg.perKind, msg.kinds).catch(fail)
  } else if (msg.kind === 'next') {
    nextWaiter?.()
  } else if (msg.kind === 'close') {
    agent?.destroy()
    process.exit(0)
  }
})
