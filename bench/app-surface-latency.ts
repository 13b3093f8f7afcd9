/**
 * Latency of the app.bsky methods issue 19 added (the rest of what the Bluesky app calls:
 * discovery and suggestions, the membership dialogs, starter-pack search, activity
 * subscriptions, drafts, age assurance, contacts, link cards), each signed in, on a read corpus
 * (read-corpus.ts). Not a test: it prints JSON lines and a table, and appends to
 * bench/results/app-surface-latency.jsonl; it exits non-zero if any call was not answered 200.
 *
 *   node --import tsx bench/app-surface-latency.ts [--manifest FILE | --records 10000000 --accounts 50000 --seed 1]
 *     [--rounds 200] [--warmup 20] [--viewers 1] [--subscriptions 20] [--drafts 10] [--methods a,b] [--src DIR]
 *
 * - The server is `magpie serve` in a child process (from `--src DIR`, default this checkout),
 *   over the corpus's prefix, every setting at its default (Magpie's settings in this process's
 *   environment reach it, e.g. DISCOVERY_CACHE_MS=0) except the per-account rate limits, which
 *   are off: one account asking every method every round would spend its minute's budget of
 *   expensive calls in seconds. Index templates are applied first (`applySetup`, as ingest does),
 *   so a corpus loaded before the private-state indices existed gets them.
 * - Viewers: `--viewers` accounts of the corpus (the planted timeline viewer, following 1,000
 *   accounts, then the notification viewer, the prolific author, …: app-mix-people.ts), taking
 *   turns by round; the membership dialogs are asked as the accounts owning the most lists and
 *   starter packs, about a member of one of them. Each has a key of its own in a loopback PLC;
 *   every request carries its own service JWT (aud = the service, lxm = the method), minted
 *   before the request's clock starts.
 * - State first, through the API, timed: per viewer, push registrations, `--subscriptions`
 *   activity subscriptions (to accounts it follows), `--drafts` drafts created then updated.
 *   Afterwards, also timed, all of it is removed again; so are the two standard.site records
 *   written for getEmbedExternalView (the corpus has none). Procedures wait for their write to be
 *   searchable (refresh=wait_for), so their latency includes up to a refresh interval (1 s); a
 *   random pause of up to 1 s before each keeps them from falling in step with the refreshes.
 * - Reads: `--warmup` rounds, then `--rounds` measured; each round calls every method once, one
 *   request at a time over a keep-alive connection, the order rotated by one each round so that
 *   no method always follows the same one. Latency is request sent → last byte read. Server CPU
 *   per request is the server process's CPU time (/proc, 10 ms ticks) read around each request,
 *   averaged; OpenSearch's likewise when its process is on this machine (everything the node did
 *   meanwhile, other clients' work included).
 * - Every method's first answer is checked against its lexicon and summarized (the length of
 *   each list it holds), so an empty answer — trends on a corpus that ended weeks ago — shows.
 * OpenSearch: OPENSEARCH_URL, else http://127.0.0.1:9200.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { lexicons } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { atprotoDidDocument } from '#devnet/static-plc.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { choosePeople, corpusOptions, readCorpusManifest } from './app-mix-people.js'
import { freePort, magpieEnv, startChild, waitHealthy, type Child } from './app-mix-children.js'
import { followedBy, listOwner, plantStandardSite, starterPackOwner, starterPackWords, type PlantedSite } from './app-surface-material.js'
import { startIdentityServices } from './identity-services.js'
import { opensearchPid, processCpuMs, processTree } from './machine-stats.js'
import { latencyStats, send } from './read-latency-client.js'
import { resultsEmitter } from './results-file.js'

const { values: args } = parseArgs({
  options: {
    ...corpusOptions({ records: '10000000', accounts: '50000', seed: '1' }),
    rounds: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    viewers: { type: 'string', default: '1' },
    subscriptions: { type: 'string', default: '20' },
    drafts: { type: 'string', default: '10' },
    methods: { type: 'string' },
    src: { type: 'string' },
  },
})

const OPENSEARCH_URL = process.env.OPENSEARCH_URL || 'http://127.0.0.1:9200'
const SERVICE_DID = 'did:web:surface.magpie.test'
const PUSH_DEVICES = 5
const src = path.resolve(args.src ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'))
const run = randomBytes(3).toString('hex')
const emit = resultsEmitter('app-surface-latency', run)
const note = (line: string): void => void process.stderr.write(`${line}\n`)
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d

// The corpus and what to ask about ------------------------------------------------------------------
const { prefix, planted } = readCorpusManifest({ manifest: args.manifest, records: Number(args.records), accounts: Number(args.accounts), seed: Number(args.seed) })
const client = createOpenSearchClient(OPENSEARCH_URL)
const log = createLogger('warn', 'magpie-bench')
const setup = await applySetup(client, prefix, log)
const changed = setup.templates.filter((t) => t.action !== 'unchanged').map((t) => t.name)
if (changed.length) note(`templates applied: ${changed.join(', ')}`)
const docs = Number(((await client.count({ index: `${prefix}*` })).body as { count: number }).count)
const viewers = await choosePeople(client, prefix, planted, Number(args.viewers))
const [lists, packs, words] = await Promise.all([listOwner(client, prefix), starterPackOwner(client, prefix), starterPackWords(client, prefix, 10)])
note(`corpus ${prefix}*: ${docs.toLocaleString('en')} documents; ${viewers.length} viewer(s); list owner ${lists.did} (${lists.owns} lists), starter pack owner ${packs.did} (${packs.owns} packs); words ${words.join(' ')}`)

// Who signs the requests -----------------------------------------------------------------------------
interface Person {
  did: string
  handle: string
  key: Secp256k1Keypair
}
const people: Person[] = []
for (const p of [...viewers, lists, packs]) {
  if (!people.some((q) => q.did === p.did)) people.push({ did: p.did, handle: p.handle, key: await Secp256k1Keypair.create() })
}
const person = (did: string): Person => people.find((p) => p.did === did)!
const identity = await startIdentityServices(
  Object.fromEntries(people.map((p) => [p.did, atprotoDidDocument(p.did, { handle: p.handle, signingKeyMultibase: p.key.did().replace('did:key:', ''), pds: 'https://pds.readbench.example' })])),
)

// The methods -----------------------------------------------------------------------------------------
type Params = Record<string, string | string[]>
interface Read {
  nsid: string
  /** Whose request: a viewer (by round), or an account the method needs. */
  as: 'viewer' | 'list owner' | 'pack owner'
  params(round: number): Params
}
const ALL_READS: Read[] = [
  { nsid: 'app.bsky.unspecced.getConfig', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedUsers', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedUsersForDiscover', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedUsersForExplore', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedUsersForSeeMore', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedOnboardingUsers', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedStarterPacks', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getOnboardingSuggestedStarterPacks', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getSuggestedFeeds', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getTrends', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.unspecced.getTaggedSuggestions', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.graph.getListsWithMembership', as: 'list owner', params: () => ({ actor: lists.member, limit: '50' }) },
  { nsid: 'app.bsky.graph.getStarterPacksWithMembership', as: 'pack owner', params: () => ({ actor: packs.member, limit: '50' }) },
  { nsid: 'app.bsky.graph.searchStarterPacks', as: 'viewer', params: (r) => ({ q: words[r % words.length]!, limit: '25' }) },
  { nsid: 'app.bsky.graph.searchStarterPacksV2', as: 'viewer', params: (r) => ({ q: words[r % words.length]!, limit: '25' }) },
  { nsid: 'app.bsky.notification.listActivitySubscriptions', as: 'viewer', params: () => ({ limit: '50' }) },
  { nsid: 'app.bsky.draft.getDrafts', as: 'viewer', params: () => ({ limit: '50' }) },
  { nsid: 'app.bsky.ageassurance.getConfig', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.ageassurance.getState', as: 'viewer', params: () => ({ countryCode: 'US' }) },
  { nsid: 'app.bsky.unspecced.getAgeAssuranceState', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.contact.getSyncStatus', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.contact.getMatches', as: 'viewer', params: () => ({}) },
  { nsid: 'app.bsky.embed.getEmbedExternalView', as: 'viewer', params: () => ({ url: site!.url, uris: site!.uris }) },
]
const reads = args.methods ? ALL_READS.filter((m) => args.methods!.split(',').some((part) => m.nsid.endsWith(part))) : ALL_READS
if (reads.length === 0) throw new Error(`--methods ${args.methods} names none of ${ALL_READS.map((m) => m.nsid).join(', ')}`)

// Calling them ----------------------------------------------------------------------------------------
interface Tally {
  nsid: string
  type: 'query' | 'procedure'
  as: string
  ms: number[]
  serverCpuMs: number
  opensearchCpuMs: number
  bytes: number
  statuses: Record<string, number>
  firstError?: string
  answer?: Record<string, unknown>
}
const tallies = new Map<string, Tally>()
const tally = (label: string, nsid: string, type: Tally['type'], as: string): Tally => {
  let t = tallies.get(label)
  if (!t) tallies.set(label, (t = { nsid, type, as, ms: [], serverCpuMs: 0, opensearchCpuMs: 0, bytes: 0, statuses: {} }))
  return t
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
let base: URL
let serverPids: number[] = []
const osPid = await opensearchPid(client).catch(() => undefined)
const osReadable = osPid !== undefined && processCpuMs(osPid) !== undefined
const serverCpu = (): number => serverPids.reduce((n, pid) => n + (processCpuMs(pid) ?? 0), 0)
const osCpu = (): number => (osReadable ? processCpuMs(osPid!) ?? 0 : 0)

const query = (params: Params): string => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one)
  return q.size ? `?${q}` : ''
}

/**
 * One call as `who`, counted under `label` (none: not counted; `refusable`: a 400 is an answer by
 * design, not counted). Returns the parsed answer, undefined when not 200.
 */
async function call(who: Person, nsid: string, opts: { params?: Params; input?: unknown; label?: string; as?: string; refusable?: boolean }): Promise<any> {
  // A write waits for the refresh that makes it searchable (1 s apart): one sent right after the
  // last returned would wait a whole interval every time, where a person's arrives at any moment.
  if (opts.label && opts.input !== undefined) await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000))
  const token = await createServiceJwt({ iss: who.did, aud: SERVICE_DID, lxm: nsid, keypair: who.key })
  const req = { path: `/xrpc/${nsid}${query(opts.params ?? {})}`, token, body: opts.input }
  const cpu0 = serverCpu()
  const os0 = osCpu()
  const t0 = performance.now()
  let status = 0
  let body: Buffer = Buffer.alloc(0)
  try {
    ;({ status, body } = await send(agent, base, req))
  } catch (err) {
    body = Buffer.from(String(err))
  }
  const ms = performance.now() - t0
  const cpu = serverCpu() - cpu0
  const os = osCpu() - os0
  const text = body.toString('utf8')
  if (opts.label && !(opts.refusable && status === 400)) {
    const t = tally(opts.label, nsid, opts.input === undefined ? 'query' : 'procedure', opts.as ?? 'viewer')
    t.ms.push(ms)
    t.serverCpuMs += cpu
    t.opensearchCpuMs += os
    t.bytes += body.length
    t.statuses[status] = (t.statuses[status] ?? 0) + 1
    if (status !== 200 && !t.firstError) t.firstError = `${status} ${req.path.slice(0, 200)} → ${text.slice(0, 300)}`
    if (status === 200 && !t.answer) t.answer = describe(nsid, text)
  }
  if (status !== 200) return undefined
  return text ? JSON.parse(text) : {}
}

