// Bluesky's reference AppView (@atproto/bsky) on a local network: dev-env's
// TestNetwork (PLC + PDS + bsky AppView + bsync + Ozone) on a real Postgres,
// so the parity suite can send the same XRPC requests to it and to Magpie,
// with Magpie consuming the same PDS firehose.
//
// Facts worth knowing (checked against dev-env 0.6.7 / bsky 0.0.280):
// - TestNetwork needs a Postgres URL and a schema name; it derives three
//   schemas from it (appview_<s>, bsync_<s>, ozone_<s>) and migrates them.
//   Schema names must match /^[a-z_]+$/i (no digits: the bsky Database
//   constructor throws). The pg_trgm extension lands in `public`.
// - It asserts that REDIS_HOST is set, but nothing in the AppView, bsync or
//   Ozone connects to Redis; a placeholder is set during create when unset.
// - It starts a second, throwaway PDS that hosts the Ozone and lexicon
//   service profiles and closes it again; both PDSes put their sqlite files
//   and blobs in os.tmpdir(), so TMPDIR points into our data root meanwhile.
// - processAll() waits for the PDS queue, Ozone, the AppView's firehose
//   subscription (until its cursor reaches the PDS's last seq) and bsync.
// - The AppView accepts viewer JWTs with aud = its DID and lxm = the method:
//   serviceAuthToken() gets one from the viewer's PDS (60 s lifetime).
// - If TestNetwork.create fails halfway it leaks what it already started
//   (no handles are returned), which can keep the process alive; the
//   Postgres preflight below catches the usual cause first.
import { randomInt } from 'node:crypto'
import type { AtpAgent } from '@atproto/api'
import type { TestNetwork } from '@atproto/dev-env'
import {
  makeDataRoot,
  removeDataRoot,
  wrapDevNetwork,
  type DevAccount,
  type DevNetwork
} from './network.js'

export type ReferenceAccount = DevAccount & {
  /** The session's access token right after creation (the agent refreshes its own). */
  accessJwt: string
}

export type ReferenceNetworkOptions = {
  /** Default: MAGPIE_TEST_POSTGRES_URL, then DB_POSTGRES_URL. */
  postgresUrl?: string
  /** Base schema name, letters and `_` only; default a fresh random one. */
  schema?: string
  /** Keep the schemas after close(), to look at them with psql. */
  keepSchemas?: boolean
}

export type ReferenceNetwork = Omit<DevNetwork, 'raw' | 'createAccount' | 'processAll'> & {
  /** The dev-env TestNetwork (also as `raw`), for anything not wrapped here. */
  network: TestNetwork
  raw: TestNetwork
  /** http:// URL of the reference AppView's XRPC server. */
  bskyUrl: string
  /** The AppView's did:plc: the `aud` of viewer JWTs sent to it. */
  bskyDid: string
  postgresUrl: string
  /** The Postgres schemas this network owns (dropped on close). */
  schemas: string[]
  /** Wall time TestNetwork.create took. */
  startupMs: number
  /** Creates `<handle>.test` on the PDS (a full `.test` handle is kept as is). */
  createAccount(handle: string): Promise<ReferenceAccount>
  /** Waits until the AppView (and Ozone, bsync) has processed everything the PDS emitted. */
  processAll(timeoutMs?: number): Promise<void>
  /** A service-auth JWT minted by the viewer's PDS (com.atproto.server.getServiceAuth). */
  serviceAuthToken(viewer: AtpAgent, aud: string, lxm: string): Promise<string>
  /** `Authorization` header for calling `lxm` on the reference AppView as `viewer`. */
  bskyAuthHeaders(viewer: AtpAgent, lxm: string): Promise<{ authorization: string }>
  close(): Promise<void>
}

const SCHEMA_RE = /^[a-z_]+$/i

/** A schema name no other run uses: letters only, as bsky requires. */
export function uniqueSchemaName (prefix = 'magpie'): string {
  let suffix = ''
  for (let i = 0; i < 12; i++) suffix += String.fromCharCode(97 + randomInt(26))
  return `${prefix}_${suffix}`
}

