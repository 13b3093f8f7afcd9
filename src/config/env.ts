import { z } from 'zod'
import { parseFamilyCounts, type FamilyCounts, type ShardLayoutConfig } from '#/config/shard-settings.js'

/**
 * Magpie's configuration, read from the environment and validated once at start.
 * Command-line flags override these (each command maps its flags onto the same names).
 */
const indexPrefix = z
  .string()
  .regex(/^([a-z0-9][a-z0-9_.-]*)?$/, 'lower-case letters, digits, "_", "-" and "." only (OpenSearch index names)')
  .max(40)

const wsUrl = z.string().url().refine((u) => /^wss?:\/\//.test(u), 'must be a ws:// or wss:// URL')
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')

const did = z.string().regex(/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/, 'must be a DID')

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

/** `N` or `family=N,…` (store/shard-layout.ts); `min` is the least a count may be. */
const familyCounts = (min: number) =>
  z.string().transform((v, ctx): FamilyCounts => {
    try {
      return parseFamilyCounts(v, min)
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message })
      return z.NEVER
    }
  })

export const configSchema = z.object({
  /** One node's URL, or several comma-separated (a cluster: requests spread over them, and a dead node is passed over). */
  OPENSEARCH_URL: z
    .string()
    .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(httpUrl).min(1))
    .transform((urls) => urls.join(','))
    .optional(),
  /** Shards per family's index (store/shard-layout.ts): `N`, or `family=N,…` with `partitioned=N` / `single=N`. Default: by the family's size and the data nodes. */
  INDEX_SHARDS: familyCounts(1).default(''),
  /** Replicas per family's index: `auto` (0 on one data node, 1 on more), `N`, or `family=N,…`. */
  INDEX_REPLICAS: z.union([z.literal('auto'), familyCounts(0)]).default('auto'),
  /** Copies of a shard that must be active before a write is done: `all` (every configured copy) or a number. */
  INDEX_WAIT_FOR_ACTIVE_SHARDS: z.string().regex(/^(all|[1-9]\d*)$/, 'must be "all" or a positive number').default('all'),
  INDEX_PREFIX: indexPrefix.default('magpie-'),
  RELAY_URL: wsUrl.default('wss://bsky.network'),
  PLC_URL: httpUrl.default('https://plc.directory'),
  /** An XRPC service answering com.atproto.identity.resolveHandle, tried when DNS/HTTPS give no answer. */
  HANDLE_RESOLVER_URL: httpUrl.optional(),
  /** How handles are verified, in order: DNS TXT, HTTPS well-known, the HANDLE_RESOLVER_URL service. */
  HANDLE_RESOLUTION: z
    .string()
    .default('dns,https,xrpc')
    .transform((v) => v.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['dns', 'https', 'xrpc'])).min(1)),
  /** Identity verifications (DID document + handle, both ways) in flight at once, beside ingest and backfill. */
  IDENTITY_CONCURRENCY: z.coerce.number().int().positive().max(1024).default(128),
  /** Budget of one identity lookup (a DID document, a handle by DNS, HTTPS or XRPC), in ms. */
  IDENTITY_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(5_000),
  REDIS_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(2584),
  HOST: z.string().default('127.0.0.1'),
  /** `ingest` and `backfill`: serve GET /metrics on this port (on HOST); 0 picks a free one, logged. Unset: no listener. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SERVICE_DID: z.string().regex(/^did:web:[a-zA-Z0-9.%:-]+$/, 'must be a did:web').optional(),
  /**
   * This AppView's own moderation service: its labels are always applied, and its `!takedown`
   * and `!suspend` labels hide what they name. Also subscribed to, like LABELER_DIDS.
   */
  MOD_SERVICE_DID: did.optional(),
  /**
   * Labeler services whose labels are ingested (com.atproto.label.subscribeLabels), comma-separated
   * DIDs; they are also the labelers applied when a request names none (atproto-accept-labelers).
   */
  /**
   * Trusted verifiers, comma-separated DIDs (default: none): only their app.bsky.graph.verification
   * records give profiles a `verification` state (the app's blue check), and they are shown as
   * verifiers themselves.
   */
  TRUSTED_VERIFIERS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(did)),
  LABELER_DIDS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(did)),
  /** Check each label's signature against its labeler's `#atproto_label` key; unsigned or badly signed labels are skipped. */
  VERIFY_LABELS: bool.default('true'),
  /** Where this service is reached from outside (its DID document's endpoints). Default: https://<SERVICE_DID host>, else http://HOST:PORT. */
  PUBLIC_URL: httpUrl.optional(),
  /**
   * The service's secp256k1 private key (64 hex digits): signs the tokens it sends feed generators,
   * published in its DID document. Unset: a new key on every start (fine for development only).
   */
  SERVICE_SIGNING_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (a secp256k1 private key)').optional(),
  /** How long a feed generator has to answer getFeedSkeleton, in ms. */
  FEEDGEN_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(5_000),
  /** How long a built-in feed's ranking (what's hot, more like what I liked) is reused, in ms; 0 disables. */
  FEED_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** Image CDN that avatar, banner and thumbnail URLs in views point at. */
  IMAGE_CDN_URL: httpUrl.default('https://cdn.bsky.app/img'),
  /** Video CDN that video playlist and thumbnail URLs in views point at. */
  VIDEO_CDN_URL: httpUrl.default('https://video.bsky.app/watch'),
  /** How long read-path aggregates (follower/post counts, follow lists) are reused, in ms; 0 disables. */
  READ_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /** Documents read by id that a server keeps in its own memory, in MiB of their JSON (dataplane/cached-reads.ts); 0 keeps none. */
  READ_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(256),
  /** Time between passes of the counts rollup that ingest, backfill and up run (src/aggregates/), in ms; 0 disables it. */
  ROLLUP_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Check every commit's signature and MST proof (a relay already does; see README). */
  VERIFY_COMMITS: bool.default('false'),
  /** Worker threads checking commits when VERIFY_COMMITS is on; 0 checks on the main thread. Default: one per core but one (at least one). */
  VERIFY_THREADS: z.coerce.number().int().min(0).optional(),
  /** Allow outbound fetches to loopback/private addresses (tests and the demo network only). */
  ALLOW_PRIVATE_NETWORK: bool.default('false'),
  BULK_FLUSH_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  BULK_FLUSH_MS: z.coerce.number().int().positive().default(250),
  BULK_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(2),
  /** Repos a backfill holds at once (fetching, parsing, writing). */
  BACKFILL_CONCURRENCY: z.coerce.number().int().positive().default(16),
  /** getRepo requests in flight per PDS: be a polite client of other people's servers. */
  BACKFILL_PER_HOST: z.coerce.number().int().positive().default(4),
  /** Worker threads parsing repos; 0 parses on the main thread. Default: one per core. */
  BACKFILL_THREADS: z.coerce.number().int().min(0).optional(),
  BACKFILL_MAX_REPO_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /** MST entries a repo may hold; a bigger repo is refused with a reason (README, "Limits on what a repo costs"). */
  BACKFILL_MAX_RECORDS: z.coerce.number().int().positive().default(1_000_000),
  /** Blocks a repo CAR may hold (records, MST nodes, the commit); more is refused before decoding. Default: 3 × BACKFILL_MAX_RECORDS. */
  BACKFILL_MAX_BLOCKS: z.coerce.number().int().positive().optional(),
  /** Heap of each parsing worker thread, in MB; a repo that needs more is refused. Default: half the RAM shared among the workers, 512–4096 each. */
  BACKFILL_WORKER_HEAP_MB: z.coerce.number().int().min(64).optional(),
  BACKFILL_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
  /** Attempts per repo within one run for transient failures (timeouts, 5xx, 429). */
  BACKFILL_MAX_ATTEMPTS: z.coerce.number().int().positive().default(4),
  /** How long discovery lists (trending topics, popular feeds, suggestions) are reused, in ms; 0 disables. */
  DISCOVERY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** Trending topics: the recent window, in minutes, compared against the background window. */
  TRENDING_WINDOW_MINUTES: z.coerce.number().int().positive().max(7 * 24 * 60).default(60),
  /** Trending topics: the background window, in hours; it should be well longer than the recent one. */
  TRENDING_BACKGROUND_HOURS: z.coerce.number().int().positive().max(90 * 24).default(7 * 24),
  /** Trending topics: the fewest distinct accounts posting a tag or word for it to trend. */
  TRENDING_MIN_AUTHORS: z.coerce.number().int().positive().default(3),
  /** How long one OpenSearch search of the read path may run, in ms (its HTTP request gets 1 s more); past it, a 503. 0: unbounded. */
  SEARCH_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  /** XRPC requests doing work at once; 0: no limit. Sized for two cores, where most of a request's time is spent waiting on OpenSearch. */
  MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(32),
  /** Requests waiting for a slot; more are answered 503 at once. */
  MAX_QUEUED: z.coerce.number().int().min(0).default(128),
  /** Longest a request waits for a slot, in ms, before a 503. */
  MAX_QUEUE_WAIT_MS: z.coerce.number().int().positive().max(60_000).default(2_000),
  /** Rate limits, in requests a minute (token buckets: a burst of that many, refilled over a minute); 0 turns one off. Anonymous callers, per address: */
  RATE_LIMIT_ANON_PER_MIN: z.coerce.number().int().min(0).default(300),
  /** …and their searches and aggregations (methods marked `expensive`). */
  RATE_LIMIT_ANON_EXPENSIVE_PER_MIN: z.coerce.number().int().min(0).default(30),
  /** Callers with a verified service token, per account (whatever the address: a PDS carries many accounts). */
  RATE_LIMIT_ACCOUNT_PER_MIN: z.coerce.number().int().min(0).default(3_000),
  RATE_LIMIT_ACCOUNT_EXPENSIVE_PER_MIN: z.coerce.number().int().min(0).default(300),
  /** Limit anonymous callers on loopback too (by default they are not: local tools, tests, or a proxy not in TRUSTED_PROXIES). */
  RATE_LIMIT_LOOPBACK: bool.default('false'),
  /** Addresses of reverse proxies whose X-Forwarded-For names the client, comma-separated; other peers' header is ignored. */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.string().ip())),
  /** Drafts an account may keep (app.bsky.draft.createDraft answers DraftLimitReached past it), as the reference AppView's default. */
  DRAFTS_LIMIT: z.coerce.number().int().positive().max(10_000).default(500),
  /**
   * Age assurance policy (README, "Age assurance"): a JSON array of app.bsky.ageassurance.defs#configRegion,
   * the regions where the app should apply age rules. Empty (the default): not required anywhere,
   * and every account is served as assured.
   */
  AGE_ASSURANCE_REGIONS: z
    .string()
    .default('[]')
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON array of age assurance regions' })
        return z.NEVER
      }
    })
    .pipe(z.array(z.record(z.unknown())).max(500)),
  /** The snapshot repository `magpie snapshot` uses; registered as a filesystem repository when the cluster lacks it (docs/OPERATIONS.md for S3). */
  SNAPSHOT_REPOSITORY: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, "_", "-", "."').default('magpie-snapshots'),
  /** Where that filesystem repository keeps its files: relative to the nodes' path.repo, or an absolute path within it. */
  SNAPSHOT_LOCATION: z.string().min(1).default('magpie'),
  /** Bearer token for the full /status (errors, private families, per-index figures); unset: only the public status. */
  MAGPIE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** How often a running ingest re-reads the small-world definition (`magpie world`), in ms. */
  WORLD_POLL_MS: z.coerce.number().int().positive().max(3_600_000).default(5_000),
})

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {}

