/**
 * Validation against the lexicons, fed the value form records really arrive in: blocks of
 * real repo CARs decoded with `cborToLexRecord`. The same records then go through the
 * whole indexing path (validate → lexicon JSON → family transform).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { MemoryBlockstore, Repo, cborToLexRecord, readCarWithRoot } from '@atproto/repo'
import { BlobRef, jsonToLex } from '@atproto/lexicon'
import { CID } from 'multiformats/cid'
import { validateRecord } from '#/indexing/validate-record.js'
import { toRecordJson } from '#/indexing/record-json.js'
import { familyForCollection, genericFamily } from '#/indexing/families.js'
import { repoCarsDir } from '../helpers/corpus.js'

const CARS = repoCarsDir()

interface CarRecord {
  did: string
  collection: string
  rkey: string
  cid: string
  record: Record<string, unknown>
}

/** Every record of a repo CAR, decoded from its block bytes the way ingest decodes them. */
async function readCarRecords(file: string): Promise<CarRecord[]> {
  const { root, blocks } = await readCarWithRoot(readFileSync(`${CARS}/${file}`))
  const repo = await Repo.load(new MemoryBlockstore(blocks), root)
  const records: CarRecord[] = []
  for await (const entry of repo.walkRecords()) {
    const bytes = blocks.get(entry.cid)
    assert.ok(bytes, `block ${entry.cid} missing from ${file}`)
    records.push({
      did: repo.did,
      collection: entry.collection,
      rkey: entry.rkey,
      cid: entry.cid.toString(),
      record: cborToLexRecord(bytes),
    })
  }
  return records
}

function countByCollection(collections: string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const collection of collections) counts[collection] = (counts[collection] ?? 0) + 1
  return counts
}

const validPost = {
  $type: 'app.bsky.feed.post',
  text: 'hello',
  createdAt: '2025-06-21T22:48:09.630Z',
}

describe('validateRecord', () => {
  test('records from real repos validate, in the form cborToLexRecord returns', async () => {
    let checked = 0
    let withBlobs = 0
    for (const file of ['repo-stream_little.car', 'php-car_repo.car', 'indigo_paul_staging.repo.car', 'bnewbold.robocracy.org.20250310005405.car']) {
      for (const { collection, rkey, record } of await readCarRecords(file)) {
        assert.deepEqual(validateRecord(collection, record), { ok: true }, `${file} ${collection}/${rkey}`)
        checked++
        if (JSON.stringify(toRecordJson(record)).includes('"$type":"blob"')) withBlobs++
      }
    }
    assert.ok(checked > 500, `checked ${checked} records`)
    // Blobs are where the decoded form and the validator's expectations differ.
    assert.ok(withBlobs >= 30, `${withBlobs} records with blobs`)
  })

  test('a decoded blob is a plain object with a CID ref, and is accepted', () => {
    const ref = CID.parse('bafkreiferhjobval5e5shklcpvvgivqfh4lva67x2gnt5ah4blhnowxhje')
    const profile = {
      $type: 'app.bsky.actor.profile',
      avatar: { $type: 'blob', ref, mimeType: 'image/jpeg', size: 97721 },
    }
    assert.deepEqual(validateRecord('app.bsky.actor.profile', profile), { ok: true })
    assert.equal(profile.avatar.ref, ref, 'the record itself is not rewritten')
    const legacy = { $type: 'app.bsky.actor.profile', avatar: { cid: ref.toString(), mimeType: 'image/jpeg' } }
    assert.deepEqual(validateRecord('app.bsky.actor.profile', legacy), { ok: true })
  })

  test('values already in lex form (jsonToLex, BlobRef instances) are accepted too', () => {
    const profile = jsonToLex({
      $type: 'app.bsky.actor.profile',
      avatar: {
        $type: 'blob',
        ref: { $link: 'bafkreiferhjobval5e5shklcpvvgivqfh4lva67x2gnt5ah4blhnowxhje' },
        mimeType: 'image/jpeg',
        size: 97721,
      },
    }) as { avatar: unknown }
    assert.ok(profile.avatar instanceof BlobRef)
    assert.deepEqual(validateRecord('app.bsky.actor.profile', profile), { ok: true })
  })

  test('lexicon JSON blobs ($link form) are not decoded values and are rejected', () => {
    const result = validateRecord('app.bsky.actor.profile', {
      $type: 'app.bsky.actor.profile',
      avatar: { $type: 'blob', ref: { $link: 'bafkreiferhjobval5e5shklcpvvgivqfh4lva67x2gnt5ah4blhnowxhje' }, mimeType: 'image/jpeg', size: 1 },
    })
    assert.equal(result.ok, false)
  })

  const invalid: [string, string, Record<string, unknown>, RegExp][] = [
    ['post text over 3000 bytes', 'app.bsky.feed.post', { ...validPost, text: 'a'.repeat(3001) }, /text must not be longer than 3000/],
    ['post text over 300 graphemes', 'app.bsky.feed.post', { ...validPost, text: '🙂'.repeat(301) }, /text must not be longer than 300 graphemes/],
    ['post without createdAt', 'app.bsky.feed.post', { $type: 'app.bsky.feed.post', text: 'hi' }, /createdAt/],
    ['post text of the wrong type', 'app.bsky.feed.post', { ...validPost, text: 42 }, /text must be a string/],
    ['like without subject', 'app.bsky.feed.like', { $type: 'app.bsky.feed.like', createdAt: validPost.createdAt }, /subject/],
    ['follow of something that is not a DID', 'app.bsky.graph.follow', { $type: 'app.bsky.graph.follow', subject: 'alice.example.com', createdAt: validPost.createdAt }, /subject must be a valid did/],
    ['$type of another collection', 'app.bsky.feed.post', { ...validPost, $type: 'app.bsky.feed.like' }, /Invalid \$type/],
    ['no $type at all', 'app.bsky.feed.post', { text: 'hi', createdAt: validPost.createdAt }, /\$type/],
    ['collection naming a query, not a record', 'app.bsky.feed.getTimeline', { ...validPost, $type: 'app.bsky.feed.getTimeline' }, /not a record type/],
  ]
  for (const [name, collection, record, reason] of invalid) {
    test(`rejects ${name}, with a reason`, () => {
      const result = validateRecord(collection, record)
      assert.equal(result.ok, false)
      assert.match(result.ok ? '' : result.reason, reason)
    })
  }

  test('collections without a lexicon are accepted as they are', () => {
    assert.deepEqual(validateRecord('sh.tangled.feed.star', { $type: 'sh.tangled.feed.star', anything: [1, 2] }), { ok: true })
    assert.deepEqual(validateRecord('com.example.nothing', {}), { ok: true })
  })

  test('a string with a NUL byte is valid data', () => {
    assert.deepEqual(validateRecord('app.bsky.feed.post', { ...validPost, text: 'a\u0000b' }), { ok: true })
  })
})

