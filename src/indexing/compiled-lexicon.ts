/**
 * Lexicon checks compiled once per definition. The generic validator (@atproto/lexicon)
 * interprets a definition for every value: it looks definitions up by URI, resolves union
 * refs, builds a result object per field and (for records) needs a deep copy of the record with
 * blobs turned into BlobRef instances. Here each definition becomes, once, a tree of small
 * closures that check exactly its shape on the value as decoded.
 *
 * A compiled check only ever *accepts*: true means the generic validator certainly accepts the
 * value; false means "not sure" — an invalid value, or a case not modelled here (a default that
 * fills a missing required field, a legacy `{cid, mimeType}` blob, a blob-shaped object where no
 * blob is expected, an unknown definition type). Callers then ask the generic validator, which
 * gives the verdict and its reason. Verdicts are therefore the generic validator's by
 * construction; the compiled path only makes the common, valid case cheap.
 */
import { BlobRef, type Lexicons } from '@atproto/lexicon'
import { graphemeLen, utf8Len } from '@atproto/common-web'
import {
  isAtIdentifierString,
  isAtUriString,
  isDatetimeString,
  isDatetimeStringLenient,
  isValidDid,
  isValidHandle,
  isValidLanguage,
  isValidNsid,
  isValidRecordKey,
  isValidTid,
  isValidUri,
} from '@atproto/syntax'
import { CID } from 'multiformats/cid'

export type Check = (value: unknown) => boolean

export interface CompileOptions {
  /**
   * Records are validated after plain `{ $type: 'blob', ref, mimeType, size }` objects are
   * turned into BlobRefs (validate-record.ts); firehose messages are validated as decoded, where
   * only a BlobRef instance is a blob.
   */
  plainBlobsAreBlobRefs: boolean
}

const reject: Check = () => false

export class CompiledLexicons {
  private readonly byUri = new Map<string, Check>()
  private readonly records = new Map<string, Check>()

  constructor(
    private readonly lexicons: Lexicons,
    private readonly opts: CompileOptions,
  ) {}

  /**
   * The check of a record of type `nsid` (its `$type` included), or undefined when `nsid` names
   * no record definition. Compiled on first use, then kept (one per lexicon: a bounded set).
   */
  record(nsid: string): Check | undefined {
    const known = this.records.get(nsid)
    if (known) return known
    if (nsid.includes('#')) return undefined
    const def = this.lexicons.getDef(nsid)
    if (def?.type !== 'record') return undefined
    const body = this.object(def.record as ObjectDef)
    const check: Check = (v) => isPlainObject(v) && v.$type === nsid && body(v) && (!this.opts.plainBlobsAreBlobRefs || !mayHoldLegacyBlob(v))
    this.records.set(nsid, check)
    return check
  }

  /** The check of a subscription's message (its union of message types); rejects all if there is none. */
  message(nsid: string): Check {
    const def = this.lexicons.getDef(nsid) as { type?: string; message?: { schema?: unknown } } | undefined
    const schema = def?.type === 'subscription' ? def.message?.schema : undefined
    return schema ? this.compile(schema as AnyDef) : reject
  }

  /** The check of a definition by its URI (`lex:…` or an NSID with an optional `#name`). */
  def(uri: string): Check {
    const known = this.byUri.get(uri)
    if (known) return known
    // Definitions can refer to themselves (through refs): the slot is filled before compiling.
    let compiled: Check = reject
    this.byUri.set(uri, (v) => compiled(v))
    const def = this.lexicons.getDef(uri)
    compiled = def ? this.compile(def as AnyDef) : reject
    this.byUri.set(uri, compiled)
    return compiled
  }

  private compile(def: AnyDef): Check {
    switch (def.type) {
      case 'object':
        return this.object(def as ObjectDef)
      case 'array':
        return this.array(def)
      case 'union':
        return this.union(def)
      case 'ref': {
        const target = def.ref as string
        let resolved: Check | undefined
        return (v) => (resolved ??= this.def(target))(v)
      }
      case 'blob':
        return this.opts.plainBlobsAreBlobRefs ? (v) => v instanceof BlobRef || isTypedBlob(v) || isLegacyBlob(v) : (v) => v instanceof BlobRef
      case 'boolean':
        return booleanCheck(def)
      case 'integer':
        return integerCheck(def)
      case 'string':
        return stringCheck(def)
      case 'bytes':
        return bytesCheck(def)
      case 'cid-link':
        return (v) => CID.asCID(v) !== null
      case 'unknown':
        return (v) => !!v && typeof v === 'object'
      default:
        // record (as a field), token, query, … : the generic validator says what it makes of them.
        return reject
    }
  }

