import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Client } from '@opensearch-project/opensearch'
import { startServer } from '#/cli/commands/serve.js'
import type { Config } from '#/config/env.js'
import { startReferenceNetwork, type ReferenceNetwork } from '#devnet/reference-network.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { labelCursorKey } from '#/ingest/labels/label-subscriber.js'
import { startLabelIngest } from '#/ingest/labels/start.js'
import { LivePriority } from '#/ingest/live-priority.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { singleIndex } from '#/indexing/route.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { StateStore, cursorKey } from '#/store/state.js'
import { addToWorld } from '#/world/admin.js'
import { readStoredWorld } from '#/world/world-status.js'
import { liveIngestReached } from '../helpers/caught-up.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'
import { methods } from '#/api/index.js'
import { CASES, NOT_COMPARED, type Params, type ParityCase } from '../parity/cases.js'
import { RULES, diffLines, normalizeAnswer, type Answer, type Normalized } from '../parity/normalize.js'
import { seedScenario, type Account, type AccountName, type PrivateAction, type Scenario } from '../parity/scenario.js'
import { ask, errorMessage, errorName, procedure, tokenCache, type AppView } from '../parity/xrpc.js'

/**
 * Parity with Bluesky's reference AppView (@atproto/bsky on PostgreSQL). One dev-env network;
 * the reference indexes its PDS live while test/parity/scenario.ts seeds it. Magpie answers the
 * same cases (test/parity/cases.ts) in three modes, each on its own index prefix and server:
 * - live: ingesting the PDS firehose while the scenario is written (from cursor 0, so it also
 *   sees the accounts TestNetwork.create made before seeding, as the reference did);
 * - cursor0: a fresh instance replaying the finished history from cursor 0;
 * - backfill: a fresh instance joining once the content is written, as `magpie up` does: repos
 *   backfilled from the PDS (listRepos/getRepo) beside live ingest from that moment, racing the
 *   scenario's deletions; the handle change, deactivation and takedown come after the backfill
 *   (the records of an account deactivated before any fetch are unknowable to a newcomer);
 * - world: joining as backfill does, as `magpie up` does with a small world set: a world naming
 *   every account the PDS hosts is defined first, the running ingest backfills its members and
 *   `up`'s backfill of the world runs beside it, and every live event passes through the world's
 *   filter. The small-world machinery must change no answer when the world covers the scenario.
 * Private state (mutes) is sent to the live instance as the scenario makes it, and replayed on
 * the others once their ingest is done. Each instance has the network's Ozone as its moderation
 * service (MOD_SERVICE_DID, as the reference has it) and ingests its labels from the start.
 * Answers are compared after the normalization in test/parity/normalize.ts. A case whose method
 * Magpie does not register (501 MethodNotImplemented) is a TODO: counted, reported, not failing;
 * every other case must match. The summary line and .local/parity-report.json (every failure,
 * both answers, a readable diff) come at the end. PARITY_KEEP_INDICES=1 keeps Magpie's indices
 * (their prefixes are printed) to look into a failure afterwards.
 */

const SERVICE_DID = 'did:web:magpie.test'
const MODES = ['live', 'cursor0', 'backfill', 'world'] as const
type Mode = (typeof MODES)[number]
const REPORT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../.local/parity-report.json')

interface Instance {
  prefix: string
  base: string
  server: Server
  /** How this instance answered each private action (mutes) sent to it. */
  privateActions: { viewer: AccountName; nsid: string; status: number; error?: string }[]
}

type Outcome = 'pass' | 'fail' | 'unimplemented'
interface Result {
  mode: Mode
  case: string
  nsid: string
  viewer: AccountName | null
  outcome: Outcome
  /** Why a case counts as not implemented. */
  reason?: string
  params?: Params
  diff?: string[]
  reference?: Normalized
  magpie?: Normalized
  messages?: { reference?: string; magpie?: string }
}

