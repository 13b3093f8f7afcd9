import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { lexicons as atprotoLexicons } from '@atproto/api'
import { Lexicons, type LexiconDoc } from '@atproto/lexicon'
import type { Rng } from '#devnet/rng.js'
import type { XrpcMethod } from '#/api/xrpc/method.js'
import { badFormatted, garbageCursor, hostileText, oversized, WORDS } from './fuzz-inputs.js'
import type { AuthVariant } from './fuzz-tokens.js'

/**
 * Requests for the XRPC fuzz, generated from each served method's lexicon: its parameters'
 * types, formats and limits (and a procedure's input schema) say what is valid, and every case
 * bends one thing — a boundary, a type, a size, search syntax, a cursor, an identifier, a
 * parameter name, the encoding, the HTTP method, the body or the token. Shared by
 * test/integration/fuzz.test.ts and bench/fuzz.ts.
 */

/** Real values the index holds, so valid cases reach the read path instead of stopping at "not found". */
export interface FuzzWorld {
  dids: string[]
  handles: string[]
  /** URIs and CIDs of records, by collection. */
  records: { uri: string; cid: string }[]
}

export type Strategy =
  | 'valid'
  | 'boundary'
  | 'wrongType'
  | 'oversized'
  | 'hostileText'
  | 'cursor'
  | 'identifier'
  | 'paramNames'
  | 'encoding'
  | 'httpMethod'
  | 'auth'
  | 'body'

export interface FuzzCase {
  nsid: string
  strategy: Strategy
  httpMethod: string
  /** Query parameters in order (a name may repeat). */
  params: [string, string][]
  /** A query string sent as is instead of `params` (bad percent-encoding and the like). */
  rawQuery?: string
  body?: { contentType?: string; text: string }
  auth: AuthVariant
}

interface LexParam {
  type: string
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  enum?: (string | number)[]
  knownValues?: string[]
  items?: LexParam
  ref?: string
  refs?: string[]
  properties?: Record<string, LexParam>
  required?: string[]
}

interface LexMethod {
  type: 'query' | 'procedure'
  parameters?: { properties: Record<string, LexParam>; required?: string[] }
  input?: { encoding: string; schema?: LexParam }
}

const MAGPIE_LEXICONS = join(import.meta.dirname, '../../lexicons')

/** atproto's lexicons plus Magpie's own (lexicons/), as one set: outputs refer across them. */
export function loadLexicons(): Lexicons {
  const docs: LexiconDoc[] = [...atprotoLexicons]
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.json')) docs.push(JSON.parse(readFileSync(path, 'utf8')) as LexiconDoc)
    }
  }
  walk(MAGPIE_LEXICONS)
  return new Lexicons(docs)
}

function methodDef(lex: Lexicons, nsid: string): LexMethod {
  const def = lex.getDef(nsid) as LexMethod | undefined
  if (!def || (def.type !== 'query' && def.type !== 'procedure')) throw new Error(`no lexicon for served method ${nsid}`)
  return def
}

const AUTH_VARIANTS: readonly AuthVariant[] = [
  'none', 'valid', 'random', 'malformed', 'notBearer', 'forged', 'expired', 'future', 'longLived', 'wrongAud', 'wrongLxm',
  'noLxm', 'tampered', 'algNone', 'labeler', 'accountAsLabeler', 'unknownIssuer', 'huge',
]

/** The cases for one method: `count` of them, every strategy that applies taking turns. */
export function* casesFor(method: XrpcMethod, lex: Lexicons, world: FuzzWorld, rng: Rng, count: number): Generator<FuzzCase> {
  const def = methodDef(lex, method.nsid)
  const gen = new CaseGen(method, def, lex, world, rng)
  const strategies = gen.strategies()
  for (let i = 0; i < count; i++) yield gen.make(strategies[i % strategies.length]!)
}

class CaseGen {
  private readonly props: [string, LexParam][]
  constructor(
    private readonly method: XrpcMethod,
    private readonly def: LexMethod,
    private readonly lex: Lexicons,
    private readonly world: FuzzWorld,
    private readonly rng: Rng,
  ) {
    this.props = Object.entries(def.parameters?.properties ?? {})
  }

  strategies(): Strategy[] {
    const all: Strategy[] = ['valid', 'auth', 'boundary', 'wrongType', 'oversized', 'hostileText', 'identifier', 'paramNames', 'encoding', 'httpMethod', 'auth']
    if (this.props.some(([name]) => name === 'cursor')) all.push('cursor', 'cursor')
    if (this.def.type === 'procedure') all.push('body', 'body', 'body')
    if (this.method.auth === 'required') all.push('auth')
    return all
  }