  private object(def: ObjectDef): Check {
    const required = new Set(def.required ?? [])
    const nullable = new Set(def.nullable ?? [])
    const fields = Object.entries(def.properties ?? {}).map(([key, prop]) => ({
      key,
      check: this.compile(prop as AnyDef),
      required: required.has(key),
      nullable: nullable.has(key),
    }))
    const plainBlobs = this.opts.plainBlobsAreBlobRefs
    return (v) => {
      if (!isPlainObject(v) || (plainBlobs && isBlobShaped(v))) return false
      for (const field of fields) {
        const x = v[field.key]
        if (x === undefined) {
          // A missing optional field is fine; a missing required one may be filled by a default.
          if (field.required) return false
          continue
        }
        if (x === null && field.nullable) continue
        if (!field.check(x)) return false
      }
      return true
    }
  }

  private array(def: AnyDef): Check {
    const items = this.compile(def.items as AnyDef)
    const max = typeof def.maxLength === 'number' ? def.maxLength : Infinity
    const min = typeof def.minLength === 'number' ? def.minLength : 0
    return (v) => {
      if (!Array.isArray(v) || v.length > max || v.length < min) return false
      for (const item of v) if (!items(item)) return false
      return true
    }
  }

  /**
   * A union accepts an object whose `$type` names one of its refs (spelled with or without
   * `#main`), checked against that definition; an open union also accepts any other `$type`.
   */
  private union(def: AnyDef): Check {
    const members = new Map<string, Check>()
    for (const ref of def.refs as string[]) {
      const nsidAndName = ref.startsWith('lex:') ? ref.slice(4) : ref
      const check = this.def(ref)
      members.set(nsidAndName, check)
      if (nsidAndName.endsWith('#main')) members.set(nsidAndName.slice(0, -5), check)
      else if (!nsidAndName.includes('#')) members.set(`${nsidAndName}#main`, check)
    }
    const closed = def.closed === true
    const plainBlobs = this.opts.plainBlobsAreBlobRefs
    return (v) => {
      if (!isPlainObject(v) || (plainBlobs && isBlobShaped(v))) return false
      const type = v.$type
      if (typeof type !== 'string') return false
      const member = members.get(type)
      if (member) return member(v)
      // Other spellings (`lex:…`, a leading or second `#`) are left to the generic validator.
      return !closed && !type.startsWith('lex:') && !type.startsWith('#') && type.indexOf('#') === type.lastIndexOf('#')
    }
  }
}

type AnyDef = { type: string } & Record<string, unknown>
interface ObjectDef {
  properties?: Record<string, unknown>
  required?: string[]
  nullable?: string[]
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype
}

/** What validate-record.ts would turn into a BlobRef (or try to): such values go the generic way. */
function isBlobShaped(v: Record<string, unknown>): boolean {
  return v.$type === 'blob' || (typeof v.cid === 'string' && typeof v.mimeType === 'string')
}

/**
 * Whether anything in the value, checked by the lexicon or not, is a legacy `{ cid, mimeType }`
 * blob whose CID string is not plainly valid (or an object of a class the preparation for the generic validator would walk into):
 * turning one into a BlobRef parses its CID string, which can fail wherever it sits.
 */