const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
let net: ReferenceNetwork
let client: Client
let scenario: Scenario
/** The scenario's accounts, known before seeding ends (mutes are sent while it runs). */
let accounts: Record<AccountName, Account>
let refCdn: string
const instances = new Map<Mode, Instance | Error>()
const prefixes: string[] = []
const servers: Server[] = []
/** Ends the firehose consumers of the live and backfill modes. */
const stop = new AbortController()
const ingests: Promise<unknown>[] = []
/** Private actions as the scenario made them, replayed on instances that start later. */
const sentActions: PrivateAction[] = []
const results: Result[] = []

before(async () => {
  net = await startReferenceNetwork()
  withoutFailOpenTimeouts(net)
  client = testClient()
  const cfg = net.network.bsky.ctx.cfg
  // Magpie points image URLs at the same CDN base as the reference, so they compare as they are.
  refCdn = cfg.cdnUrl ?? `${cfg.publicUrl}/img`

  const live = await startInstance('live')
  instances.set('live', live.instance)
  consume(startLiveIngest(live.config, client, log, { service: net.firehoseUrl, cursor: 0, signal: stop.signal }))

  let late: { fetched: Promise<void>; joined: Promise<void> }[] = []
  scenario = await seedScenario(net, {
    async privateAction(action, seeded) {
      accounts = seeded
      const ref = await procedure(reference(), tokens, action)
      if (ref.status !== 200) throw new Error(`reference refused ${action.nsid}: ${JSON.stringify(ref.body)}`)
      sentActions.push(action)
      live.instance.privateActions.push(await privateOutcome(live.instance, action))
    },
    async contentWritten(seeded) {
      accounts = seeded
      late = [joinLate('backfill'), joinLate('world')]
    },
    async beforeAccountChanges() {
      await Promise.all(late.map((l) => l.fetched))
    },
  })
  accounts = scenario.accounts
  await caughtUp(live.instance.prefix)
  // The catch-up mode starts only now, on the finished history; the backfill mode finishes.
  await Promise.all([
    prepare('cursor0', async (config) => {
      await startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor: 0, exitWhenIdleSec: 3 })
    }),
    ...late.map((l) => l.joined),
  ])
})

after(async () => {
  await printSummary().catch((err) => console.log(`parity: could not write the report: ${String(err)}`))
  stop.abort()
  await Promise.allSettled(ingests)
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()))
  await net?.close()
  if (client) {
    if (process.env.PARITY_KEEP_INDICES) console.log(`parity: kept indices ${prefixes.map((p) => `${p}*`).join(' ')}`)
    else for (const prefix of prefixes) await dropPrefix(client, prefix)
    await client.close()
  }
})

for (const mode of MODES) {
  describe(`parity (${mode})`, () => {
    for (const c of CASES) {
      test(c.name, async (t) => {
        const instance = instances.get(mode)
        if (!instance) throw new Error(`Magpie (${mode}) did not start`)
        if (instance instanceof Error) throw instance
        const [theirs, ours] = await Promise.all([referenceAnswer(c), ask(magpie(instance), tokens, c, c.params(scenario))])
        const ref = normalizeAnswer(theirs)
        const mine = normalizeAnswer(ours)
        const base = { mode, case: c.name, nsid: c.nsid, viewer: c.viewer }
        const todo = (reason: string, extra: Partial<Result> = {}): never => {
          results.push({ ...base, outcome: 'unimplemented', reason, ...extra })
          t.todo(reason)
          // Fails as a TODO (reported, not failing the run); no stack: there is nothing to trace.
          const err = new Error(`Magpie: ${reason}`)
          err.stack = err.message
          throw err
        }
        if (ours.status === 501 && errorName(ours) === 'MethodNotImplemented') todo(`${c.nsid} not implemented`)
        const diff = diffLines(ref, mine)
        if (diff.length === 0) {
          results.push({ ...base, outcome: 'pass' })
          return
        }
        const details = { params: c.params(scenario), diff, reference: ref, magpie: mine, messages: { reference: errorMessage(theirs), magpie: errorMessage(ours) } }
        // Private state only shows in its owner's views: when Magpie refused to record some of
        // the viewer's (the method is not there yet), a difference here is that missing state.
        const refused = instance.privateActions.filter((a) => a.viewer === c.viewer && a.status === 501).map((a) => a.nsid)
        if (refused.length > 0) todo(`the viewer's ${[...new Set(refused)].join(', ')} not implemented`, details)
        results.push({ ...base, outcome: 'fail', ...details })
        assert.deepStrictEqual(mine, ref, `differs from the reference:\n  ${diff.slice(0, 15).join('\n  ')}`)
      })
    }
  })
}