/** The first answer: lexicon-valid or not, and how long each list in it is. */
function describe(nsid: string, text: string): Record<string, unknown> {
  const body = text ? JSON.parse(text) : {}
  const out: Record<string, unknown> = {}
  try {
    lexicons.assertValidXrpcOutput(nsid, body)
  } catch (err) {
    out.invalid = String(err).slice(0, 300)
  }
  const lists = (v: unknown, at: string): void => {
    if (Array.isArray(v)) out[at] = v.length
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (at.split('.').length < 2) lists(x, at ? `${at}.${k}` : k)
  }
  lists(body, '')
  if (Object.keys(out).length === 0) out.keys = Object.keys(body)
  return out
}

// State the reads list, made and removed through the API --------------------------------------------
const draftIds = new Map<string, string[]>()
const subscribed = new Map<string, string[]>()
const push = (i: number) => ({ serviceDid: SERVICE_DID, token: `surface-bench-device-${i}`, platform: 'web', appId: 'xyz.blueskyweb.app' })
const draft = (text: string) => ({ posts: [{ text }], langs: ['en'] })

/** What an earlier run that stopped half-way left (untimed): its drafts and subscriptions. */
async function clearLeftovers(p: Person): Promise<void> {
  const drafts = await call(p, 'app.bsky.draft.getDrafts', { params: { limit: '100' } })
  for (const d of drafts?.drafts ?? []) await call(p, 'app.bsky.draft.deleteDraft', { input: { id: d.id } })
  const subs = await call(p, 'app.bsky.notification.listActivitySubscriptions', { params: { limit: '100' } })
  for (const s of subs?.subscriptions ?? []) await call(p, 'app.bsky.notification.putActivitySubscription', { input: { subject: s.did, activitySubscription: { post: false, reply: false } } })
}

