// A local stand-in for the hosts a backfill talks to: a PDS/relay answering the sync reads
// (listRepos, getRepo, getRepoStatus, getLatestCommit) and a PLC directory whose DID documents
// point back at it. Repos come from CAR files (streamed, never held in memory) or bytes. Tests
// inject per-DID faults — error statuses, truncated or corrupted CARs, slow answers — and read
// back which requests arrived.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import { Secp256k1Keypair } from '@atproto/crypto'
import { isValidDid } from '@atproto/syntax'
import { findRecordCorruption, type CarCorruption, type CarSource } from '#devnet/repo-car-files.js'
import { answerDidDocumentRequest, atprotoDidDocument } from '#devnet/static-plc.js'
import { listenOn } from '#/server/listen.js'

export type AccountStatus = 'deactivated' | 'takendown' | 'suspended'

export interface RepoSource {
  did: string
  /** Rev of the repo's commit. */
  rev: string
  /** CID of the repo's signed commit. */
  head: string
  /** The CAR on disk (streamed on every request) … */
  carPath?: string
  /** … or in memory. */
  carBytes?: Uint8Array
  /** Size of `carPath` when the caller knows it (saves a stat). */
  carSize?: number
  /** did:key of the repo's signing key; unset: a placeholder, so signatures will not verify. */
  signingKey?: string
  handle?: string
  /** Hosting status, as listRepos and getRepo report it; unset: active. */
  status?: AccountStatus
  /** A DID document to serve instead of the generated one; null: the PLC answers 404. */
  didDoc?: unknown
}

export interface RepoFault {
  /** Answer getRepo with this HTTP status and an XRPC error body instead of the CAR. */
  status?: number
  /** XRPC error name for `status`; default from the status (429 RateLimitExceeded, …). */
  error?: string
  message?: string
  /** Retry-After header, in seconds. */
  retryAfter?: number
  /** Send only the first N bytes of the CAR. */
  truncateAt?: number
  /**
   * How a truncated answer ends. 'reset' (default): Content-Length promises the whole CAR and
   * the connection is destroyed after N bytes. 'clean': a chunked answer that ends normally.
   */
  truncateHow?: 'reset' | 'clean'
  /** Wait this long before answering. */
  delayMs?: number
  /** Flip a byte inside one record block, so its bytes no longer match its CID. */
  corruptBlock?: boolean
  /** Affect only this many requests, then clear (default: every request). */
  times?: number
}

export type RepoHostEndpoint = 'listRepos' | 'getRepo' | 'getRepoStatus' | 'getLatestCommit' | 'plc' | 'other'

export interface RepoHostRequest {
  endpoint: RepoHostEndpoint
  did?: string
  status: number
  /** Whether an injected fault shaped the answer. */
  faulted: boolean
  at: number
}

export interface RepoHostOptions {
  repos: RepoSource[]
  /** Port on 127.0.0.1; 0 or unset picks a free one. */
  port?: number
  /** Status for getRepo of an unknown DID: 400 (default, what the reference PDS sends) or 404. */
  notFoundStatus?: 400 | 404
  /**
   * listRepos gives a cursor on every non-empty page (default, as the reference PDS does), so a
   * client learns of the end from an empty page; false: only when more repos follow.
   */
  cursorOnLastPage?: boolean
  /** Keep a log of every request (default true). */
  logRequests?: boolean
}

export interface RepoHost {
  /** http://127.0.0.1:<port>: the PDS/relay URL and the PLC URL at once. */
  url: string
  port: number
  /** Sets, or with undefined clears, the fault for a DID's getRepo. */
  setFault(did: string, fault?: RepoFault): void
  /** Sets, or clears, a fault for every listRepos page. */
  setListFault(fault?: RepoFault): void
  /** Adds a repo or replaces the one with the same DID. */
  putRepo(repo: RepoSource): void
  removeRepo(did: string): void
  /** getRepo requests for a DID so far, whatever their outcome. */
  fetchCount(did: string): number
  /** getRepo requests per DID so far. */
  fetchCounts(): Map<string, number>
  /** Every request so far, in arrival order (empty when logRequests is false). */
  requests(): RepoHostRequest[]
  /** The block corruptBlock changes for a DID. */
  corruption(did: string): Promise<CarCorruption>
  close(): Promise<void>
}