// Two AppViews that both missed the labels would agree: make sure the moderation cases carry some.
test('the moderation cases compare labels and a takedown, not two empty answers', async () => {
  const c = CASES.find((x) => x.name === 'getPosts labelled and taken down by the moderation service as anonymous')
  assert.ok(c, 'the case exists')
  const { body } = (await referenceAnswer(c)) as { body: { posts: { uri: string; labels: { src: string; val: string }[] }[] } }
  const byUri = new Map(body.posts.map((p) => [p.uri, p.labels.map((l) => `${l.src === scenario.modServiceDid ? 'mod' : 'self'} ${l.val}`)]))
  assert.deepEqual(byUri.get(scenario.refs.m1!.uri), ['mod spam'])
  assert.deepEqual(byUri.get(scenario.refs.a5!.uri), ['mod nudity', 'self graphic-media'])
  assert.equal(byUri.has(scenario.refs.m2!.uri), false)
})

// A served method is compared (a case, or a private action whose effect the cases read) or its
// exclusion says why; an exclusion of a method that is compared after all is stale.
test('every app.bsky method Magpie serves is compared with the reference, or NOT_COMPARED says why', () => {
  const compared = new Set([...CASES.map((c) => c.nsid), ...scenario.privateActions.map((a) => a.nsid)])
  const served = methods.map((m) => m.nsid).filter((nsid) => nsid.startsWith('app.bsky.'))
  assert.deepEqual(served.filter((nsid) => !compared.has(nsid) && !(nsid in NOT_COMPARED)), [], 'served, never compared, no reason given')
  assert.deepEqual(Object.keys(NOT_COMPARED).filter((nsid) => compared.has(nsid) || !served.includes(nsid)), [], 'stale NOT_COMPARED entries')
})

/**
 * The reference gives some dataplane calls 100 ms and silently leaves their part out when they
 * take longer (known followers, known likers, activity subscriptions: "fail open"). On a busy
 * test machine that makes its answers depend on load, so those calls get no deadline here; what
 * they answer is unchanged.
 */
function withoutFailOpenTimeouts(reference: ReferenceNetwork): void {
  const dataplane = reference.network.bsky.ctx.dataplane as unknown as Record<string, (req: unknown, opts?: object) => Promise<unknown>>
  for (const name of ['getFollowsFollowing', 'getKnownLikers', 'getActivitySubscriptionsByActorAndSubjects']) {
    const call = dataplane[name]
    if (typeof call !== 'function') throw new Error(`the reference's dataplane has no ${name}: revisit withoutFailOpenTimeouts`)
    dataplane[name] = (req, opts) => call(req, { ...opts, signal: undefined })
  }
}

/** An index prefix with Magpie's templates and a read API serving it. */
async function startInstance(mode: Mode): Promise<{ instance: Instance; config: Config }> {
  const prefix = uniquePrefix(`parity-${mode}`)
  prefixes.push(prefix)
  await applySetup(client, prefix, log)
  const config = devnetConfig(net, prefix, {
    SERVICE_DID,
    PORT: '0',
    READ_CACHE_MS: '0',
    IMAGE_CDN_URL: refCdn,
    BULK_FLUSH_MS: '50',
    BACKFILL_THREADS: '1',
    MOD_SERVICE_DID: net.network.bsky.ctx.cfg.modServiceDid,
  })
  consume(startLabelIngest(config, client, log, { signal: stop.signal }))
  const server = await startServer(config, client, log)
  servers.push(server)
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { instance: { prefix, base, server, privateActions: [] }, config }
}

/** A catch-up mode: ingest the finished history, then replay the private actions (mutes). */
async function prepare(mode: Mode, ingest: (config: Config) => Promise<void>): Promise<void> {
  try {
    const { instance, config } = await startInstance(mode)
    await ingest(config)
    await labelsCaughtUp(instance.prefix)
    await replayPrivate(instance)
    await client.indices.refresh({ index: `${instance.prefix}*` })
    instances.set(mode, instance)
  } catch (err) {
    instances.set(mode, err instanceof Error ? err : new Error(String(err)))
  }
}