function mayHoldLegacyBlob(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  if (Array.isArray(v)) {
    for (const item of v) if (mayHoldLegacyBlob(item)) return true
    return false
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return !(v instanceof Uint8Array || v instanceof BlobRef || CID.asCID(v) !== null)
  const object = v as Record<string, unknown>
  if (typeof object.cid === 'string' && typeof object.mimeType === 'string' && !isCanonicalCidString(object.cid)) return true
  for (const key in object) if (mayHoldLegacyBlob(object[key])) return true
  return false
}

/** Exactly `{ cid, mimeType }` (a blob as early records wrote it) with a valid CID string. */
function isLegacyBlob(v: unknown): boolean {
  if (!isPlainObject(v)) return false
  let keys = 0
  for (const key in v) {
    if (key !== 'cid' && key !== 'mimeType') return false
    keys++
  }
  return keys === 2 && typeof v.mimeType === 'string' && typeof v.cid === 'string' && isCanonicalCidString(v.cid)
}

/** Exactly `{ $type: 'blob', ref: CID, mimeType: string, size: number }`, nothing more. */
function isTypedBlob(v: unknown): boolean {
  if (!isPlainObject(v)) return false
  let keys = 0
  for (const key in v) {
    if (key !== '$type' && key !== 'ref' && key !== 'mimeType' && key !== 'size') return false
    keys++
  }
  return keys === 4 && v.$type === 'blob' && typeof v.mimeType === 'string' && Number.isFinite(v.size) && CID.asCID(v.ref) !== null
}

function booleanCheck(def: AnyDef): Check {
  if (typeof def.const === 'boolean') return (v) => v === def.const
  return (v) => typeof v === 'boolean'
}

function integerCheck(def: AnyDef): Check {
  const constant = typeof def.const === 'number' ? def.const : undefined
  const allowed = Array.isArray(def.enum) ? (def.enum as unknown[]) : undefined
  const max = typeof def.maximum === 'number' ? def.maximum : Infinity
  const min = typeof def.minimum === 'number' ? def.minimum : -Infinity
  return (v) =>
    Number.isInteger(v) && (constant === undefined || v === constant) && (allowed === undefined || allowed.includes(v)) && (v as number) <= max && (v as number) >= min
}

function stringCheck(def: AnyDef): Check {
  const constant = typeof def.const === 'string' ? def.const : undefined
  const allowed = Array.isArray(def.enum) ? (def.enum as unknown[]) : undefined
  const maxBytes = typeof def.maxLength === 'number' ? def.maxLength : undefined
  const minBytes = typeof def.minLength === 'number' ? def.minLength : undefined
  const maxGraphemes = typeof def.maxGraphemes === 'number' ? def.maxGraphemes : undefined
  const minGraphemes = typeof def.minGraphemes === 'number' ? def.minGraphemes : undefined
  const format = typeof def.format === 'string' && Object.hasOwn(FORMATS, def.format) ? FORMATS[def.format] : undefined
  return (v) => {
    if (typeof v !== 'string') return false
    if (constant !== undefined && v !== constant) return false
    if (allowed !== undefined && !allowed.includes(v)) return false
    // UTF-8 takes at most 3 bytes per UTF-16 unit and a grapheme at least one unit: the exact
    // counts are needed only near the bounds.
    if ((maxBytes !== undefined && v.length * 3 > maxBytes) || minBytes !== undefined) {
      const bytes = utf8Len(v)
      if ((maxBytes !== undefined && bytes > maxBytes) || (minBytes !== undefined && bytes < minBytes)) return false
    }
    if ((maxGraphemes !== undefined && v.length > maxGraphemes) || minGraphemes !== undefined) {
      const graphemes = graphemeLen(v)
      if ((maxGraphemes !== undefined && graphemes > maxGraphemes) || (minGraphemes !== undefined && graphemes < minGraphemes)) return false
    }
    return format === undefined || format(v)
  }
}

function bytesCheck(def: AnyDef): Check {
  const max = typeof def.maxLength === 'number' ? def.maxLength : Infinity
  const min = typeof def.minLength === 'number' ? def.minLength : 0
  return (v) => v instanceof Uint8Array && v.byteLength <= max && v.byteLength >= min
}

/** A CID string in its canonical base32 form (what records carry); other spellings go the generic way. */
function isCanonicalCidString(v: string): boolean {
  if (v.length > 128 || v[0] !== 'b') return false
  try {
    return CID.parse(v).toString() === v
  } catch {
    return false
  }
}

const FORMATS: Record<string, (v: string) => boolean> = {
  // The strict atproto form (one regex and a Date) is what records carry; the lenient check
  // (which accepts all of it, and more) is far slower.
  datetime: (v) => isDatetimeString(v) || isDatetimeStringLenient(v),
  uri: isValidUri,
  'at-uri': isAtUriString,
  did: isValidDid,
  handle: isValidHandle,
  'at-identifier': isAtIdentifierString,
  nsid: isValidNsid,
  cid: isCanonicalCidString,
  language: isValidLanguage,
  tid: isValidTid,
  'record-key': isValidRecordKey,
}