  make(strategy: Strategy): FuzzCase {
    const c: FuzzCase = {
      nsid: this.method.nsid,
      strategy,
      httpMethod: this.def.type === 'query' ? 'GET' : 'POST',
      params: this.validParams(),
      auth: this.method.auth === 'none' ? this.rng.pick(['none', 'valid', 'random'] as const) : 'valid',
    }
    if (this.def.type === 'procedure') c.body = { contentType: 'application/json', text: JSON.stringify(this.validBody()) }
    const rng = this.rng
    const target = this.props.length ? rng.pick(this.props) : undefined
    switch (strategy) {
      case 'valid':
        c.auth = this.method.auth === 'required' ? 'valid' : rng.pick(['none', 'valid'] as const)
        break
      case 'auth':
        c.auth = rng.pick(AUTH_VARIANTS)
        break
      case 'boundary':
        if (target) this.replace(c, target[0], this.boundary(target[1]))
        break
      case 'wrongType':
        if (target) this.replace(c, target[0], this.wrongType(target[1]))
        break
      case 'oversized':
        if (target) this.replace(c, target[0], this.oversizedValues(target[1]))
        break
      case 'hostileText': {
        const texts = this.props.filter(([, p]) => (p.type === 'string' || p.items?.type === 'string') && !(p.format ?? p.items?.format))
        const [name, p] = texts.length ? rng.pick(texts) : (target ?? ['q', { type: 'string' }])
        this.replace(c, name, p.type === 'array' ? Array.from({ length: rng.range(1, 5) }, () => hostileText(rng)) : [hostileText(rng)])
        break
      }
      case 'cursor':
        this.replace(c, 'cursor', [garbageCursor(rng)])
        break
      case 'identifier': {
        const formatted = this.props.filter(([, p]) => p.format ?? p.items?.format)
        const [name, p] = formatted.length ? rng.pick(formatted) : (target ?? ['actor', { type: 'string', format: 'at-identifier' }])
        const format = p.format ?? p.items?.format
        const bad = () => badFormatted(rng, format === 'at-identifier' ? rng.pick(['did', 'handle']) : format, this.known())
        this.replace(c, name, p.type === 'array' ? [...this.values(name, p).slice(0, 2), bad()] : [bad()])
        break
      }
      case 'paramNames':
        this.strangeNames(c)
        break
      case 'encoding':
        c.rawQuery = rng.pick([
          '%', '%zz', 'limit=%ff%fe', 'limit=%00', '&&&&', '=&=', 'q=%E0%A4%A', 'limit=1;2', '?'.repeat(100), `actor=${'%2F'.repeat(100)}`,
          'uris[]=x', 'uris[0]=x&uris[1]=y', 'a=1&a=2&a=3', '%5F%5Fproto%5F%5F=x', 'constructor[prototype][x]=1', '%C0%AF=x',
        ])
        break
      case 'httpMethod':
        c.httpMethod = rng.pick(this.def.type === 'query' ? ['POST', 'PUT', 'DELETE', 'PATCH'] : ['GET', 'PUT', 'DELETE', 'PATCH'])
        if (c.httpMethod === 'GET') delete c.body
        else if (!c.body && rng.chance(0.5)) c.body = { contentType: 'application/json', text: '{}' }
        break
      case 'body':
        c.body = this.badBody()
        break
    }
    return c
  }

  private known() {
    return { did: this.rng.pick(this.world.dids), uri: this.rng.pick(this.world.records).uri }
  }

  private replace(c: FuzzCase, name: string, values: string[]): void {
    c.params = [...c.params.filter(([n]) => n !== name), ...values.map((v): [string, string] => [name, v])]
  }

  /** Required parameters always, optional ones half the time, every one a value the lexicon allows. */
  private validParams(): [string, string][] {
    const required = new Set(this.def.parameters?.required ?? [])
    const out: [string, string][] = []
    for (const [name, p] of this.props) {
      if (!required.has(name) && (name === 'cursor' || this.rng.chance(0.5))) continue
      for (const v of this.values(name, p)) out.push([name, v])
    }
    // getRecord and its kin: repo, collection and rkey of one real record.
    const names = new Set(out.map(([n]) => n))
    if (names.has('repo') && names.has('collection') && names.has('rkey')) {
      const [, , repo, collection, rkey] = this.rng.pick(this.world.records).uri.split('/')
      return out.map(([n, v]) => [n, n === 'repo' ? repo! : n === 'collection' ? collection! : n === 'rkey' ? rkey! : v])
    }
    return out
  }

  private values(name: string, p: LexParam): string[] {
    if (p.type === 'array') {
      const n = this.rng.range(p.minLength ?? 1, Math.min(p.maxLength ?? 5, 5))
      return Array.from({ length: n }, () => this.scalar(name, p.items ?? { type: 'string' }))
    }
    return [this.scalar(name, p)]
  }