/**
 * The backfill and world modes, joining as `magpie up` does: live ingest from the PDS's current
 * head and a backfill of its repos side by side (sharing the live-priority gate), while the
 * scenario goes on with deletions. The world mode first defines a world of every account; its
 * ingest then backfills the members as it starts, and `up`'s backfill is of the world.
 * `fetched` settles when the backfills are done (the scenario then makes its account changes: a
 * repo deactivated before anyone fetched it is unknowable to a newcomer); `joined` when the
 * instance has caught up with everything.
 */
function joinLate(mode: 'backfill' | 'world'): { fetched: Promise<void>; joined: Promise<void> } {
  const fail = (err: unknown) => void instances.set(mode, err instanceof Error ? err : new Error(String(err)))
  const started = (async () => {
    const head = (await net.network.pds.ctx.sequencer.curr()) ?? 0
    const { instance, config } = await startInstance(mode)
    const members = mode === 'world' ? await defineWorldOfEveryAccount(config) : 0
    const priority = new LivePriority()
    consume(startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor: head, signal: stop.signal, priority }))
    await startBackfill(config, client, log, { hosts: [net.pdsUrl], tty: false, priority, signal: stop.signal, world: mode === 'world' })
    if (mode === 'world') {
      await eventually('the ingest backfilling the world\'s members', async () => ((await readStoredWorld(client, instance.prefix)).memberCount === members ? true : undefined), 60_000)
    }
    return instance
  })()
  const fetched = started.then(() => {}, fail)
  const joined = started.then(async (instance) => {
    await replayPrivate(instance)
    await caughtUp(instance.prefix)
    instances.set(mode, instance)
  }).catch(fail)
  return { fetched, joined }
}

/** A small world of every account the PDS hosts, named by DID as `magpie world add` takes them; answers how many. */
async function defineWorldOfEveryAccount(config: Config): Promise<number> {
  const res = await fetch(`${net.pdsUrl}/xrpc/com.atproto.sync.listRepos?limit=1000`)
  const { repos } = (await res.json()) as { repos: { did: string }[] }
  const resolver = identityResolverFromConfig(config, log)
  const safeFetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 10_000 })
  try {
    const selectorNet = { resolveHandle: (h: string) => resolver.resolveHandle(h), resolveDid: (d: string) => resolver.resolveDid(d), fetch: safeFetch }
    const added = await addToWorld(client, config.INDEX_PREFIX, selectorNet, repos.map((r) => r.did))
    if (!added.ok) throw new Error(`the world was refused: ${added.errors.join('; ')}`)
    return repos.length
  } finally {
    await resolver.close()
    await safeFetch.close()
  }
}

/** Private state is not on the firehose: an instance that starts late gets every action again. */
async function replayPrivate(instance: Instance): Promise<void> {
  for (const action of sentActions) instance.privateActions.push(await privateOutcome(instance, action))
}

/** A firehose or label consumer running until `stop`; its failure is logged (and shows up as wrong answers). */
function consume(ingest: Promise<unknown>): void {
  ingests.push(ingest.catch((err) => log.error({ err }, 'live ingest failed')))
}

/** Live ingest has acknowledged everything the PDS emitted and verified every identity. */
async function caughtUp(prefix: string): Promise<void> {
  await liveIngestReached(client, prefix, net.firehoseUrl, await net.network.pds.ctx.sequencer.curr())
  await eventually('Magpie verifying every identity', async () => {
    const res = await client.count({ index: singleIndex(prefix, 'actors'), body: { query: { term: { pendingIdentity: true } } } })
    return (res.body as { count: number }).count === 0 ? true : undefined
  }, 60_000)
  await labelsCaughtUp(prefix)
  await client.indices.refresh({ index: `${prefix}*` })
}

