/**
 * Every row of test/fixtures/transforms/<family>.json is one record and the document its
 * family must produce, written by hand. Add a row to cover a new case.
 *
 * `expected` leaves out `record`: every document must carry the input record itself,
 * untouched, and that is checked for every row instead of repeating the record.
 * A row with `invalidBecause` holds a record its lexicon rejects (the transform must still
 * cope with it); every other row must pass validation, which keeps the fixtures realistic.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { jsonToLex } from '@atproto/lexicon'
import type { RecordDocument, RecordFamily, RecordInput } from '#/indexing/family.js'
import { allFamilies, familyForCollection } from '#/indexing/families.js'
import { validateRecord } from '#/indexing/validate-record.js'
import { normalizeDatetime } from '#/indexing/transforms/base.js'
import { domainOf, normalizeTag } from '#/indexing/transforms/post.js'
import { blockFamily } from '#/indexing/transforms/block.js'
import { chatDeclarationFamily } from '#/indexing/transforms/chat-declaration.js'
import { followFamily } from '#/indexing/transforms/follow.js'
import { generatorFamily } from '#/indexing/transforms/generator.js'
import { genericFamily } from '#/indexing/transforms/generic.js'
import { labelerFamily } from '#/indexing/transforms/labeler.js'
import { likeFamily } from '#/indexing/transforms/like.js'
import { listFamily } from '#/indexing/transforms/list.js'
import { listblockFamily } from '#/indexing/transforms/listblock.js'
import { listitemFamily } from '#/indexing/transforms/listitem.js'
import { notifDeclarationFamily } from '#/indexing/transforms/notif-declaration.js'
import { postFamily } from '#/indexing/transforms/post.js'
import { postgateFamily } from '#/indexing/transforms/postgate.js'
import { profileFamily } from '#/indexing/transforms/profile.js'
import { referenceListOptOutFamily } from '#/indexing/transforms/reference-list-opt-out.js'
import { repostFamily } from '#/indexing/transforms/repost.js'
import { starterpackFamily } from '#/indexing/transforms/starterpack.js'
import { statusFamily } from '#/indexing/transforms/status.js'
import { threadgateFamily } from '#/indexing/transforms/threadgate.js'
import { verificationFamily } from '#/indexing/transforms/verification.js'

interface FixtureRow {
  name: string
  invalidBecause?: string
  input: RecordInput
  expected: RecordDocument
}

const FIXTURES = new URL('../fixtures/transforms/', import.meta.url)

const familyByFixture: Record<string, RecordFamily> = {
  post: postFamily,
  like: likeFamily,
  repost: repostFamily,
  follow: followFamily,
  block: blockFamily,
  list: listFamily,
  listitem: listitemFamily,
  listblock: listblockFamily,
  'reference-list-opt-out': referenceListOptOutFamily,
  profile: profileFamily,
  generator: generatorFamily,
  threadgate: threadgateFamily,
  postgate: postgateFamily,
  starterpack: starterpackFamily,
  labeler: labelerFamily,
  verification: verificationFamily,
  status: statusFamily,
  'notif-declaration': notifDeclarationFamily,
  'chat-declaration': chatDeclarationFamily,
  generic: genericFamily,
}

function readRows(file: string): FixtureRow[] {
  return JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as FixtureRow[]
}

/** Freezing the input proves the transform does not write into the record it was given. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

const fixtureFiles = readdirSync(FIXTURES).filter((file) => file.endsWith('.json')).sort()

test('every family has a fixture file, and every fixture file a family', () => {
  assert.deepEqual(
    fixtureFiles.map((file) => file.replace(/\.json$/, '')),
    Object.keys(familyByFixture).sort(),
  )
  assert.deepEqual(new Set(Object.values(familyByFixture)), new Set(allFamilies))
})

for (const file of fixtureFiles) {
  const family = familyByFixture[file.replace(/\.json$/, '')]
  describe(`${file} → ${family?.index}`, () => {
    for (const row of readRows(file)) {
      test(row.name, () => {
        assert.ok(family, `no family for fixture ${file}`)
        assert.equal(familyForCollection(row.input.collection), family, 'routed to this family')
        const input = deepFreeze(row.input)
        const doc = family.transform(input)
        const { record, ...derived } = doc
        assert.equal(record, input.record, 'the record is stored as given')
        assert.deepEqual(derived, row.expected)
        assert.deepEqual(family.transform(input), doc, 'same input, same document')
      })

      test(`${row.name}: lexicon validation`, () => {
        const result = validateRecord(row.input.collection, jsonToLex(row.input.record))
        if (row.invalidBecause === undefined) {
          assert.deepEqual(result, { ok: true })
        } else {
          assert.equal(result.ok, false, `expected rejection: ${row.invalidBecause}`)
        }
      })
    }
  })
}

describe('normalizeDatetime', () => {
  const cases: [unknown, string | undefined][] = [
    ['2024-11-05T08:30:00.000Z', '2024-11-05T08:30:00.000Z'],
    ['2024-11-05T08:30:00Z', '2024-11-05T08:30:00.000Z'],
    ['2024-11-05T08:30:00.123456Z', '2024-11-05T08:30:00.123Z'],
    ['2024-11-05T09:30:00+01:00', '2024-11-05T08:30:00.000Z'],
    ['2024-11-05', '2024-11-05T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['0000-01-01T00:00:00Z', undefined],
    ['+010000-01-01T00:00:00Z', undefined],
    ['5', undefined],
    ['May 5, 2024', undefined],
    ['2024-13-45T99:00:00Z', undefined],
    ['', undefined],
    [1741568046, undefined],
    [null, undefined],
  ]
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(normalizeDatetime(input), expected))
  }
})

describe('normalizeTag', () => {
  const cases: [string, string][] = [
    ['Bluesky', 'bluesky'],
    ['#AtProto', 'atproto'],
    ['##double', 'double'],
    ['＃Fullwidth', 'fullwidth'],
    ['ÉTÉ', 'été'],
    ['#', ''],
    ['mid#dle', 'mid#dle'],
  ]
  for (const [input, expected] of cases) {
    test(input, () => assert.equal(normalizeTag(input), expected))
  }
})

describe('domainOf', () => {
  const cases: [string, string | undefined][] = [
    ['https://www.Example.COM/Path?q=1', 'example.com'],
    ['http://blog.example.org.', 'blog.example.org'],
    ['https://www2.example.org/', 'www2.example.org'],
    ['https://bücher.example/', 'xn--bcher-kva.example'],
    ['https://[2001:db8::1]/', '[2001:db8::1]'],
    ['mailto:someone@example.com', undefined],
    ['at://did:plc:q6gjnaw2blty4crticxkmujt/app.bsky.feed.post/3la6sujxwnv2b', undefined],
    ['not a url', undefined],
  ]
  for (const [input, expected] of cases) {
    test(input, () => assert.equal(domainOf(input), expected))
  }
})