async function makeState(p: Person): Promise<void> {
  for (let i = 0; i < PUSH_DEVICES; i++) await call(p, 'app.bsky.notification.registerPush', { input: push(i), label: 'app.bsky.notification.registerPush' })
  const subjects: string[] = []
  const label = 'app.bsky.notification.putActivitySubscription (subscribe)'
  for (const subject of await followedBy(client, prefix, p.did, Number(args.subscriptions) * 3)) {
    if (subjects.length >= Number(args.subscriptions)) break
    // An account whose declaration refuses this viewer is answered 400 by design: not counted, the next one is tried.
    if (await call(p, 'app.bsky.notification.putActivitySubscription', { input: { subject, activitySubscription: { post: true, reply: false } }, label, refusable: true })) subjects.push(subject)
  }
  subscribed.set(p.did, subjects)
  if (subjects.length < Number(args.subscriptions)) note(`${p.did}: ${subjects.length} activity subscriptions (of the accounts it follows, only so many allow one)`)
  const ids: string[] = []
  for (let i = 0; i < Number(args.drafts); i++) {
    const made = await call(p, 'app.bsky.draft.createDraft', { input: { draft: draft(`draft ${i} of the surface benchmark`) }, label: 'app.bsky.draft.createDraft' })
    if (made?.id) ids.push(made.id)
  }
  for (const id of ids) await call(p, 'app.bsky.draft.updateDraft', { input: { draft: { id, draft: draft(`draft ${id}, revised`) } }, label: 'app.bsky.draft.updateDraft' })
  draftIds.set(p.did, ids)
}