/**
 * Collection counts from php-car_repo.json, an independent decode of php-car_repo.car: its
 * MST nodes, walked from the commit's `data` root, with keys rebuilt from their prefix
 * compression (each key = the first `p` characters of the previous key + `k`).
 */
function collectionCountsFromJson(): Record<string, number> {
  const json = JSON.parse(readFileSync(`${CARS}/php-car_repo.json`, 'utf8')) as {
    header: { roots: string[] }
    blocks: Record<string, Record<string, unknown>>
  }
  type Entry = { k: string, p: string | number, t: string | null, v: string }
  type Node = { l: string | null, e: Entry[] }
  const root = json.header.roots[0]
  assert.ok(root)
  const commit = json.blocks[root] as { data: string }
  const keys: string[] = []
  const walk = (cid: string | null): void => {
    if (cid === null) return
    const node = json.blocks[cid] as unknown as Node
    walk(node.l)
    let previous = ''
    for (const entry of node.e) {
      previous = previous.slice(0, Number(entry.p)) + entry.k
      keys.push(previous)
      walk(entry.t)
    }
  }
  walk(commit.data)
  return countByCollection(keys.map((key) => key.split('/')[0] ?? ''))
}

/** The same record with links as plain strings and numbers as strings, as that decode writes them. */
function asPhpDecode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asPhpDecode)
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'object' || value === null) return value
  const object = value as Record<string, unknown>
  if (Object.keys(object).length === 1 && typeof object.$link === 'string') return object.$link
  return Object.fromEntries(Object.entries(object).map(([key, child]) => [key, asPhpDecode(child)]))
}

describe('every record of a repo goes through the indexing path', () => {
  async function indexAll(file: string) {
    const documents: { collection: string, family: string, doc: Record<string, unknown>, json: Record<string, unknown>, cid: string }[] = []
    for (const { did, collection, rkey, cid, record } of await readCarRecords(file)) {
      const validation = validateRecord(collection, record)
      assert.deepEqual(validation, { ok: true }, `${collection}/${rkey}`)
      const json = toRecordJson(record)
      const family = familyForCollection(collection)
      const doc = family.transform({ did, collection, rkey, cid, record: json, indexedAt: '2026-01-10T12:00:00.000Z' })
      assert.equal(doc.did, did)
      assert.equal(doc.cid, cid)
      assert.equal(doc.record, json)
      documents.push({ collection, family: family.index, doc, json, cid })
    }
    return documents
  }

  test('repo-stream_little.car', async () => {
    const documents = await indexAll('repo-stream_little.car')
    assert.deepEqual(countByCollection(documents.map((d) => d.family)), {
      profiles: 1, likes: 70, posts: 85, reposts: 51, blocks: 2, follows: 2, records: 67,
    })
    for (const { collection, doc } of documents.filter((d) => d.family === 'records')) {
      assert.equal(doc.collection, collection)
    }
    const posts = documents.filter((d) => d.family === 'posts').map((d) => d.doc)
    assert.ok(posts.some((post) => post.hasVideo === true), 'the repo has a video post')
    assert.ok(posts.some((post) => post.isReply === true), 'the repo has replies')
    assert.ok(posts.every((post) => typeof post.text === 'string' && typeof post.createdAt === 'string'))
  })

  test('php-car_repo.car, cross-checked against its independent JSON decode', async () => {
    const documents = await indexAll('php-car_repo.car')
    assert.deepEqual(countByCollection(documents.map((d) => d.collection)), collectionCountsFromJson())
    assert.deepEqual(countByCollection(documents.map((d) => d.family)), {
      profiles: 1, feedgens: 1, likes: 39, posts: 13, reposts: 1, blocks: 2, follows: 22,
      lists: 1, listitems: 1, 'chat-declarations': 1, records: 1,
    })
    assert.equal(documents.find((d) => d.collection === 'social.pinksky.app.preference')?.family, genericFamily.index)

    // toRecordJson agrees with the other decoder on every record, blobs and links included.
    const blocks = (JSON.parse(readFileSync(`${CARS}/php-car_repo.json`, 'utf8')) as { blocks: Record<string, unknown> }).blocks
    for (const { cid, json } of documents) {
      assert.deepEqual(asPhpDecode(json), blocks[cid], cid)
    }
  })
})
