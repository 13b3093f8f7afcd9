/**
 * The compiled lexicon checks (compiled-lexicon.ts) against the generic validator: over every
 * record of the vendored real repo CARs and relay window, and over variants of them broken one
 * field at a time, the compiled check must never accept what the generic validator refuses, and
 * must accept the real records (else it saves nothing). The same for the firehose messages.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { lexicons } from '@atproto/api'
import { BlobRef } from '@atproto/lexicon'
import { MemoryBlockstore, Repo, cborToLexRecord, readCarWithRoot } from '@atproto/repo'
import { Frame } from '@atproto/xrpc-server'
import { CID } from 'multiformats/cid'
import { CompiledLexicons } from '#/indexing/compiled-lexicon.js'
import { compiledRecordCheck, validateRecord, validateRecordGeneric } from '#/indexing/validate-record.js'
import { readCarBlocks } from '#/ingest/car-blocks.js'
import { recordOpsFromCommit } from '#/ingest/record-ops.js'
import { loadRelayFrames, repoCarsDir } from '../helpers/corpus.js'

interface Sample {
  collection: string
  record: Record<string, unknown>
}

async function carRecords(): Promise<Sample[]> {
  const out: Sample[] = []
  for (const file of ['repo-stream_little.car', 'php-car_repo.car', 'indigo_paul_staging.repo.car', 'bnewbold.robocracy.org.20250310005405.car', 'indigo_greenground.repo.car']) {
    const { root, blocks } = await readCarWithRoot(readFileSync(`${repoCarsDir()}/${file}`))
    const repo = await Repo.load(new MemoryBlockstore(blocks), root)
    for await (const entry of repo.walkRecords()) out.push({ collection: entry.collection, record: cborToLexRecord(blocks.get(entry.cid)!) })
  }
  return out
}

function relayMessages(): Record<string, unknown>[] {
  return loadRelayFrames().flatMap((bytes) => {
    const frame = Frame.fromBytes(bytes)
    if (!frame.isMessage() || !frame.type) return []
    const body = frame.body as Record<string, unknown>
    body.$type = `com.atproto.sync.subscribeRepos${frame.type}`
    return [body]
  })
}

function relayRecords(messages: Record<string, unknown>[]): Sample[] {
  return messages.flatMap((body) => {
    if (body.$type !== 'com.atproto.sync.subscribeRepos#commit') return []
    const { ops } = recordOpsFromCommit(body as never, readCarBlocks(body.blocks as Uint8Array))
    return ops.flatMap((op) => (op.event === 'delete' ? [] : [{ collection: op.collection, record: op.record }]))
  })
}

const cid = CID.parse('bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm')
/** Values put in place of a field: wrong types, bounds, formats, blob and union spellings. */
const REPLACEMENTS: unknown[] = [
  undefined, null, 0, 1, -1, 1.5, 2 ** 53, true, false, '', 'x', 'a'.repeat(3001), '🙂'.repeat(301), 'é'.repeat(1100),
  '2025-06-21', '2025-06-21T22:48:09Z', 'not a date', 'did:plc:abc', 'at://did:plc:abc/app.bsky.feed.post/3k', 'https://x.example',
  cid.toString(), cid.toString().toUpperCase(), cid.toString().slice(0, 20), `B${cid.toString().slice(1)}`, cid, new Uint8Array(3), [], [1], {},
  { $type: 'blob', ref: cid, mimeType: 'image/png', size: 10 },
  { $type: 'blob', ref: cid, mimeType: 'image/png', size: 10, extra: 1 },
  { $type: 'blob', ref: cid.toString(), mimeType: 'image/png', size: 10 },
  { $type: 'blob', ref: cid, mimeType: 'image/png' },
  { cid: cid.toString(), mimeType: 'image/png' },
  { cid: 'nope', mimeType: 'image/png' },
  new BlobRef(cid, 'image/png', 10),
  { $type: 'lex:app.bsky.embed.images' }, { $type: '#images' }, { $type: 'a#b#c' }, { $type: 'com.example.other', x: 1 },
  { $type: 'app.bsky.embed.images#main', images: [] }, { $type: 'app.bsky.richtext.facet#link', uri: 'https://x.example' },
]

