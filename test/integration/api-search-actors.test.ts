import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * searchActors and searchActorsTypeahead end to end: accounts, profiles, follows and blocks
 * written through a dev-env PDS and live ingest; answers checked against the lexicons.
 */

const SEARCH = 'app.bsky.actor.searchActors'
const TYPEAHEAD = 'app.bsky.actor.searchActorsTypeahead'

let api: MagpieApi
let net: DevNetwork
const acct: Record<string, DevAccount> = {}
const now = () => new Date().toISOString()

const handles = (a: Answer) => (a.body.actors as { handle: string }[]).map((p) => p.handle)

before(async () => {
  api = await startMagpieApi('api-search-actors', {})
  net = api.net
  // angular: a display name to find by partial word and by initials; angie: popular (followers);
  // noprofile: no profile record at all; zoe: blocks the viewer (viewer: vic).
  const names = ['angular', 'angie', 'angelo', 'noprofile', 'zoe', 'vic', 'fan1', 'fan2', 'hidden', 'renamed']
  for (const name of names) acct[name] = await net.createAccount(name)
  const setProfile = (who: string, displayName: string, description?: string) =>
    createRecord(acct[who]!.agent, 'app.bsky.actor.profile', { displayName, ...(description ? { description } : {}) }, 'self')
  await setProfile('angular', 'Angular Developers Group', 'framework news')
  await setProfile('angie', 'Angie Müller')
  await setProfile('angelo', 'Angelo', 'painter of frescoes')
  await setProfile('zoe', 'Zoë Angstrom')
  await setProfile('vic', 'Victor')
  await setProfile('hidden', 'Angus Hidden')
  // Angie has followers; vic follows angelo.
  for (const fan of ['fan1', 'fan2', 'vic']) {
    await createRecord(acct[fan]!.agent, 'app.bsky.graph.follow', { subject: acct.angie!.did, createdAt: now() })
  }
  await createRecord(acct.vic!.agent, 'app.bsky.graph.follow', { subject: acct.angelo!.did, createdAt: now() })
  await createRecord(acct.zoe!.agent, 'app.bsky.graph.block', { subject: acct.vic!.did, createdAt: now() })
  await net.deactivate(acct.hidden!.did)
  await net.changeHandle(acct.renamed!.did, 'newname.test')
  // Ingest is asynchronous: wait for the follows and the block the rankings depend on.
  const profile = (did: string, viewer?: DevAccount) => () => api.xrpc('app.bsky.actor.getProfile', { actor: did }, viewer)
  await until('angie’s followers', profile(acct.angie!.did), (a) => a.body.followersCount === 3)
  await until('angelo followed by vic', profile(acct.angelo!.did, acct.vic), (a) => !!a.body.viewer?.following)
  await until('zoe blocks vic', profile(acct.zoe!.did, acct.vic), (a) => a.body.viewer?.blockedBy === true)
})

after(() => api.close())