/** Parse the environment (plus overrides); a bad value is a ConfigError naming the variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<keyof Config, string | undefined>> = {},
): Config {
  const merged: Record<string, string | undefined> = {}
  for (const key of Object.keys(configSchema.shape)) {
    const value = overrides[key as keyof Config] ?? env[key]
    // An empty variable means "unset", as shells make it easy to export one by accident.
    if (value !== undefined && value !== '') merged[key] = value
  }
  if (env.INDEX_PREFIX === '' && overrides.INDEX_PREFIX === undefined) merged.INDEX_PREFIX = ''
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}

/** How many shards and copies the indices get (applied by setup). */
export function shardLayout(config: Config): ShardLayoutConfig {
  return { shards: config.INDEX_SHARDS, replicas: config.INDEX_REPLICAS, waitForActiveShards: config.INDEX_WAIT_FOR_ACTIVE_SHARDS }
}

/** Every labeler Magpie ingests from and applies by default: LABELER_DIDS plus the moderation service. */
export function configuredLabelers(config: Config): string[] {
  return [...new Set([...(config.MOD_SERVICE_DID ? [config.MOD_SERVICE_DID] : []), ...config.LABELER_DIDS])]
}

/** The did:web this AppView answers as: SERVICE_DID, or one derived from the listening host. */
export function serviceDid(config: Config): string {
  if (config.SERVICE_DID) return config.SERVICE_DID
  const host = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST
  return `did:web:${encodeURIComponent(`${host}:${config.PORT}`)}`
}

/** The base URL the DID document names: PUBLIC_URL, else the SERVICE_DID's host over https, else the listening address. */
export function publicUrl(config: Config, port: number = config.PORT): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '')
  if (config.SERVICE_DID) return `https://${decodeURIComponent(config.SERVICE_DID.slice('did:web:'.length))}`
  return `http://${config.HOST}:${port}`
}
