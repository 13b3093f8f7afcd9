/**
 * The links a record holds (indexing/links.ts) and the words a third-party record is searched
 * by (indexing/transforms/record-text.ts): one row per case, expectations written by hand.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { extractLinks, linkKey, MAX_LINK_DEPTH, MAX_LINKS, splitLinkKey } from '#/indexing/links.js'
import { recordText } from '#/indexing/transforms/record-text.js'
import { recordDocument } from '#/indexing/record-document.js'
import { familyForCollection } from '#/indexing/families.js'

const POST = 'at://did:plc:q6gjnaw2blty4crticxkmujt/app.bsky.feed.post/3la6sujxwnv2b'
const DID = 'did:plc:q6gjnaw2blty4crticxkmujt'

const rows: { name: string; record: unknown; links: [string, string][] }[] = [
  { name: 'a like', record: { $type: 'app.bsky.feed.like', subject: { uri: POST, cid: 'bafyreigg3yxqfcxp6vm7uqqtq7a2xcaj2mrgskmekd5mcfpciu6efbgery' }, createdAt: '2025-01-01T00:00:00Z' }, links: [[POST, '.subject.uri']] },
  {
    name: 'facets in arrays, in record order',
    record: { text: 'hi', facets: [{ features: [{ did: DID }, { uri: 'https://example.com/a' }] }, { features: [{ did: DID }] }] },
    links: [[DID, '.facets[].features[].did'], ['https://example.com/a', '.facets[].features[].uri']],
  },
  { name: 'a bare DID and an array of AT URIs', record: { subject: DID, items: [POST, POST, 'at://bad uri'] }, links: [[DID, '.subject'], [POST, '.items[]']] },
  {
    name: 'not links: CIDs, $type, other schemes, text with a URL inside, DIDs without an id',
    record: { $type: 'at://not/a/link', ref: { $link: 'bafkrei' }, other: 'ftp://example.com/', text: 'see https://example.com', d: 'did:plc', m: 'mailto:a@b.c' },
    links: [],
  },
  { name: 'keys with odd characters stay as written', record: { 'a b': { 'c.d': POST } }, links: [[POST, '.a b.c.d']] },
  { name: 'URLs too long to be a link', record: { u: `https://example.com/${'x'.repeat(600)}` }, links: [] },
]

describe('extractLinks', () => {
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(extractLinks(row.record).links.map((l) => [l.subject, l.path]), row.links)
    })
  }

  test('deep nesting stops at the depth bound and says so', () => {
    let deep: unknown = { u: 'https://deep.example/' }
    for (let i = 0; i < MAX_LINK_DEPTH + 5; i++) deep = { d: deep }
    const out = extractLinks({ deep, top: 'https://top.example/' })
    assert.deepEqual(out.links.map((l) => l.subject), ['https://top.example/'])
    assert.equal(out.bounded, 'depth')
  })

  test('a huge array keeps the first links up to the bound and says so', () => {
    const out = extractLinks({ many: Array.from({ length: MAX_LINKS + 50 }, (_, i) => `https://e.example/${i}`) })
    assert.equal(out.links.length, MAX_LINKS)
    assert.equal(out.links.at(-1)?.subject, `https://e.example/${MAX_LINKS - 1}`)
    assert.equal(out.bounded, 'links')
  })

  test('a huge array of non-links costs a bounded walk', () => {
    const out = extractLinks({ many: Array.from({ length: 100_000 }, () => 'x'), after: POST })
    assert.deepEqual(out.links, [])
    assert.equal(out.bounded, 'values')
  })

  test('link keys split back into collection and path', () => {
    const key = linkKey(POST, 'app.bsky.feed.like', '.subject uri with spaces')
    assert.deepEqual(splitLinkKey(key, POST), { collection: 'app.bsky.feed.like', path: '.subject uri with spaces' })
    assert.equal(splitLinkKey(key, DID), undefined)
  })
})

describe('recordDocument', () => {
  test('a record\'s document holds a key per link and each place it links from once', () => {
    const collection = 'app.bsky.feed.post'
    const record = { $type: collection, text: 'hi', createdAt: '2025-01-01T00:00:00Z', reply: { root: { uri: POST, cid: 'bafyreiroot' }, parent: { uri: POST, cid: 'bafyreiroot' } }, facets: [{ index: { byteStart: 0, byteEnd: 2 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: DID }, { $type: 'app.bsky.richtext.facet#mention', did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz' }] }] }
    const { doc } = recordDocument(familyForCollection(collection), { did: DID, collection, rkey: '3la6sujxwnv2c', cid: 'bafyreipost', indexedAt: '2025-01-01T00:00:01Z', record })
    assert.deepEqual(doc.linksTo, [
      `${POST} ${collection} .reply.root.uri`,
      `${POST} ${collection} .reply.parent.uri`,
      `${DID} ${collection} .facets[].features[].did`,
      `did:plc:ewvi7nxzyoun6zhxrhs64oiz ${collection} .facets[].features[].did`,
    ])
    assert.deepEqual(doc.linkPlaces, [`${collection} .reply.root.uri`, `${collection} .reply.parent.uri`, `${collection} .facets[].features[].did`])
  })

  test('a record linking nowhere holds neither', () => {
    const collection = 'app.bsky.feed.post'
    const { doc } = recordDocument(familyForCollection(collection), { did: DID, collection, rkey: '3la6sujxwnv2d', cid: 'bafyreipost', indexedAt: '2025-01-01T00:00:01Z', record: { $type: collection, text: 'hi', createdAt: '2025-01-01T00:00:00Z' } })
    assert.equal(doc.linksTo, undefined)
    assert.equal(doc.linkPlaces, undefined)
  })
})

describe('recordText', () => {
  test('a declared collection: title, text and date from their fields', () => {
    assert.deepEqual(recordText('com.whtwnd.blog.entry', { title: 'T', content: 'Body', createdAt: '2025-01-01T00:00:00Z', theme: 'dark' }), {
      title: 'T',
      text: 'Body',
      date: '2025-01-01T00:00:00Z',
    })
  })

  test('an unknown collection: every string that reads as words, no identifiers', () => {
    const record = {
      $type: 'com.example.thing',
      name: 'Blue whale',
      nested: { notes: ['lives in the ocean', 'big'] },
      subject: POST,
      site: 'https://example.com/',
      createdAt: '2025-01-01T00:00:00Z',
      cid: 'bafyreigg3yxqfcxp6vm7uqqtq7a2xcaj2mrgskmekd5mcfpciu6efbgery',
      rkey: '3la6sujxwnv2b',
      image: { $type: 'blob', ref: { $link: 'bafkreib' }, mimeType: 'image/png', size: 3 },
    }
    assert.deepEqual(recordText('com.example.thing', record), { text: 'Blue whale\nlives in the ocean\nbig' })
  })

  test('text is bounded', () => {
    const text = recordText('com.example.thing', { a: 'word '.repeat(20_000) }).text!
    assert.equal(text.length, 65_536)
  })
})