describe('searchActors', () => {
  test('an exact handle ranks first; prefixes of handles and names follow', async () => {
    const res = await until(
      'profiles indexed',
      () => api.xrpc(SEARCH, { q: 'angie.test' }),
      (a) => a.body.actors?.[0]?.handle === 'angie.test' && a.body.actors[0].displayName === 'Angie Müller',
    )
    assert.equal(handles(res)[0], 'angie.test')
    const prefix = await api.xrpc(SEARCH, { q: 'ang' })
    assert.ok(['angular.test', 'angie.test', 'angelo.test'].every((h) => handles(prefix).includes(h)), handles(prefix).join())
    // Angie has the most followers of the three equal prefix matches.
    assert.equal(handles(prefix)[0], 'angie.test')
  })

  test('a leading @ and upper case do not matter', async () => {
    assert.equal(handles(await api.xrpc(SEARCH, { q: '@ANGELO.test' }))[0], 'angelo.test')
  })

  test('partial words, folded accents and initials find display names', async () => {
    assert.ok(handles(await api.xrpc(SEARCH, { q: 'ngular' })).includes('angular.test'))
    assert.ok(handles(await api.xrpc(SEARCH, { q: 'muller' })).includes('angie.test'))
    assert.ok(handles(await api.xrpc(SEARCH, { q: 'adg' })).includes('angular.test'))
    // A typo in a word
    assert.ok(handles(await api.xrpc(SEARCH, { q: 'angelp' })).includes('angelo.test'))
    // Descriptions count for searchActors
    assert.ok(handles(await api.xrpc(SEARCH, { q: 'frescoes' })).includes('angelo.test'))
  })

  test('an account without a profile record is found by handle', async () => {
    const res = await api.xrpc(SEARCH, { q: 'noprof' })
    assert.deepEqual(handles(res), ['noprofile.test'])
  })

  test('the viewer’s follows are lifted', async () => {
    const res = await api.xrpc(SEARCH, { q: 'ang' }, acct.vic)
    // vic follows both angie and angelo; angie still wins the tie by followers.
    assert.deepEqual(handles(res).slice(0, 2), ['angie.test', 'angelo.test'])
    assert.ok(res.body.actors[1].viewer.following)
  })

  test('blocks either way and deactivated accounts are hidden', async () => {
    const asVic = await api.xrpc(SEARCH, { q: 'zoe' }, acct.vic)
    assert.deepEqual(handles(asVic), [])
    const anon = await api.xrpc(SEARCH, { q: 'zoe' })
    assert.deepEqual(handles(anon), ['zoe.test'])
    await until('hidden is deactivated', () => api.xrpc(SEARCH, { q: 'angus hidden' }), (a) => !handles(a).includes('hidden.test'))
    assert.ok(!handles(await api.xrpc(TYPEAHEAD, { q: 'hidden' })).includes('hidden.test'))
  })

  test('a handle change is searchable under the new handle only', async () => {
    await until('renamed', () => api.xrpc(SEARCH, { q: 'newname' }), (a) => handles(a).includes('newname.test'))
    assert.deepEqual(handles(await api.xrpc(SEARCH, { q: 'renamed' })), [])
  })

  test('empty q finds nothing; cursors page without repeats', async () => {
    assert.deepEqual((await api.xrpc(SEARCH, { q: '' })).body, { actors: [] })
    const first = await api.xrpc(SEARCH, { q: 'ang', limit: 2 })
    assert.equal(first.body.actors.length, 2)
    assert.ok(first.body.cursor)
    const second = await api.xrpc(SEARCH, { q: 'ang', limit: 2, cursor: first.body.cursor })
    const all = [...handles(first), ...handles(second)]
    assert.equal(new Set(all).size, all.length)
    const bad = await api.xrpc(SEARCH, { q: 'ang', cursor: 'nope' })
    assert.equal(bad.status, 400)
  })
})

describe('searchActorsTypeahead', () => {
  test('prefixes, best first, as basic profile views', async () => {
    const res = await api.xrpc(TYPEAHEAD, { q: 'an', limit: 5 })
    assert.equal(handles(res)[0], 'angie.test')
    assert.equal(res.body.cursor, undefined)
    assert.equal(res.body.actors[0].description, undefined)
  })

  test('a block hides the account unless the query is its exact handle', async () => {
    assert.deepEqual(handles(await api.xrpc(TYPEAHEAD, { q: 'zo' }, acct.vic)), [])
    assert.deepEqual(handles(await api.xrpc(TYPEAHEAD, { q: 'zoe.test' }, acct.vic)), ['zoe.test'])
    assert.deepEqual(handles(await api.xrpc(TYPEAHEAD, { q: 'zo' }, acct.zoe)), ['zoe.test'])
  })

  test('the deprecated `term` still works', async () => {
    assert.equal(handles(await api.xrpc(TYPEAHEAD, { term: 'angel' }))[0], 'angelo.test')
  })
})

describe('unbounded input', () => {
  test('an over-long term is refused with a reason, never a 500', async () => {
    for (const [nsid, name] of [[TYPEAHEAD, 'term'], [TYPEAHEAD, 'q'], [SEARCH, 'q'], [SEARCH, 'term']] as const) {
      for (const long of ['a'.repeat(5000), 'é'.repeat(2000), 'ab '.repeat(1000)]) {
        const res = await api.xrpc(nsid, { [name]: long })
        assert.equal(res.status, 400, `${nsid} ${name}=${long.slice(0, 6)}… (${long.length}): ${JSON.stringify(res.body)}`)
        assert.equal(res.body.error, 'InvalidRequest')
        assert.match(res.body.message, new RegExp(`^${name} `))
      }
    }
  })

  test('the longest term accepted is answered, however it is made', async () => {
    // As long as the longest handle (253 characters), in words, in letters with accents, in CJK.
    const longest = ['a'.repeat(256), 'ab '.repeat(85), 'angie '.repeat(42), 'é'.repeat(256), '日本語'.repeat(85), 'abcd-'.repeat(51)]
    for (const term of longest) {
      for (const nsid of [TYPEAHEAD, SEARCH]) {
        const res = await api.xrpc(nsid, { q: term }, acct.vic)
        assert.equal(res.status, 200, `${nsid} q=${term.slice(0, 6)}… (${term.length}): ${JSON.stringify(res.body)}`)
      }
    }
  })
})