export function referencePostgresUrl (opts: ReferenceNetworkOptions = {}): string {
  const url = opts.postgresUrl ?? process.env.MAGPIE_TEST_POSTGRES_URL ?? process.env.DB_POSTGRES_URL
  if (!url) {
    throw new Error('no Postgres for the reference AppView: run the tests through scripts/test, ' +
      'or start one with scripts/postgres start and set MAGPIE_TEST_POSTGRES_URL to the URL it prints')
  }
  return url
}

export async function startReferenceNetwork (opts: ReferenceNetworkOptions = {}): Promise<ReferenceNetwork> {
  const postgresUrl = referencePostgresUrl(opts)
  const schema = opts.schema ?? uniqueSchemaName()
  if (!SCHEMA_RE.test(schema)) throw new Error(`schema must be letters and _ only: ${schema}`)
  // The names dev-env derives in TestNetwork.create.
  const schemas = [`appview_${schema}`, `bsync_${schema}`, `ozone_${schema}`]

  // Loaded on demand, as in network.ts (~4 s of imports).
  const { Database, TestNetwork } = await import('@atproto/dev-env')
  await checkPostgres(Database, postgresUrl)
  const dropSchemas = async () => {
    if (opts.keepSchemas) return
    await withPool(Database, postgresUrl, async (pool) => {
      for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
    })
  }

  const dataRoot = await makeDataRoot('magpie-refnet-')
  const t0 = performance.now()
  let network: TestNetwork
  const restore = setEnv({ TMPDIR: dataRoot, REDIS_HOST: process.env.REDIS_HOST ?? 'unused.invalid:6379' })
  try {
    network = await TestNetwork.create({ dbPostgresUrl: postgresUrl, dbPostgresSchema: schema })
  } catch (err) {
    await dropSchemas().catch(() => {})
    await removeDataRoot(dataRoot)
    throw err
  } finally {
    restore()
  }
  const startupMs = performance.now() - t0

  const base = await wrapDevNetwork(network, dataRoot, dropSchemas)
  const bskyUrl = network.bsky.url
  const bskyDid = network.bsky.ctx.cfg.serverDid

  const serviceAuthToken = async (viewer: AtpAgent, aud: string, lxm: string): Promise<string> => {
    const res = await viewer.com.atproto.server.getServiceAuth({ aud, lxm })
    return res.data.token
  }

  return {
    ...base,
    network,
    raw: network,
    bskyUrl,
    bskyDid,
    postgresUrl,
    schemas,
    startupMs,
    async createAccount (handle) {
      const acct = await base.createAccount(handle)
      const accessJwt = acct.agent.session?.accessJwt
      if (!accessJwt) throw new Error(`no session after creating ${handle}`)
      return { ...acct, accessJwt }
    },
    async processAll (timeoutMs) {
      await network.processAll(timeoutMs)
    },
    serviceAuthToken,
    async bskyAuthHeaders (viewer, lxm) {
      return { authorization: `Bearer ${await serviceAuthToken(viewer, bskyDid, lxm)}` }
    }
  }
}

type DatabaseClass = typeof import('@atproto/dev-env').Database
type Pool = InstanceType<DatabaseClass>['pool']

async function withPool<T> (Database: DatabaseClass, url: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const db = new Database({ url, poolSize: 1 })
  try {
    return await fn(db.pool)
  } finally {
    // Not db.close(): Kysely ends the pool only if it ever ran a query itself,
    // and idle pg clients would keep the process alive for 10 s.
    await db.pool.end()
  }
}

// Fails fast with a useful message: a failure inside TestNetwork.create
// would leave its already-started servers running.
async function checkPostgres (Database: DatabaseClass, url: string): Promise<void> {
  try {
    await withPool(Database, url, (pool) => pool.query('SELECT 1'))
  } catch (err) {
    throw new Error(`Postgres at ${redact(url)} is not reachable (scripts/postgres start): ${String(err)}`, { cause: err })
  }
}

function redact (url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

// Sets environment variables until the returned function is called.
function setEnv (vars: Record<string, string>): () => void {
  const saved = Object.entries(vars).map(([k, v]) => {
    const old = process.env[k]
    process.env[k] = v
    return [k, old] as const
  })
  return () => {
    for (const [k, old] of saved) {
      if (old === undefined) delete process.env[k]
      else process.env[k] = old
    }
  }
}
