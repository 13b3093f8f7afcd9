import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildActorQueries, FOLLOWED_BOOST, MAX_FUZZY_WORDS, mergeActorHits, normalizeActorQuery, rankActors, TIERS } from '#/search/actor-query.js'

describe('normalizeActorQuery', () => {
  const rows: [string | undefined, string][] = [
    [undefined, ''],
    ['  ', ''],
    ['@Alice.Test ', 'alice.test'],
    ['Zoë', 'zoë'],
  ]
  for (const [input, expected] of rows) test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(normalizeActorQuery(input), expected))
})

describe('buildActorQueries', () => {
  const json = (q: unknown) => JSON.stringify(q)

  test('user text only reaches term and match clauses', () => {
    const { actors, profiles } = buildActorQueries('a* OR b:c', { description: true })
    for (const q of [actors, profiles]) {
      assert.ok(!/"(query_string|simple_query_string|wildcard|regexp|script)"/.test(json(q)), json(q))
    }
  })

  test('an exact handle is its own tier; the domain part of a handle is not matched loosely', () => {
    const { actors } = buildActorQueries('zoe.bsky.social', { description: false })
    assert.ok(json(actors).includes(json({ constant_score: { filter: { term: { handle: 'zoe.bsky.social' } }, boost: TIERS.exactHandle } })))
    assert.ok(json(actors).includes('"handle.trigrams":{"query":"zoe"'))
  })

  test('accents are folded before handles are matched: "müller" is the handle muller (or mueller) exactly, not a near miss like miller', () => {
    const { actors } = buildActorQueries('müller', { description: false })
    assert.ok(json(actors).includes(json({ constant_score: { filter: { match: { 'handle.prefix': { query: 'muller' } } }, boost: TIERS.handlePrefix } })), json(actors))
    for (const query of ['muller', 'mueller']) {
      assert.ok(json(actors).includes(json({ constant_score: { filter: { match: { 'handle.parts_prefix': { query, operator: 'and' } } }, boost: TIERS.handlePartPrefix } })), query)
    }
  })

  test('descriptions only when asked', () => {
    assert.ok(json(buildActorQueries('paint', { description: true }).profiles).includes('description.words'))
    assert.ok(!json(buildActorQueries('paint', { description: false }).profiles).includes('description'))
  })

  test('typo tolerance only for a few words: each fuzzy word can expand to 50 clauses on a real index', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ')
    const few = buildActorQueries(words(MAX_FUZZY_WORDS), { description: true })
    assert.equal(json(few).match(/fuzziness/g)?.length, 2, 'handle and display name')
    const many = buildActorQueries(words(MAX_FUZZY_WORDS + 1), { description: true })
    assert.ok(!json(many).includes('fuzziness'), json(many))
    assert.ok(json(many).includes('displayName.prefix'), 'still matched by prefix')
  })

  test('no trigram clause under three characters', () => {
    assert.ok(!json(buildActorQueries('al', { description: false })).includes('trigrams'))
  })
})

describe('ranking', () => {
  test('hits from both indices merge per DID', () => {
    const merged = mergeActorHits([{ did: 'a', score: 100 }, { did: 'b', score: 70 }], [{ did: 'b', score: 90 }])
    assert.deepEqual(merged, [
      { did: 'a', score: 100 },
      { did: 'b', score: 97 },
    ])
  })

  test('followers break ties, follows lift, an exact handle stays first', () => {
    const hits = [
      { did: 'exact', score: TIERS.exactHandle },
      { did: 'quiet', score: TIERS.handlePrefix },
      { did: 'popular', score: TIERS.handlePrefix },
      { did: 'friend', score: TIERS.handlePartPrefix },
      { did: 'famous-partial', score: TIERS.partial },
    ]
    const ranked = rankActors(hits, {
      followers: new Map([['popular', 5000], ['famous-partial', 10_000_000]]),
      followed: new Set(['friend', 'exact']),
    })
    assert.deepEqual(ranked.map((h) => h.did), ['exact', 'friend', 'popular', 'quiet', 'famous-partial'])
    assert.ok(FOLLOWED_BOOST < TIERS.exactHandle - TIERS.handlePrefix)
  })
})
