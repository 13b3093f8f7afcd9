import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'
import { TEMPLATE_DIR } from '#/store/setup.js'

/**
 * Backups of one INDEX_PREFIX as OpenSearch snapshots: every index of the prefix (records, actors,
 * private state, aggregates, Magpie's own state), without the cluster's global state (templates
 * and policies come from the repo's files: setup writes them again after a restore).
 *
 * Cursors: a snapshot copies each shard as it stands when that shard's copy begins, so the state
 * index may be copied a moment after a records shard, holding a cursor past writes the copy of
 * that shard lacks. The cursors are therefore read *before* the snapshot starts and kept in its
 * metadata: everything they name was acknowledged before, so is in every shard's copy. A restore
 * puts those cursors back; ingest then replays from them, and replays are idempotent (records
 * carry their repo rev as an external version), so nothing is lost and nothing doubles.
 */

export interface SnapshotInfo {
  name: string
  state: string
  /** The INDEX_PREFIX it was taken of. */
  prefix: string
  startedAt: string
  indices: number
  /** State key → saved position, as of just before the snapshot began. */
  cursors: Record<string, unknown>
  failures: number
}

export interface RepositorySettings {
  /** The repository's name in the cluster. */
  name: string
  /**
   * Where a filesystem repository keeps its files, relative to the nodes' `path.repo` (or
   * absolute, within it). Used only when the cluster has no repository of that name yet: one
   * registered by an operator (S3, say) is used as it is.
   */
  location: string
}

/** The index families, one per template file. */
async function templateFamilies(): Promise<string[]> {
  return (await readdir(TEMPLATE_DIR)).filter((f) => f.endsWith('.json')).map((f) => path.basename(f, '.json'))
}

/** The prefix's indices, family by family (a prefix of "" must not mean every index of the cluster). */
async function indexPatterns(prefix: string): Promise<string[]> {
  return (await templateFamilies()).map((f) => `${prefix}${f}-*`)
}

/** Registers the filesystem repository unless one of that name exists. */
export async function ensureRepository(client: Client, repo: RepositorySettings): Promise<void> {
  const existing = await client.snapshot.getRepository({ repository: repo.name }, { ignore: [404] })
  if (existing.statusCode === 200) return
  try {
    await client.snapshot.createRepository({ repository: repo.name, body: { type: 'fs', settings: { location: repo.location, compress: true } } })
  } catch (err) {
    const reason = (err as { meta?: { body?: { error?: { reason?: string } } } }).meta?.body?.error?.reason ?? String(err)
    throw new Error(
      `could not register the filesystem snapshot repository "${repo.name}" at ${repo.location}: ${reason}. ` +
        'Every node needs path.repo naming a directory they all share (scripts/opensearch sets it), or register a repository yourself (S3: see docs/OPERATIONS.md) and set SNAPSHOT_REPOSITORY to its name.',
    )
  }
}

/** The saved cursors of the prefix (state documents of a `*cursor` kind). */
async function readCursors(client: Client, prefix: string): Promise<Record<string, unknown>> {
  const res = await client.search(
    { index: singleIndex(prefix, 'state'), body: { size: 1000, query: { wildcard: { kind: '*cursor' } } } },
    { ignore: [404] },
  )
  const out: Record<string, unknown> = {}
  for (const hit of ((res.body as any)?.hits?.hits ?? []) as { _id: string; _source: { kind: string; value: unknown } }[]) {
    out[hit._id] = { kind: hit._source.kind, value: hit._source.value }
  }
  return out
}

/** `magpie-2026.12.06-03.10.05.123`: sortable, lower-case, unique to the millisecond. */
export function snapshotName(prefix: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '.').replace('T', '-').replace('Z', '').toLowerCase()
  return `${prefix.replace(/[-_.]+$/, '') || 'magpie'}-${stamp}`
}

export async function createSnapshot(client: Client, prefix: string, repo: RepositorySettings, name = snapshotName(prefix)): Promise<SnapshotInfo> {
  await ensureRepository(client, repo)
  const cursors = await readCursors(client, prefix)
  const res = await client.snapshot.create({
    repository: repo.name,
    snapshot: name,
    wait_for_completion: true,
    body: {
      indices: (await indexPatterns(prefix)).join(','),
      ignore_unavailable: true,
      include_global_state: false,
      metadata: { magpie: { prefix, cursors, takenAt: new Date().toISOString() } },
    },
  })
  const info = toInfo((res.body as any).snapshot)
  if (info.state !== 'SUCCESS') throw new Error(`snapshot ${name} ended ${info.state} with ${info.failures} shard failures`)
  return info
}