/** Label ingest has acknowledged every label the moderation service (Ozone) has made. */
async function labelsCaughtUp(prefix: string): Promise<void> {
  const last = await net.network.ozone.ctx.sequencer.curr()
  const key = labelCursorKey(net.network.bsky.ctx.cfg.modServiceDid)
  const state = new StateStore(client, prefix)
  await eventually('Magpie label ingest reaching the moderation service head', async () => {
    const saved = await state.get<{ seq: number }>(key)
    return (saved?.seq ?? 0) >= (last ?? 0) ? true : undefined
  }, 60_000)
}

const tokens = tokenCache((viewer, aud, lxm) => net.serviceAuthToken(accounts[viewer].agent, aud, lxm))
const reference = (): AppView => ({ base: net.bskyUrl, aud: net.bskyDid })
const magpie = (instance: Instance): AppView => ({ base: instance.base, aud: SERVICE_DID })

// The reference's state is final once seeding is done: each case is asked once, for all modes.
const referenceAnswers = new Map<string, Promise<Answer>>()
function referenceAnswer(c: ParityCase): Promise<Answer> {
  let answer = referenceAnswers.get(c.name)
  if (!answer) {
    answer = ask(reference(), tokens, c, c.params(scenario))
    referenceAnswers.set(c.name, answer)
  }
  return answer
}

async function privateOutcome(instance: Instance, action: PrivateAction): Promise<Instance['privateActions'][number]> {
  const res = await procedure(magpie(instance), tokens, action)
  return { viewer: action.viewer, nsid: action.nsid, status: res.status, ...(res.status !== 200 ? { error: errorName(res) } : {}) }
}

async function printSummary(): Promise<void> {
  if (results.length === 0) return
  const perMode = MODES.map((mode) => {
    const mine = results.filter((r) => r.mode === mode)
    const count = (o: Outcome) => mine.filter((r) => r.outcome === o).length
    const instance = instances.get(mode)
    return {
      mode,
      cases: CASES.length,
      answered: mine.length,
      pass: count('pass'),
      fail: count('fail'),
      unimplemented: count('unimplemented'),
      ratio: CASES.length ? count('pass') / CASES.length : 0,
      setupError: instance instanceof Error ? instance.message : undefined,
      privateActions: instance instanceof Error ? undefined : instance?.privateActions,
    }
  })
  const line = perMode.map((m) => `${m.mode} ${m.pass}/${m.cases} pass (${(m.ratio * 100).toFixed(1)}%)`).join(', ')
  console.log(`parity: ${line}`)
  for (const m of perMode) {
    console.log(`parity: ${m.mode}: ${m.pass} pass, ${m.fail} fail, ${m.unimplemented} not implemented` +
      `${m.setupError ? `, setup failed: ${m.setupError}` : ''}`)
  }
  const byMethod: Record<string, Record<Mode, Record<Outcome, number>>> = {}
  for (const r of results) {
    const counts = (byMethod[r.nsid] ??= Object.fromEntries(MODES.map((m) => [m, { pass: 0, fail: 0, unimplemented: 0 }])) as never)
    counts[r.mode][r.outcome]++
  }
  const notImplemented: Record<string, number> = {}
  for (const r of results) if (r.reason) notImplemented[r.reason] = (notImplemented[r.reason] ?? 0) + 1
  // Cases where the reference itself answers with an error: worth knowing when reading a pass.
  const referenceErrors: Record<string, string> = {}
  for (const c of CASES) {
    const answer = await referenceAnswers.get(c.name)?.catch(() => undefined)
    if (answer && answer.status !== 200) referenceErrors[c.name] = `${answer.status} ${errorName(answer) ?? ''}: ${errorMessage(answer) ?? ''}`
  }
  await mkdir(path.dirname(REPORT), { recursive: true })
  await writeFile(REPORT, JSON.stringify({
    generatedAt: new Date().toISOString(),
    normalization: RULES,
    modes: perMode,
    byMethod,
    notImplemented,
    failures: results.filter((r) => r.outcome === 'fail'),
    // Differences that wait on a private-state method (mutes) Magpie does not have yet.
    waitingOnPrivateState: results.filter((r) => r.outcome === 'unimplemented' && r.diff),
    referenceErrors,
  }, null, 2))
  console.log(`parity: report in ${path.relative(process.cwd(), REPORT)}`)
}