const CAR_TYPE = 'application/vnd.ipld.car'
const DEFAULT_ERRORS: Record<number, string> = {
  400: 'InvalidRequest',
  401: 'AuthenticationRequired',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'PayloadTooLarge',
  429: 'RateLimitExceeded',
  500: 'InternalServerError',
  501: 'MethodNotImplemented',
  502: 'UpstreamFailure',
  503: 'NotEnoughResources',
  504: 'UpstreamTimeout'
}
const STATUS_ERRORS: Record<AccountStatus, string> = {
  deactivated: 'RepoDeactivated',
  takendown: 'RepoTakendown',
  suspended: 'RepoSuspended'
}

type RequestInfo = { endpoint: RepoHostEndpoint, did?: string, faulted: boolean }

class XrpcAnswer extends Error {
  constructor (readonly status: number, readonly error: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

export async function startRepoHost (opts: RepoHostOptions): Promise<RepoHost> {
  const repos = new Map<string, RepoSource>()
  let sortedDids: string[] | undefined
  const faults = new Map<string, RepoFault>()
  let listFault: RepoFault | undefined
  const fetches = new Map<string, number>()
  const log: RepoHostRequest[] = []
  const corruptions = new Map<string, Promise<CarCorruption>>()
  const placeholderKey = await placeholderSigningKey()
  const logRequests = opts.logRequests ?? true
  let url = ''

  const putRepo = (repo: RepoSource): void => {
    if (!repo.carPath && !repo.carBytes) throw new Error(`${repo.did}: a repo needs carPath or carBytes`)
    if (!repos.has(repo.did)) sortedDids = undefined
    // A copy: the host caches the file size in it.
    repos.set(repo.did, { ...repo })
    corruptions.delete(repo.did)
  }
  for (const repo of opts.repos) putRepo(repo)
  const dids = (): string[] => (sortedDids ??= [...repos.keys()].sort())

  const takeFault = (fault: RepoFault | undefined, clear: () => void): RepoFault | undefined => {
    if (!fault) return undefined
    if (fault.times !== undefined && --fault.times <= 0) clear()
    return fault
  }

  const corruption = (did: string): Promise<CarCorruption> => {
    const repo = repos.get(did)
    if (!repo) return Promise.reject(new Error(`unknown repo ${did}`))
    let found = corruptions.get(did)
    if (!found) {
      found = findRecordCorruption(carSource(repo))
      corruptions.set(did, found)
    }
    return found
  }

  function listRepos (params: URLSearchParams): unknown {
    const limit = intParam(params, 'limit', 500, 1, 1000)
    const cursor = params.get('cursor')
    let start = 0
    if (cursor !== null && cursor !== '') {
      const after = decodeCursor(cursor)
      start = upperBound(dids(), after)
    }
    const page = dids().slice(start, start + limit)
    const more = start + page.length < dids().length
    const body: { cursor?: string, repos: unknown[] } = {
      repos: page.map((did) => {
        const r = repos.get(did)!
        return r.status ? { did, head: r.head, rev: r.rev, active: false, status: r.status } : { did, head: r.head, rev: r.rev, active: true }
      })
    }
    if (page.length > 0 && (more || (opts.cursorOnLastPage ?? true))) body.cursor = encodeCursor(page[page.length - 1]!)
    return body
  }

  function knownRepo (params: URLSearchParams): RepoSource {
    const did = params.get('did')
    if (did === null || did === '') throw new XrpcAnswer(400, 'InvalidRequest', 'Error: Params must have the property "did"')
    if (!isValidDid(did)) throw new XrpcAnswer(400, 'InvalidRequest', `Error: did must be a valid did: ${did}`)
    const repo = repos.get(did)
    if (!repo) throw new XrpcAnswer(opts.notFoundStatus ?? 400, 'RepoNotFound', `Could not find repo for DID: ${did}`)
    return repo
  }

  async function getRepo (req: http.IncomingMessage, res: http.ServerResponse, repo: RepoSource, fault: RepoFault | undefined): Promise<void> {
    if (fault?.status !== undefined) throw faultAnswer(fault)
    if (repo.status) throw new XrpcAnswer(400, STATUS_ERRORS[repo.status], `Repo has been ${repo.status}: ${repo.did}`)
    const size = repo.carBytes?.byteLength ?? repo.carSize ?? (repo.carSize = (await stat(repo.carPath!)).size)
    const patch = fault?.corruptBlock ? await corruption(repo.did) : undefined
    const limit = fault?.truncateAt !== undefined ? Math.min(size, Math.max(0, fault.truncateAt)) : size
    const clean = fault?.truncateAt !== undefined && fault.truncateHow === 'clean'
    const headers: Record<string, string | number> = { 'content-type': CAR_TYPE }
    if (!clean) headers['content-length'] = size
    res.writeHead(200, headers)
    if (req.method === 'HEAD') return void res.end()
    if (!patch && limit === size && repo.carPath) {
      // The common case: straight from the file, no copy.
      await pipeline(createReadStream(repo.carPath, { highWaterMark: 256 * 1024 }), res)
      return
    }
    if (!patch && limit === size) return void res.end(repo.carBytes)
    const body = Readable.from(carChunks(repo, limit, patch))
    if (limit === size || clean) {
      await pipeline(body, res)
      return
    }
    // Truncated under a promised Content-Length: what a dropped connection looks like.
    await pipeline(body, res, { end: false })
    await new Promise<void>((resolve) => res.write('', () => resolve()))
    res.destroy()
  }

  async function handle (req: http.IncomingMessage, res: http.ServerResponse, info: RequestInfo): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://repo-host.invalid')
    if (!parsed.pathname.startsWith('/xrpc/')) {
      info.endpoint = 'plc'
      answerDidDocumentRequest(req, res, (did) => {
        info.did = did
        return didDocument(did)
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new XrpcAnswer(405, 'InvalidRequest', 'only GET is supported')
    const nsid = parsed.pathname.slice('/xrpc/'.length)
    const params = parsed.searchParams
    info.did = params.get('did') ?? undefined
    switch (nsid) {
      case 'com.atproto.sync.listRepos': {
        info.endpoint = 'listRepos'
        const fault = takeFault(listFault, () => { listFault = undefined })
        info.faulted = fault !== undefined
        if (fault?.delayMs) await sleep(fault.delayMs)
        if (fault?.status !== undefined) throw faultAnswer(fault)
        return sendJson(res, 200, listRepos(params))
      }
      case 'com.atproto.sync.getRepo': {
        info.endpoint = 'getRepo'
        if (info.did) fetches.set(info.did, (fetches.get(info.did) ?? 0) + 1)
        const repo = knownRepo(params)
        const fault = takeFault(faults.get(repo.did), () => faults.delete(repo.did))
        info.faulted = fault !== undefined
        if (fault?.delayMs) await sleep(fault.delayMs)
        if (res.destroyed) return
        return getRepo(req, res, repo, fault)
      }
      case 'com.atproto.sync.getRepoStatus': {
        info.endpoint = 'getRepoStatus'
        const repo = knownRepo(params)
        return sendJson(res, 200, repo.status ? { did: repo.did, active: false, status: repo.status } : { did: repo.did, active: true, rev: repo.rev })
      }
      case 'com.atproto.sync.getLatestCommit': {
        info.endpoint = 'getLatestCommit'
        const repo = knownRepo(params)
        if (repo.status) throw new XrpcAnswer(400, STATUS_ERRORS[repo.status], `Repo has been ${repo.status}: ${repo.did}`)
        return sendJson(res, 200, { cid: repo.head, rev: repo.rev })
      }
      default:
        throw new XrpcAnswer(501, 'MethodNotImplemented', `Method Not Implemented: ${nsid}`)
    }
  }

  function didDocument (did: string): unknown {
    const repo = repos.get(did)
    if (!repo || repo.didDoc === null) return undefined
    if (repo.didDoc !== undefined) return repo.didDoc
    const key = repo.signingKey ?? placeholderKey
    return atprotoDidDocument(did, { handle: repo.handle, signingKeyMultibase: key.replace(/^did:key:/, ''), pds: url })
  }

  const server = http.createServer((req, res) => {
    const info: RequestInfo = { endpoint: 'other', faulted: false }
    // Logged in arrival order: a streamed CAR may finish after a later, shorter answer.
    const entry: RepoHostRequest = { endpoint: 'other', status: 0, faulted: false, at: Date.now() }
    if (logRequests) log.push(entry)
    // Filled in as soon as the answer is sent, before the stream's own completion is noticed.
    res.once('finish', () => Object.assign(entry, { endpoint: info.endpoint, did: info.did, status: res.statusCode, faulted: info.faulted }))
    handle(req, res, info)
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy()
        if (err instanceof XrpcAnswer) return sendJson(res, err.status, { error: err.error, message: err.message }, err.headers)
        // A client that went away mid-stream is not an error of ours.
        if (isClientGone(err)) return
        sendJson(res, 500, { error: 'InternalServerError', message: err instanceof Error ? err.message : String(err) })
      })
      .finally(() => {
        Object.assign(entry, { endpoint: info.endpoint, did: info.did, status: res.statusCode, faulted: info.faulted })
      })
  })
  // Backfill clients keep connections open between repos.
  server.keepAliveTimeout = 60_000
  const port = await listenOn(server, opts.port ?? 0, '127.0.0.1')
  url = `http://127.0.0.1:${port}`

  return {
    url,
    port,
    setFault: (did, fault) => { if (fault) faults.set(did, { ...fault }); else faults.delete(did) },
    setListFault: (fault) => { listFault = fault ? { ...fault } : undefined },
    putRepo,
    removeRepo: (did) => {
      if (repos.delete(did)) sortedDids = undefined
      corruptions.delete(did)
    },
    fetchCount: (did) => fetches.get(did) ?? 0,
    fetchCounts: () => new Map(fetches),
    requests: () => [...log],
    corruption,
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

function carSource (repo: RepoSource): CarSource {
  return repo.carBytes ? { bytes: repo.carBytes } : { path: repo.carPath! }
}

/** The CAR's first `limit` bytes, with the corruption's byte swapped in. */
async function * carChunks (repo: RepoSource, limit: number, patch: CarCorruption | undefined): AsyncGenerator<Uint8Array> {
  const ranges: [number, number][] = patch && patch.offset < limit
    ? [[0, patch.offset], [patch.offset + 1, limit]]
    : [[0, limit]]
  for (const [i, [start, end]] of ranges.entries()) {
    if (i > 0) yield Uint8Array.of(patch!.byte)
    if (end <= start) continue
    if (repo.carBytes) yield repo.carBytes.subarray(start, end)
    else yield * createReadStream(repo.carPath!, { start, end: end - 1, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>
  }
}

function faultAnswer (fault: RepoFault): XrpcAnswer {
  const status = fault.status ?? 500
  const headers: Record<string, string> = {}
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
  const error = fault.error ?? DEFAULT_ERRORS[status] ?? 'InternalServerError'
  return new XrpcAnswer(status, error, fault.message ?? `injected fault: ${status} ${error}`, headers)
}

function sendJson (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

function intParam (params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name)
  if (raw === null || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new XrpcAnswer(400, 'InvalidRequest', `Error: ${name} must be an integer from ${min} to ${max}`)
  return n
}

// Opaque to clients; inside, the last DID of the previous page.
function encodeCursor (did: string): string {
  return Buffer.from(did, 'utf8').toString('base64url')
}

function decodeCursor (cursor: string): string {
  const did = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!isValidDid(did)) throw new XrpcAnswer(400, 'InvalidRequest', 'malformed cursor')
  return did
}

/** Index of the first element greater than `value` in a sorted array. */
function upperBound (sorted: string[], value: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

function isClientGone (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE'
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** A fixed, valid key for repos whose real signing key is unknown. */
async function placeholderSigningKey (): Promise<string> {
  const seed = createHash('sha256').update('magpie repo-host placeholder signing key').digest()
  return (await Secp256k1Keypair.import(seed)).did()
}