async function removeState(p: Person): Promise<void> {
  for (const id of draftIds.get(p.did) ?? []) await call(p, 'app.bsky.draft.deleteDraft', { input: { id }, label: 'app.bsky.draft.deleteDraft' })
  for (const subject of subscribed.get(p.did) ?? [])
    await call(p, 'app.bsky.notification.putActivitySubscription', { input: { subject, activitySubscription: { post: false, reply: false } }, label: 'app.bsky.notification.putActivitySubscription (unsubscribe)' })
  for (let i = 0; i < PUSH_DEVICES; i++) await call(p, 'app.bsky.notification.unregisterPush', { input: push(i), label: 'app.bsky.notification.unregisterPush' })
}

// The run ---------------------------------------------------------------------------------------------
const port = await freePort()
base = new URL(`http://127.0.0.1:${port}`)
const env = { ...magpieEnv({ opensearchUrl: OPENSEARCH_URL, prefix, identity, serviceDid: SERVICE_DID, port }), RATE_LIMIT_ACCOUNT_PER_MIN: '0', RATE_LIMIT_ACCOUNT_EXPENSIVE_PER_MIN: '0' }
const viewerPeople = viewers.map((v) => person(v.did))
const rounds = Number(args.rounds)
const warmup = Number(args.warmup)
let server: Child | undefined
let site: PlantedSite | undefined
let seconds = 0
try {
  site = await plantStandardSite(client, prefix, planted.timelineViewer.did)
  server = startChild({ name: 'server', src, args: ['serve'], env, log: note })
  await waitHealthy(`${base.origin}/_health`, server)
  serverPids = processTree(server.pid)
  note(`server pid ${server.pid} at ${base.origin}, code from ${src}; OpenSearch CPU ${osReadable ? `from /proc/${osPid}` : 'not readable here (not reported)'}`)
  emit({ part: 'setup', prefix, docs, src, viewers: viewers.map((v) => v.did), listOwner: lists, starterPackOwner: packs, words, rounds, warmup, methods: reads.length })
  for (const p of viewerPeople) await clearLeftovers(p)
  for (const p of viewerPeople) await makeState(p)
  note(`state made, per viewer: ${PUSH_DEVICES} push registrations, ${[...subscribed.values()].map((s) => s.length).join('/')} activity subscriptions, ${[...draftIds.values()].map((d) => d.length).join('/')} drafts`)
  const t0 = performance.now()
  for (let r = 0; r < warmup + rounds; r++) {
    const viewer = viewerPeople[r % viewerPeople.length]!
    for (let i = 0; i < reads.length; i++) {
      // Rotated by one each round: no method always runs right after the same other.
      const m = reads[(i + r) % reads.length]!
      const who = m.as === 'list owner' ? person(lists.did) : m.as === 'pack owner' ? person(packs.did) : viewer
      await call(who, m.nsid, { params: m.params(r), label: r >= warmup ? m.nsid : undefined, as: m.as })
    }
    if (server.exited()) throw new Error('the server exited')
    if ((r + 1) % Math.max(1, Math.floor((warmup + rounds) / 10)) === 0) note(`round ${r + 1} of ${warmup + rounds}, ${round((performance.now() - t0) / 1000, 0)} s`)
  }
  seconds = (performance.now() - t0) / 1000
} finally {
  for (const p of viewerPeople) await removeState(p).catch((err) => note(`removing ${p.did}'s drafts, subscriptions and push registrations: ${String(err)}`))
  await site?.remove().catch((err) => note(`removing the standard.site records: ${String(err)}`))
  await server?.stop()
  await identity.close()
  agent.destroy()
}

