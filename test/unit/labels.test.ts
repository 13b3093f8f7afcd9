import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { P256Keypair, Secp256k1Keypair } from '@atproto/crypto'
import { ErrorFrame, MessageFrame } from '@atproto/xrpc-server'
import * as dagCbor from '@ipld/dag-cbor'
import { loadConfig, configuredLabelers } from '#/config/env.js'
import type { DataPlane, Label } from '#/dataplane/index.js'
import { acceptLabelers, formatLabelerHeader, parseLabelerHeader } from '#/hydration/accepted-labelers.js'
import { hideTakendown, hydrateLabels, labelSubjectsOfActors } from '#/hydration/labels.js'
import type { HydrateCtx } from '#/hydration/state.js'
import { labelDocument, labelId, labelWriteOp } from '#/indexing/label-op.js'
import { decodeLabelFrame } from '#/ingest/labels/label-frames.js'
import { labelSignatureValid } from '#/ingest/labels/label-signature.js'

/** The pure parts of labels: the accept header, frames, signatures, documents, takedown rules. */

const MOD = 'did:plc:moderationmoderationmod'
const OTHER = 'did:web:labeler.example.com'
const THIRD = 'did:plc:thirdthirdthirdthirdthird'
const POST = 'at://did:plc:alice/app.bsky.feed.post/3kpost'

function label(fields: Partial<Label> = {}): Label {
  return { ver: 1, src: OTHER, uri: POST, val: 'spam', cts: '2024-05-01T00:00:00.000Z', ...fields }
}

describe('atproto-accept-labelers', () => {
  const policy = { labelers: [MOD, OTHER], modService: MOD }

  test('parses DIDs and their redact parameter; anything else is no header', () => {
    assert.deepEqual(parseLabelerHeader(`${OTHER};redact, ${THIRD}`), { dids: [OTHER, THIRD], redact: new Set([OTHER]) })
    assert.deepEqual(parseLabelerHeader(''), { dids: [], redact: new Set() })
    assert.equal(parseLabelerHeader(undefined), null)
    assert.equal(parseLabelerHeader('not-a-did'), null)
    assert.equal(parseLabelerHeader('(did:plc:a did:plc:b)'), null)
    assert.equal(parseLabelerHeader('did:plc:a;;;'), null)
  })

  test('without a header the configured labelers apply, all with redact', () => {
    const accepted = acceptLabelers(undefined, policy)
    assert.deepEqual(accepted, { dids: [MOD, OTHER], redact: new Set([MOD, OTHER]) })
    assert.equal(formatLabelerHeader(accepted), `${MOD};redact,${OTHER};redact`)
  })

  test('a header picks among the labelers Magpie holds; the moderation service always applies', () => {
    assert.deepEqual(acceptLabelers(`${OTHER}, ${THIRD};redact`, policy), { dids: [MOD, OTHER], redact: new Set([MOD]) })
    assert.deepEqual(acceptLabelers('', policy), { dids: [MOD], redact: new Set([MOD]) })
    assert.deepEqual(acceptLabelers(`${OTHER};redact`, { labelers: [OTHER] }), { dids: [OTHER], redact: new Set([OTHER]) })
    assert.deepEqual(acceptLabelers(undefined, { labelers: [] }), { dids: [], redact: new Set() })
  })

  test('configuration: LABELER_DIDS plus the moderation service, each once', () => {
    const config = loadConfig({ MOD_SERVICE_DID: MOD, LABELER_DIDS: `${OTHER}, ${MOD}` })
    assert.deepEqual(configuredLabelers(config), [MOD, OTHER])
    assert.deepEqual(configuredLabelers(loadConfig({})), [])
    assert.throws(() => loadConfig({ LABELER_DIDS: 'nope' }), /LABELER_DIDS/)
  })
})

describe('subscribeLabels frames', () => {
  test('a #labels message: valid labels kept, invalid ones reported by index', () => {
    const good = label()
    const bytes = new MessageFrame({ seq: 7, labels: [good, { ...label(), cts: 'yesterday' }, 42] } as never, { type: '#labels' }).toBytes()
    const frame = decodeLabelFrame(bytes)
    assert.equal(frame.type, 'labels')
    if (frame.type !== 'labels') return
    assert.equal(frame.seq, 7)
    assert.deepEqual(frame.labels, [good])
    assert.deepEqual(frame.invalid.map((i) => i.index), [1, 2])
  })

  test('#info, error frames, unknown types and garbage', () => {
    assert.deepEqual(decodeLabelFrame(new MessageFrame({ name: 'OutdatedCursor' }, { type: '#info' }).toBytes()), {
      type: 'info',
      name: 'OutdatedCursor',
      message: undefined,
    })
    assert.deepEqual(decodeLabelFrame(new ErrorFrame({ error: 'FutureCursor', message: 'too far' }).toBytes()), {
      type: 'error',
      code: 'FutureCursor',
      message: 'too far',
    })
    assert.equal(decodeLabelFrame(new MessageFrame({ seq: 1 }, { type: '#somethingNew' }).toBytes()).type, 'ignored')
    assert.equal(decodeLabelFrame(new Uint8Array([1, 2, 3])).type, 'bad')
    assert.equal(decodeLabelFrame(new MessageFrame({ seq: -1, labels: [] }, { type: '#labels' }).toBytes()).type, 'bad')
    assert.equal(decodeLabelFrame(new MessageFrame({ seq: 3 }, { type: '#labels' }).toBytes()).type, 'bad')
  })
})