function toInfo(s: any): SnapshotInfo {
  const meta = s.metadata?.magpie ?? {}
  return {
    name: s.snapshot,
    state: s.state,
    prefix: meta.prefix ?? '',
    startedAt: s.start_time,
    indices: (s.indices ?? []).length,
    cursors: meta.cursors ?? {},
    failures: (s.shards?.failed ?? s.failures?.length ?? 0) as number,
  }
}

/** Magpie's snapshots in the repository, oldest first; only those of `prefix` unless it is undefined. */
export async function listSnapshots(client: Client, repo: RepositorySettings, prefix?: string): Promise<SnapshotInfo[]> {
  await ensureRepository(client, repo)
  const res = await client.snapshot.get({ repository: repo.name, snapshot: '_all' })
  return (((res.body as any).snapshots ?? []) as any[])
    .filter((s) => s.metadata?.magpie)
    .map(toInfo)
    .filter((s) => prefix === undefined || s.prefix === prefix)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.name.localeCompare(b.name))
}

export interface RestoreOptions {
  /** A snapshot by name; default: the newest successful one taken of `fromPrefix`. */
  name?: string
  /** Whose snapshot (default: the target prefix's own). */
  fromPrefix?: string
  /** Delete the target prefix's indices first (otherwise a prefix that has any is refused). */
  replace?: boolean
}

export interface RestoreReport {
  snapshot: SnapshotInfo
  indices: string[]
  cursors: Record<string, unknown>
}

/**
 * Restores a snapshot into `prefix` (renaming its indices when it was taken of another prefix),
 * gives the restored indices their read aliases, and puts back the cursors it holds. The caller
 * runs setup afterwards for templates and the indices nothing had written yet.
 */
export async function restoreSnapshot(client: Client, prefix: string, repo: RepositorySettings, opts: RestoreOptions = {}): Promise<RestoreReport> {
  const from = opts.fromPrefix ?? prefix
  const all = await listSnapshots(client, repo, opts.name ? undefined : from)
  const snapshot = opts.name ? all.find((s) => s.name === opts.name) : all.filter((s) => s.state === 'SUCCESS').at(-1)
  if (!snapshot) {
    throw new Error(opts.name ? `no snapshot named ${opts.name} in repository ${repo.name}` : `no successful snapshot of prefix "${from}" in repository ${repo.name}`)
  }
  const patterns = await indexPatterns(prefix)
  const existing = await client.indices.get({ index: patterns.join(','), allow_no_indices: true, ignore_unavailable: true } as any)
  const present = Object.keys((existing.body as object) ?? {})
  if (present.length > 0) {
    if (!opts.replace) throw new Error(`prefix "${prefix}" already has ${present.length} indices (e.g. ${present[0]}): restore into a fresh prefix, or pass --replace to delete them first`)
    await client.indices.delete({ index: present.join(',') })
  }
  const escaped = snapshot.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  await client.snapshot.restore({
    repository: repo.name,
    snapshot: snapshot.name,
    wait_for_completion: true,
    body: {
      indices: (await indexPatterns(snapshot.prefix)).join(','),
      ignore_unavailable: true,
      include_global_state: false,
      // Aliases carry the snapshot's prefix; the target's are added below.
      include_aliases: false,
      rename_pattern: `^${escaped}(.*)$`,
      rename_replacement: `${prefix}$1`,
    },
  })
  const restored = Object.keys(((await client.indices.get({ index: patterns.join(','), allow_no_indices: true } as any)).body as object) ?? {})
  await addReadAliases(client, prefix, restored)
  await client.cluster.health({ index: restored.join(','), wait_for_status: 'yellow', timeout: '60s' })
  // The cursors as of before the snapshot began (see the comment at the top).
  const body: unknown[] = []
  for (const [key, { kind, value }] of Object.entries(snapshot.cursors as Record<string, { kind: string; value: unknown }>)) {
    body.push({ index: { _index: singleIndex(prefix, 'state'), _id: key } }, { kind, value, updatedAt: new Date().toISOString() })
  }
  if (body.length > 0) {
    const res = await client.bulk({ body: body as any, refresh: true })
    if ((res.body as any).errors) throw new Error(`putting back the snapshot's cursors failed: ${JSON.stringify((res.body as any).items?.[0])}`)
  }
  return { snapshot, indices: restored.sort(), cursors: snapshot.cursors }
}

/** Each index `<prefix><family>-<partition>` is read through `<prefix><family>`, as its template would have made it. */
async function addReadAliases(client: Client, prefix: string, indices: string[]): Promise<void> {
  const families = await templateFamilies()
  const actions: unknown[] = []
  for (const index of indices) {
    const family = families.filter((f) => index.startsWith(`${prefix}${f}-`)).sort((a, b) => b.length - a.length)[0]
    if (family) actions.push({ add: { index, alias: `${prefix}${family}` } })
  }
  if (actions.length > 0) await client.indices.updateAliases({ body: { actions: actions as any } })
}