  private scalar(name: string, p: LexParam): string {
    const rng = this.rng
    if (p.enum?.length) return String(rng.pick(p.enum))
    if (p.type === 'boolean') return rng.pick(['true', 'false'])
    if (p.type === 'integer') return String(rng.range(p.minimum ?? 0, Math.min(p.maximum ?? 100, (p.minimum ?? 0) + 100)))
    if (p.knownValues?.length) return rng.pick(p.knownValues)
    if (p.format) return this.formatted(name, p.format)
    if (/since|until/i.test(name)) return rng.pick(['2024-01-01', new Date(Date.now() - 86_400_000).toISOString()])
    if (/domain/i.test(name)) return 'example.com'
    if (/^(q|term|query)$/.test(name)) return Array.from({ length: rng.range(1, 3) }, () => rng.pick(WORDS)).join(' ')
    return rng.pick(WORDS)
  }

  private formatted(name: string, format: string): string {
    const rng = this.rng
    const record = (collection?: string) => {
      const of = this.world.records.filter((r) => !collection || r.uri.includes(`/${collection}/`))
      return rng.pick(of.length ? of : this.world.records)
    }
    switch (format) {
      case 'did': return rng.pick(this.world.dids)
      case 'handle': return rng.pick(this.world.handles)
      case 'at-identifier': return rng.chance(0.5) ? rng.pick(this.world.dids) : rng.pick(this.world.handles)
      case 'at-uri': {
        const collection = /list/i.test(name) ? 'app.bsky.graph.list' : /feed/i.test(name) ? 'app.bsky.feed.generator'
          : /starterPack/i.test(name) ? 'app.bsky.graph.starterpack' : 'app.bsky.feed.post'
        return record(collection).uri
      }
      case 'cid': return record().cid
      case 'datetime': return new Date(Date.now() - rng.int(86_400_000)).toISOString()
      case 'language': return rng.pick(['en', 'ja', 'pt-BR', 'de'])
      case 'nsid': return 'app.bsky.feed.post'
      case 'record-key': return record().uri.split('/').pop()!
      case 'uri': return rng.pick(['https://example.com/a', 'https://magpie.test/'])
      case 'tid': return '3jzfcijpj2z2a'
      default: return rng.pick(WORDS)
    }
  }

  /** Limits and their neighbours: min−1, min, max, max+1, empty, one item too many. */
  private boundary(p: LexParam): string[] {
    const rng = this.rng
    if (p.type === 'integer') {
      const points = [0, -1, 1, 2 ** 31, 2 ** 53 + 2]
      if (p.minimum !== undefined) points.push(p.minimum - 1, p.minimum)
      if (p.maximum !== undefined) points.push(p.maximum, p.maximum + 1)
      return [String(rng.pick(points))]
    }
    if (p.type === 'array') {
      const max = p.maxLength ?? 100
      const n = rng.pick([0, 1, max, max + 1])
      return Array.from({ length: n }, () => this.scalar('', p.items ?? { type: 'string' }))
    }
    if (p.type === 'string') {
      const lengths = [0, 1]
      if (p.maxLength !== undefined) lengths.push(p.maxLength, p.maxLength + 1)
      return [rng.pick(['a', 'é', '🦜']).repeat(rng.pick(lengths))]
    }
    return ['']
  }

  private wrongType(p: LexParam): string[] {
    const rng = this.rng
    const junk = ['abc', '1.5', '1e3', ' 1', '0x10', '', '9'.repeat(400), '-0', 'true', 'null', '[]', '{}', 'NaN', '١٢', '1 OR 1=1']
    if (p.type === 'array') return rng.chance(0.5) ? [rng.pick(junk)] : Array.from({ length: 3 }, () => rng.pick(junk))
    // Twice for a scalar: which one wins must not matter.
    return rng.chance(0.2) ? [rng.pick(junk), rng.pick(junk)] : [rng.pick(junk)]
  }

  /** Strings of thousands of characters (some past a URL's limit) and lists of thousands of items. */
  private oversizedValues(p: LexParam): string[] {
    const rng = this.rng
    if (p.type === 'array') {
      const n = rng.pick([(p.maxLength ?? 100) + 1, 101, 500, 2000, 5000])
      const item = rng.chance(0.5) ? this.scalar('', p.items ?? { type: 'string' }) : 'a'
      return Array.from({ length: n }, () => item)
    }
    return [oversized(rng, rng.pick([1001, 2001, 5000, 12_000, 100_000]))]
  }