// What it found ---------------------------------------------------------------------------------------
const order = (t: Tally): number => (t.type === 'query' ? ALL_READS.findIndex((m) => m.nsid === t.nsid) : ALL_READS.length)
const rows = [...tallies.entries()]
  .sort(([, a], [, b]) => order(a) - order(b))
  .map(([label, t]) => {
    const n = t.ms.length
    const errors = n - (t.statuses[200] ?? 0)
    return {
      part: 'method',
      method: label,
      type: t.type,
      as: t.as,
      ...latencyStats(t.ms),
      errors,
      statuses: t.statuses,
      ...(t.firstError ? { firstError: t.firstError } : {}),
      serverCpuMsPerRequest: round(t.serverCpuMs / n, 2),
      opensearchCpuMsPerRequest: osReadable ? round(t.opensearchCpuMs / n, 2) : null,
      kbPerAnswer: round(t.bytes / n / 1024, 2),
      answer: t.answer,
    }
  })
for (const row of rows) emit(row)
emit({ part: 'summary', seconds: round(seconds, 0), requests: rows.reduce((n, r) => n + r.n, 0), errors: rows.reduce((n, r) => n + r.errors, 0) })
printTable()

const failed = rows.filter((r) => r.errors > 0 || r.answer?.invalid)
const empty = rows.filter((r) => r.answer && Object.values(r.answer).every((v) => v === 0))
if (empty.length) note(`empty answers (the figure is of the empty path): ${empty.map((r) => r.method).join(', ')}`)
if (failed.length) {
  note(`NOT ANSWERED 200 (or not lexicon-valid): ${failed.map((r) => `${r.method}: ${r.errors} errors, ${r.firstError ?? r.answer?.invalid}`).join('; ')}`)
  process.exitCode = 1
}
await client.close()

function printTable(): void {
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(1))
  out('')
  out(`app.bsky methods of issue 19 on ${prefix}* (${docs.toLocaleString('en')} docs), 1 client, ${rounds} rounds after ${warmup} warm-up, ${round(seconds, 0)} s; run ${run}`)
  out('')
  out('| method | as | n | p50 ms | p99 ms | mean ms | errors | server CPU ms | OpenSearch CPU ms | answer |')
  out('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const r of rows) {
    // Lists by length; an answer without lists by its fields (`{}`: none, as procedures without output answer).
    const answer = Object.entries(r.answer ?? {}).map(([k, v]) => (k === 'keys' ? `{${(v as string[]).join(', ')}}` : `${k} ${String(v)}`)).join(', ')
    out(`| ${r.method.replace(/^app\.bsky\./, '')} | ${r.as} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.mean)} | ${r.errors} | ${f(r.serverCpuMsPerRequest)} | ${f(r.opensearchCpuMsPerRequest)} | ${answer} |`)
  }
}
