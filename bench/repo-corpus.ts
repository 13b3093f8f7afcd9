/**
 * The on-disk form of a generated repo corpus (see gen-repos.ts), shared by the generator, the
 * repo-host CLI and the backfill benchmark.
 *
 * A corpus is a directory .local/bench-cache/repos-<params-hash>/ (git-ignored):
 *   cars/<n>.car     one complete, signed v3 repo export per account (what getRepo returns)
 *   manifest.json    parameters, totals, and per repo: DID, handle, signing key, rev, head,
 *                    CAR file and record counts per collection
 * The manifest is written last, so a directory without one is an unfinished run.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { RepoSource } from '#devnet/repo-host.js'
import { CACHE_DIR } from './stream-cache.js'

/** Bump when the generator's output changes, so stale corpora are not reused. */
export const REPOS_GEN_VERSION = 1

export type BlockOrder = 'pds' | 'walk'

export interface RepoCorpusParams {
  /** Records across all repos (exact). */
  records: number
  /** Number of repos; unset: as many as the size distribution gives for `records`. */
  repos?: number
  seed: number
  /** Share of accounts with a P-256 signing key (the rest are secp256k1). */
  p256Share: number
  /**
   * Block order inside each CAR. 'pds': by CID (bytes, descending), like a PDS streaming a
   * repo from its block table, so the commit and MST nodes land anywhere among the records;
   * 'walk': commit, MST nodes layer by layer, then records, as @atproto/repo's getFullRepo
   * writes it.
   */
  blockOrder: BlockOrder
}

export interface CorpusRepo {
  did: string
  handle: string
  /** did:key of the repo's signing key. */
  signingKey: string
  rev: string
  /** CID of the signed commit. */
  head: string
  /** CAR path relative to the corpus directory. */
  file: string
  bytes: number
  records: number
  byCollection: Record<string, number>
}

export interface RepoCorpusManifest {
  version: number
  params: RepoCorpusParams
  generatedAt: string
  generationSec: number
  workers: number
  totals: {
    repos: number
    records: number
    carBytes: number
    /** MST nodes across all repos. */
    mstNodes: number
    byCollection: Record<string, number>
    /** Record documents per index base name (posts, likes, …), as Magpie routes them. */
    byIndex: Record<string, number>
    largestRepo: number
    medianRepo: number
  }
  /** Where read benchmarks can aim. */
  samples: {
    /** The most followed (and mentioned) accounts, most popular first. */
    popularAccounts: string[]
    /** The accounts following the most others (timeline viewers), most first. */
    busiestFollowers: string[]
    /** Posts that draw a large share of likes, reposts, replies and quotes. */
    viralPosts: string[]
  }
  repos: CorpusRepo[]
}

export const corpusOptions = {
  records: { type: 'string', default: '5000000' },
  repos: { type: 'string' },
  seed: { type: 'string', default: '1' },
  p256: { type: 'string', default: '0.1' },
  order: { type: 'string', default: 'pds' },
} as const

export function corpusParamsFrom (values: { records?: string, repos?: string, seed?: string, p256?: string, order?: string }): RepoCorpusParams {
  const blockOrder = values.order ?? 'pds'
  if (blockOrder !== 'pds' && blockOrder !== 'walk') throw new Error(`--order must be pds or walk, not ${blockOrder}`)
  const params: RepoCorpusParams = {
    records: Number(values.records ?? 5_000_000),
    seed: Number(values.seed ?? 1),
    p256Share: Number(values.p256 ?? 0.1),
    blockOrder,
  }
  if (values.repos !== undefined) params.repos = Number(values.repos)
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`--${k} must be a number`)
  }
  return params
}

export function corpusName (p: RepoCorpusParams): string {
  const canonical = JSON.stringify({ v: REPOS_GEN_VERSION, records: p.records, repos: p.repos ?? null, seed: p.seed, p256Share: p.p256Share, blockOrder: p.blockOrder })
  return `repos-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`
}

export function corpusDir (p: RepoCorpusParams, cacheDir = CACHE_DIR): string {
  return path.join(cacheDir, corpusName(p))
}

export function corpusExists (dir: string): boolean {
  return existsSync(path.join(dir, 'manifest.json'))
}

export function loadCorpusManifest (dir: string): RepoCorpusManifest {
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as RepoCorpusManifest
}

/** The corpus's repos in the form the repo host serves. */
export function corpusRepoSources (dir: string, manifest = loadCorpusManifest(dir)): RepoSource[] {
  return manifest.repos.map((r) => ({
    did: r.did,
    handle: r.handle,
    signingKey: r.signingKey,
    rev: r.rev,
    head: r.head,
    carPath: path.join(dir, r.file),
    carSize: r.bytes,
  }))
}