  private strangeNames(c: FuzzCase): void {
    const rng = this.rng
    const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '', 'a[b]', 'x'.repeat(500)]
    if (rng.chance(0.2)) {
      for (let i = 0; i < 200; i++) c.params.push([`p${i}`, 'x'])
    } else {
      for (let i = rng.range(1, 3); i > 0; i--) c.params.push([rng.pick(names), rng.pick(['x', '1', '', '__proto__'])])
    }
  }

  private validBody(): Record<string, unknown> {
    const schema = this.def.input?.schema
    return schema ? (this.jsonValue(schema, 0) as Record<string, unknown>) : {}
  }

  /** A JSON value the schema accepts: every required field, optional ones half the time. */
  private jsonValue(p: LexParam, depth: number): unknown {
    const rng = this.rng
    switch (p.type) {
      case 'ref': {
        const target = this.lex.getDef(p.ref!.replace(/^lex:/, '')) as LexParam | undefined
        return target && depth < 4 ? this.jsonValue(target, depth + 1) : {}
      }
      case 'object': {
        const out: Record<string, unknown> = {}
        const required = new Set(p.required ?? [])
        for (const [name, prop] of Object.entries(p.properties ?? {})) {
          if (required.has(name) || rng.chance(0.5)) out[name] = this.jsonValue(prop, depth + 1)
        }
        return out
      }
      case 'boolean': return rng.chance(0.5)
      case 'integer': return Number(this.scalar('', p))
      case 'array': return Array.from({ length: rng.range(0, 3) }, () => this.jsonValue(p.items ?? { type: 'string' }, depth + 1))
      case 'string': return this.scalar('', p)
      default: return {}
    }
  }

  /** Not JSON, not labelled JSON, too big, too deep, fields of the wrong types, prototype keys. */
  private badBody(): FuzzCase['body'] {
    const rng = this.rng
    const valid = this.validBody()
    const field = rng.pick([...Object.keys(this.def.input?.schema?.properties ?? {}), 'extra'])
    switch (rng.int(6)) {
      case 0:
        return { contentType: 'application/json', text: rng.pick(['garbage', '{', '{"a":', 'null', '[]', '"str"', '1', 'true', '', '\u0000', '{"a":1}}', '\ufeff{}']) }
      case 1:
        return {
          contentType: rng.pick([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json; charset=utf-16', '*/*']),
          text: JSON.stringify(valid),
        }
      case 2: {
        // Past the 1 MiB body limit, or an array of thousands of items inside it.
        const big = rng.chance(0.5) ? 'a'.repeat(2 * 1024 * 1024) : Array.from({ length: 5000 }, () => 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')
        return { contentType: 'application/json', text: JSON.stringify({ ...valid, [field]: big }) }
      }
      case 3: {
        const depth = rng.pick([1000, 100_000])
        const nested = rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
        return { contentType: 'application/json', text: rng.chance(0.5) ? nested : `{"${field}":${nested}}` }
      }
      case 4: {
        const wrong = rng.pick<unknown>([0, -1, 1.5, null, true, {}, [], [valid], 'a'.repeat(100_000), hostileText(rng), '\ud800', { $type: 'x' }, 1e308])
        return { contentType: 'application/json', text: JSON.stringify({ ...valid, [field]: wrong }) }
      }
      default:
        return {
          contentType: 'application/json',
          text: rng.pick([
            `{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`,
            `{"constructor":{"prototype":{"polluted":1}},${JSON.stringify(valid).slice(1)}`,
            JSON.stringify(valid).replace(/^\{/, '{"__proto__":null,'),
          ]).replace(/,\}$/, '}'),
        }
    }
  }
}

/** One line naming the case: method, strategy, token, parameters and body (long values shortened). */
export function describeCase(c: FuzzCase): string {
  const short = (s: string) => (s.length > 80 ? `${JSON.stringify(s.slice(0, 40))}…(${s.length} chars)` : JSON.stringify(s))
  const params = c.rawQuery !== undefined ? `raw ?${short(c.rawQuery)}` : shortPairs(c.params, short)
  const body = c.body ? ` body(${c.body.contentType ?? 'no content-type'})=${short(c.body.text)}` : ''
  return `${c.httpMethod} ${c.nsid} [${c.strategy}, token ${c.auth}] params ${params}${body}`
}

function shortPairs(pairs: [string, string][], short: (s: string) => string): string {
  if (pairs.length <= 12) return `{${pairs.map(([k, v]) => `${short(k)}: ${short(v)}`).join(', ')}}`
  const counts = new Map<string, number>()
  for (const [k] of pairs) counts.set(k, (counts.get(k) ?? 0) + 1)
  const head = pairs.slice(0, 4).map(([k, v]) => `${short(k)}: ${short(v)}`)
  return `{${head.join(', ')}, … ${pairs.length} in all: ${[...counts].map(([k, n]) => `${short(k)}×${n}`).join(', ')}}`
}

/** The URL query string of a case. */
export function queryString(c: FuzzCase): string {
  if (c.rawQuery !== undefined) return c.rawQuery
  return c.params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
}