describe('label signatures', () => {
  for (const [name, create] of [['secp256k1', () => Secp256k1Keypair.create()], ['P-256', () => P256Keypair.create()]] as const) {
    test(`${name}: the DAG-CBOR of the label without sig, by the #atproto_label key`, async () => {
      const key = await create()
      const unsigned = label({ exp: '2030-01-01T00:00:00.000Z' })
      const signed = { ...unsigned, sig: await key.sign(dagCbor.encode(unsigned)) }
      assert.equal(labelSignatureValid(signed, key.did()), true)
      assert.equal(labelSignatureValid({ ...signed, val: 'porn' }, key.did()), false)
      assert.equal(labelSignatureValid(unsigned, key.did()), false)
      const other = await create()
      assert.equal(labelSignatureValid(signed, other.did()), false)
    })
  }
})

describe('label documents', () => {
  const template = JSON.parse(readFileSync(new URL('../../index-templates/labels.json', import.meta.url), 'utf8'))
  const properties = template.template.mappings.properties as Record<string, { type: string }>

  test('one id per labeler, subject and value; cts orders them (external_gte version)', () => {
    const op = labelWriteOp('p-', label({ sig: new Uint8Array([1]) }), '2024-05-02T00:00:00.000Z')
    assert.ok(typeof op !== 'string')
    assert.deepEqual(op.action, {
      index: { _index: 'p-labels-all', _id: labelId(OTHER, POST, 'spam'), version: Date.parse('2024-05-01T00:00:00.000Z'), version_type: 'external_gte' },
    })
    assert.notEqual(labelId(OTHER, POST, 'spam'), labelId(OTHER, POST, 'rude'))
    assert.notEqual(labelId(OTHER, POST, 'spam'), labelId(MOD, POST, 'spam'))
    assert.ok(labelId(OTHER, `${POST}${'x'.repeat(2000)}`, 'spam').length < 64)
  })

  test('stored as served (no sig, no ver), with negation and expiry indexed; every field is mapped', () => {
    const doc = labelDocument(label({ neg: true, exp: '2030-01-01T00:00:00Z', sig: new Uint8Array([1]) }), '2024-05-02T00:00:00.000Z')
    assert.ok(typeof doc !== 'string')
    assert.deepEqual(doc, {
      src: OTHER,
      uri: POST,
      val: 'spam',
      neg: true,
      cts: '2024-05-01T00:00:00.000Z',
      exp: '2030-01-01T00:00:00.000Z',
      label: { src: OTHER, uri: POST, val: 'spam', cts: '2024-05-01T00:00:00.000Z', exp: '2030-01-01T00:00:00Z', neg: true },
      indexedAt: '2024-05-02T00:00:00.000Z',
    })
    assert.equal(template.template.mappings.dynamic, 'strict')
    for (const field of Object.keys(doc)) assert.ok(properties[field], `${field} is mapped`)
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(doc).sort())
    const plain = labelDocument(label(), '2024-05-02T00:00:00.000Z')
    assert.ok(typeof plain !== 'string' && plain.neg === false && !('exp' in plain) && !('neg' in plain.label))
    assert.match(String(labelWriteOp('p-', label({ cts: '0000-01-01T00:00:00Z' }), 'x')), /cts/)
  })
})

describe('labels in hydration', () => {
  const ctx = (labelers: { dids: string[]; redact: string[] }, includeTakedowns = false) =>
    ({ viewer: null, includeTakedowns, labelers: { dids: labelers.dids, redact: new Set(labelers.redact) } }) as unknown as HydrateCtx
  const asked: { subjects: string[]; labelers: string[] }[] = []
  const dataplane = {
    async getLabels(subjects: string[], labelers: string[]) {
      asked.push({ subjects, labelers })
      const all = [label({ src: MOD, val: '!takedown' }), label({ src: OTHER, val: '!takedown', uri: 'did:plc:bob' }), label({ src: OTHER, uri: 'did:plc:bob' })]
      const out = new Map<string, Label[]>()
      for (const l of all) if (subjects.includes(l.uri) && labelers.includes(l.src)) out.set(l.uri, [...(out.get(l.uri) ?? []), l])
      return out
    },
  } as unknown as DataPlane

  test('labels by subject; a takedown counts only from a labeler whose takedowns apply', async () => {
    const labels = await hydrateLabels(dataplane, [POST, 'did:plc:bob'], ctx({ dids: [MOD, OTHER], redact: [MOD] }))
    assert.equal(labels.get(POST)?.takendown, true)
    assert.equal(labels.get('did:plc:bob')?.takendown, false)
    assert.deepEqual(labels.get('did:plc:bob')?.labels.map((l) => l.val), ['!takedown', 'spam'])
  })

  test('no labelers, no query', async () => {
    asked.length = 0
    assert.equal((await hydrateLabels(dataplane, [POST], ctx({ dids: [], redact: [] }))).size, 0)
    assert.equal(asked.length, 0)
  })

  test('hideTakendown nulls what a takedown names, unless the request keeps takedowns', async () => {
    const labels = await hydrateLabels(dataplane, [POST], ctx({ dids: [MOD], redact: [MOD] }))
    const entries = new Map<string, string | null>([[POST, 'post'], ['other', 'x']])
    hideTakendown(entries, [POST, 'other'], labels, ctx({ dids: [MOD], redact: [MOD] }, true))
    assert.equal(entries.get(POST), 'post')
    hideTakendown(entries, [POST, 'other'], labels, ctx({ dids: [MOD], redact: [MOD] }))
    assert.equal(entries.get(POST), null)
    assert.equal(entries.get('other'), 'x')
  })

  test('an account is labelled through its DID, profile and status records', () => {
    assert.deepEqual(labelSubjectsOfActors(['did:plc:bob']), [
      'did:plc:bob',
      'at://did:plc:bob/app.bsky.actor.profile/self',
      'at://did:plc:bob/app.bsky.actor.status/self',
    ])
  })
})