/** Copies of `value` with one field (at any depth) replaced, removed, or its `$type` respelled. */
function* variants(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const child of variants(value[i])) yield value.map((v, j) => (j === i ? child : v))
    }
    yield [...value, ...value.slice(0, 1)]
    yield new Array(200).fill(value[0] ?? 'x')
    return
  }
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return
  const object = value as Record<string, unknown>
  for (const key of Object.keys(object)) {
    for (const replacement of REPLACEMENTS) yield { ...object, [key]: replacement }
    const { [key]: _removed, ...rest } = object
    yield rest
    for (const child of variants(object[key])) yield { ...object, [key]: child }
  }
  if (typeof object.$type === 'string') {
    for (const t of [`${object.$type}#main`, `lex:${object.$type}`, `#${object.$type}`, `${object.$type}#a#b`]) yield { ...object, $type: t }
  }
  yield { ...object, unexpected: 1 }
}

/** A few records per collection: the variants grow with the record's size. */
function perCollection(samples: Sample[], n: number): Sample[] {
  const seen = new Map<string, number>()
  return samples.filter((s) => {
    const count = seen.get(s.collection) ?? 0
    seen.set(s.collection, count + 1)
    return count < n
  })
}

describe('compiled lexicon checks', async () => {
  const messages = relayMessages()
  const records = [...(await carRecords()), ...relayRecords(messages)]

  test('accept every real record the generic validator accepts', () => {
    let compiled = 0
    for (const { collection, record } of records) {
      const check = compiledRecordCheck(collection)
      if (!check) continue
      assert.deepEqual(validateRecordGeneric(collection, record), { ok: true }, `${collection}: generic`)
      assert.equal(check(record), true, `${collection}: compiled check refuses ${JSON.stringify(record).slice(0, 300)}`)
      compiled++
    }
    assert.ok(compiled > 600, `${compiled} real records checked`)
  })

  test('never accept a variant the generic validator refuses, and give its verdict', () => {
    let refused = 0
    let acceptedByBoth = 0
    let fallbacks = 0
    for (const { collection, record } of perCollection(records, 12)) {
      const check = compiledRecordCheck(collection)
      if (!check) continue
      for (const variant of variants(record)) {
        const generic = validateRecordGeneric(collection, variant)
        const fast = check(variant)
        if (fast) assert.equal(generic.ok, true, `${collection}: compiled check accepts what the generic one refuses (${generic.ok ? '' : generic.reason}): ${JSON.stringify(variant).slice(0, 400)}`)
        assert.deepEqual(validateRecord(collection, variant), generic)
        if (!generic.ok) refused++
        else if (fast) acceptedByBoth++
        else fallbacks++
      }
    }
    // The variants must exercise both sides, and the compiled check decides most valid ones itself.
    assert.ok(refused > 5000, `${refused} refused variants`)
    assert.ok(acceptedByBoth > 2000, `${acceptedByBoth} accepted variants`)
    assert.ok(fallbacks < acceptedByBoth / 5, `${fallbacks} valid variants left to the generic validator`)
  })

  test('firehose messages: the same verdicts on the relay window and its variants', () => {
    const check = new CompiledLexicons(lexicons, { plainBlobsAreBlobRefs: false }).message('com.atproto.sync.subscribeRepos')
    const generic = (body: unknown): boolean => {
      try {
        lexicons.assertValidXrpcMessage('com.atproto.sync.subscribeRepos', body)
        return true
      } catch {
        return false
      }
    }
    let refused = 0
    for (const body of messages) {
      assert.equal(generic(body), true)
      assert.equal(check(body), true, `compiled check refuses a relay message: ${String(body.$type)}`)
    }
    for (const body of messages.slice(0, 12)) {
      for (const variant of variants(body)) {
        const ok = generic(variant)
        if (check(variant)) assert.equal(ok, true, `compiled check accepts a message the generic one refuses: ${JSON.stringify(variant).slice(0, 300)}`)
        if (!ok) refused++
      }
    }
    assert.ok(refused > 500, `${refused} refused message variants`)
  })
})
