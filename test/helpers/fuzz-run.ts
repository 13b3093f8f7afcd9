import type { Lexicons } from '@atproto/lexicon'
import { makeRng } from '#devnet/rng.js'
import type { XrpcMethod } from '#/api/xrpc/method.js'
import type { FuzzTokens } from './fuzz-tokens.js'
import { casesFor, describeCase, queryString, type FuzzCase, type FuzzWorld } from './xrpc-fuzz.js'

/**
 * Sends fuzz cases to a Magpie server and judges each answer by what any caller may rely on:
 * no 5xx but a 503 that says the server is overloaded, every error an XRPC JSON body
 * `{error, message}`, every 200 what the lexicon says it is, and no refused token ever served.
 */

export interface FuzzAnswer {
  status: number
  contentType: string
  text: string
}

export interface Finding {
  case: string
  status: number
  problem: string
  body: string
}

export interface FuzzTarget {
  base: string
  methods: readonly XrpcMethod[]
  lexicons: Lexicons
  world: FuzzWorld
  tokens: FuzzTokens
}

export interface FuzzRun {
  seed: number
  /** Cases per method, each method's stream drawn from its own PRNG (seed + method index). */
  casesPerMethod: number
  /** Requests in flight at once. */
  concurrency?: number
  /** Stop early (the bench's clock). */
  signal?: AbortSignal
  /** A request not answered by then is a finding (a hang is a defect too). Default 30 s. */
  requestTimeoutMs?: number
}

export interface FuzzReport {
  cases: number
  byStatus: Record<number, number>
  findings: Finding[]
  ms: number
}

export async function sendCase(base: string, c: FuzzCase, authorization: string | undefined, timeoutMs = 30_000): Promise<FuzzAnswer> {
  const headers: Record<string, string> = {}
  if (authorization !== undefined) headers.authorization = authorization
  if (c.body?.contentType) headers['content-type'] = c.body.contentType
  const query = queryString(c)
  const res = await fetch(`${base}/xrpc/${c.nsid}${query ? `?${query}` : ''}`, {
    method: c.httpMethod,
    headers,
    ...(c.body && c.httpMethod !== 'GET' ? { body: c.body.text } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  })
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() }
}

/** What is wrong with an answer, or undefined when it is one a caller may rely on. */
export function judge(method: XrpcMethod, c: FuzzCase, answer: FuzzAnswer, target: FuzzTarget): string | undefined {
  const { status, contentType, text } = answer
  if (status === 200) {
    if (target.tokens.mustRefuse(c.auth, method)) return `token "${c.auth}" was accepted`
    // A procedure without output answers an empty 200.
    if (text === '') return undefined
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return 'a 200 whose body is not JSON'
    }
    try {
      target.lexicons.assertValidXrpcOutput(c.nsid, body)
    } catch (err) {
      return `a 200 that is not the lexicon's output: ${(err as Error).message}`
    }
    return undefined
  }
  if (!/^application\/json\b/.test(contentType)) return `a ${status} that is not JSON (content-type "${contentType}")`
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return `a ${status} whose body is not JSON`
  }
  const keys = body && typeof body === 'object' ? Object.keys(body).sort().join(',') : typeof body
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown }
  if (keys !== 'error,message' || typeof error !== 'string' || typeof message !== 'string') return `an error body that is not {error, message}`
  // Overload is answered 503 asking the client to retry; nothing else may be a server error.
  if (status >= 500 && !(status === 503 && error === 'ServiceUnavailable')) return `a ${status} server error`
  // Parameters are checked before the token (as @atproto/xrpc-server does), so a refused token
  // with a parameter Magpie bounds more tightly than the lexicon may be a 400 InvalidRequest: not
  // served either way.
  const paramsRefused = status === 400 && error === 'InvalidRequest'
  if (c.strategy === 'auth' && target.tokens.mustRefuse(c.auth, method) && status !== 401 && !paramsRefused) return `token "${c.auth}" answered ${status}, not 401`
  if (status < 400) return `an error body with status ${status}`
  return undefined
}

/** Every method's cases, `concurrency` at a time; findings name the case that produced them. */
export async function runFuzz(target: FuzzTarget, run: FuzzRun): Promise<FuzzReport> {
  const started = performance.now()
  const report: FuzzReport = { cases: 0, byStatus: {}, findings: [], ms: 0 }
  // Drawn lazily, round robin over the methods: a slow method does not hold up the rest,
  // concurrent calls mix methods, and a long run never holds its cases in memory.
  const streams = target.methods.map((method, i) => ({ method, cases: casesFor(method, target.lexicons, target.world, makeRng(run.seed + i), run.casesPerMethod) }))
  let turn = 0
  const take = (): { method: XrpcMethod; c: FuzzCase } | undefined => {
    for (let tried = 0; tried < streams.length; tried++) {
      const stream = streams[turn++ % streams.length]!
      const next = stream.cases.next()
      if (!next.done) return { method: stream.method, c: next.value }
    }
    return undefined
  }
  const worker = async () => {
    for (let item = take(); item && !run.signal?.aborted; item = take()) {
      const { method, c } = item
      let problem: string | undefined
      let answer: FuzzAnswer = { status: 0, contentType: '', text: '' }
      try {
        answer = await sendCase(target.base, c, await target.tokens.header(c.auth, c.nsid), run.requestTimeoutMs)
        problem = judge(method, c, answer, target)
      } catch (err) {
        problem = `no answer: ${(err as Error).message}${(err as Error).cause ? ` (${String((err as Error).cause)})` : ''}`
      }
      report.cases++
      report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1
      if (problem) report.findings.push({ case: describeCase(c), status: answer.status, problem, body: answer.text.slice(0, 300) })
    }
  }
  await Promise.all(Array.from({ length: run.concurrency ?? 4 }, worker))
  report.ms = Math.round(performance.now() - started)
  return report
}
