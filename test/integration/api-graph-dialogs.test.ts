import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { lexicons } from '@atproto/api'
import { startServer } from '#/cli/commands/serve.js'
import type { DevAccount } from '#devnet/network.js'
import { createLogger } from '#/log.js'
import { createRecord, startMagpieApi, until as untilAnswer, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * The add-to-list and add-to-starter-pack dialogs, starter-pack search and verification badges,
 * end to end: records written through a real PDS, carried by its firehose into OpenSearch, read
 * back over HTTP with viewer tokens minted by that PDS. Every 200 answer is checked against the
 * official lexicon.
 */

const MODLIST = 'app.bsky.graph.defs#modlist'
const CURATELIST = 'app.bsky.graph.defs#curatelist'
const REFERENCELIST = 'app.bsky.graph.defs#referencelist'

let api: MagpieApi
type Named = 'alice' | 'bob' | 'carol' | 'dave' | 'eve'
const acct = {} as Record<Named, DevAccount>
const uris: Record<string, string> = {}
/** A second server on the same indices, configured with Dave as its one trusted verifier. */
let verifying: Server
let verifyingBase: string

const now = () => new Date().toISOString()
const until = (what: string, ask: () => Promise<Answer>, ready: (a: Answer) => boolean) => untilAnswer(what, ask, ready, 30_000)
const xrpc = (nsid: string, params: Record<string, string | number | string[]>, viewer?: DevAccount) => api.xrpc(nsid, params, viewer)

before(async () => {
  api = await startMagpieApi('api-graph-dialogs', {})
  const names: Named[] = ['alice', 'bob', 'carol', 'dave', 'eve']
  const created = await Promise.all(names.map((name) => api.net.createAccount(name)))
  names.forEach((name, i) => (acct[name] = created[i]!))
  verifying = await startServer({ ...api.config, PORT: 0, TRUSTED_VERIFIERS: [acct.dave.did] }, api.client, createLogger('warn'))
  verifyingBase = `http://127.0.0.1:${(verifying.address() as AddressInfo).port}`
  await writeFixtures()
})

after(async () => {
  await new Promise<void>((resolve) => verifying.close(() => resolve()))
  await api.close()
})

async function writeFixtures() {
  const { alice, bob, carol, dave, eve } = acct
  const list = async (owner: DevAccount, purpose: string, name: string) => (await createRecord(owner.agent, 'app.bsky.graph.list', { purpose, name, createdAt: now() })).uri
  const add = async (owner: DevAccount, listUri: string, member: DevAccount) =>
    (await createRecord(owner.agent, 'app.bsky.graph.listitem', { list: listUri, subject: member.did, createdAt: now() })).uri
  const pack = async (owner: DevAccount, name: string, listUri: string) =>
    (await createRecord(owner.agent, 'app.bsky.graph.starterpack', { name, list: listUri, createdAt: now() })).uri

  await createRecord(bob.agent, 'app.bsky.actor.profile', { displayName: 'Bob Builder' }, 'self')
  await createRecord(dave.agent, 'app.bsky.actor.profile', { displayName: 'Dave the Verifier' }, 'self')
  await createRecord(carol.agent, 'app.bsky.actor.profile', { displayName: 'Carol' }, 'self')

  // Alice's lists, oldest first: a mod list without Bob, a curation list with him, and the
  // reference lists of her two starter packs (Bob on the first only).
  uris.trolls = await list(alice, MODLIST, 'Trolls')
  uris.pals = await list(alice, CURATELIST, 'Pals')
  uris.bobOnPals = await add(alice, uris.pals, bob)
  await add(alice, uris.pals, carol)
  uris.rustList = await list(alice, REFERENCELIST, 'Rust folks')
  uris.bobOnRust = await add(alice, uris.rustList, bob)
  uris.rustPack = await pack(alice, 'Rust folks', uris.rustList)
  uris.cookList = await list(alice, REFERENCELIST, 'Cooking club')
  await add(alice, uris.cookList, carol)
  uris.cookPack = await pack(alice, 'Cooking club', uris.cookList)
  // Someone else's list with Bob on it is not Alice's to show.
  uris.carolList = await list(carol, CURATELIST, 'Carol picks')
  await add(carol, uris.carolList, bob)
  uris.carolPack = await pack(carol, 'Rust learners', uris.carolList)
  // Eve blocks Alice: her pack is not found by Alice's searches.
  await createRecord(eve.agent, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })
  uris.evePack = await pack(eve, 'Rust at night', await list(eve, REFERENCELIST, 'Eve rust'))

  // Verifications: Dave (trusted) vouches for Bob as he is, and for Carol under a name she does
  // not have; Eve (not trusted) vouches for Carol as she is.
  uris.daveVerifiesBob = (await createRecord(dave.agent, 'app.bsky.graph.verification', { subject: bob.did, handle: bob.handle, displayName: 'Bob Builder', createdAt: now() })).uri
  uris.daveVerifiesCarol = (await createRecord(dave.agent, 'app.bsky.graph.verification', { subject: carol.did, handle: carol.handle, displayName: 'Caroline', createdAt: now() })).uri
  await createRecord(eve.agent, 'app.bsky.graph.verification', { subject: carol.did, handle: carol.handle, displayName: 'Carol', createdAt: now() })
}

const listUris = (body: any) => body.listsWithMembership?.map((l: any) => l.list.uri)
const packUris = (body: any) => body.starterPacks?.map((p: any) => p.uri)

describe('getListsWithMembership', () => {
  test("the viewer's own curation and mod lists, newest first, each with the actor's listitem if on it", async () => {
    const { alice, bob } = acct
    const { body } = await until(
      'alice lists with bob',
      () => xrpc('app.bsky.graph.getListsWithMembership', { actor: bob.handle }, alice),
      (a) => a.body.listsWithMembership?.[0]?.listItem !== undefined,
    )
    // Reference lists (starter packs') and Carol's list are not offered.
    assert.deepEqual(listUris(body), [uris.pals, uris.trolls])
    const [pals, trolls] = body.listsWithMembership
    assert.equal(pals.listItem.uri, uris.bobOnPals)
    assert.equal(pals.listItem.subject.did, bob.did)
    assert.equal(pals.list.listItemCount, 2)
    assert.equal(trolls.listItem, undefined)
  })

  test('purposes filter, paging, and errors', async () => {
    const { alice, bob } = acct
    const mod = await xrpc('app.bsky.graph.getListsWithMembership', { actor: bob.did, purposes: ['modlist'] }, alice)
    assert.deepEqual(listUris(mod.body), [uris.trolls])
    const paged = await api.allPages('app.bsky.graph.getListsWithMembership', { actor: bob.did, limit: 1 }, 'listsWithMembership', alice)
    assert.deepEqual(paged.map((l) => l.list.uri), [uris.pals, uris.trolls])
    // Another viewer sees its own lists, not Alice's. Carol's list was written after Alice's, so
    // the first test's wait does not cover it: under load its indexing can still be on the way.
    const carol = await until(
      'carol lists with bob',
      () => xrpc('app.bsky.graph.getListsWithMembership', { actor: bob.did }, acct.carol),
      (a) => a.body.listsWithMembership?.[0]?.listItem !== undefined,
    )
    assert.deepEqual(listUris(carol.body), [uris.carolList])
    assert.equal((await xrpc('app.bsky.graph.getListsWithMembership', { actor: bob.did })).status, 401)
    const unknown = await xrpc('app.bsky.graph.getListsWithMembership', { actor: 'nobody.test' }, alice)
    assert.equal(unknown.status, 400)
    assert.equal((await xrpc('app.bsky.graph.getListsWithMembership', { actor: bob.did, limit: 101 }, alice)).status, 400)
  })
})

describe('getStarterPacksWithMembership', () => {
  test("the viewer's own starter packs, newest first, each with the actor's listitem on its list", async () => {
    const { alice, bob } = acct
    const { body } = await until(
      'alice packs with bob',
      () => xrpc('app.bsky.graph.getStarterPacksWithMembership', { actor: bob.did }, alice),
      (a) => a.body.starterPacksWithMembership?.length === 2 && a.body.starterPacksWithMembership[1].listItem !== undefined,
    )
    const [cook, rust] = body.starterPacksWithMembership
    assert.equal(cook.starterPack.uri, uris.cookPack)
    assert.equal(cook.listItem, undefined)
    assert.equal(rust.starterPack.uri, uris.rustPack)
    assert.equal(rust.starterPack.list.uri, uris.rustList)
    assert.equal(rust.listItem.uri, uris.bobOnRust)
    assert.equal(rust.listItem.subject.did, bob.did)
    assert.equal((await xrpc('app.bsky.graph.getStarterPacksWithMembership', { actor: bob.did })).status, 401)
    const paged = await api.allPages('app.bsky.graph.getStarterPacksWithMembership', { actor: bob.did, limit: 1 }, 'starterPacksWithMembership', alice)
    assert.deepEqual(paged.map((p) => p.starterPack.uri), [uris.cookPack, uris.rustPack])
  })
})

describe('searchStarterPacks', () => {
  test('by the words of the name, newest first; a creator with a block is left out', async () => {
    const { alice } = acct
    const anonymous = await until('rust packs', () => xrpc('app.bsky.graph.searchStarterPacks', { q: 'rust' }), (a) => packUris(a.body)?.length === 3)
    assert.deepEqual(packUris(anonymous.body), [uris.evePack, uris.carolPack, uris.rustPack])
    const byAlice = await xrpc('app.bsky.graph.searchStarterPacks', { q: 'Rust' }, alice)
    assert.deepEqual(packUris(byAlice.body), [uris.carolPack, uris.rustPack])
    const both = await xrpc('app.bsky.graph.searchStarterPacks', { q: 'rust learners' })
    assert.deepEqual(packUris(both.body), [uris.carolPack])
    const paged = await api.allPages('app.bsky.graph.searchStarterPacks', { q: 'rust', limit: 1 }, 'starterPacks')
    assert.deepEqual(paged.map((p) => p.uri), [uris.evePack, uris.carolPack, uris.rustPack])
  })

  test('V2 answers full views, and how many packs match', async () => {
    const { body } = await xrpc('app.bsky.graph.searchStarterPacksV2', { q: 'cooking' })
    assert.deepEqual(packUris(body), [uris.cookPack])
    assert.equal(body.starterPacks[0].list.uri, uris.cookList)
    assert.equal(body.hitsTotal, 1)
    // Every match counts, not only the page's.
    const page = await xrpc('app.bsky.graph.searchStarterPacksV2', { q: 'rust', limit: 1 })
    assert.deepEqual(packUris(page.body), [uris.evePack])
    assert.equal(page.body.hitsTotal, 3)
    assert.equal((await xrpc('app.bsky.graph.searchStarterPacksV2', { q: 'zzzz' })).body.hitsTotal, 0)
    // V1's lexicon has no such field.
    assert.equal('hitsTotal' in (await xrpc('app.bsky.graph.searchStarterPacks', { q: 'rust' })).body, false)
  })

  test('query syntax in the text is text: no error, no match-all', async () => {
    for (const q of ['*', 'name:*', 'rust OR cooking', '(rust', '"rust', 'rust\\', '/.*/', '', '   ']) {
      const { status, body } = await xrpc('app.bsky.graph.searchStarterPacks', { q })
      assert.equal(status, 200, `${q}: ${JSON.stringify(body)}`)
      assert.ok(body.starterPacks.length <= 3, q)
    }
    // A lone word from an operator finds nothing, rather than everything.
    assert.deepEqual(packUris((await xrpc('app.bsky.graph.searchStarterPacks', { q: '*' })).body), [])
    assert.deepEqual(packUris((await xrpc('app.bsky.graph.searchStarterPacks', { q: 'rust OR cooking' })).body), [])
    assert.equal((await xrpc('app.bsky.graph.searchStarterPacks', {})).status, 400)
    assert.equal((await xrpc('app.bsky.graph.searchStarterPacks', { q: 'x'.repeat(501) })).status, 400)
  })
})

describe('verification on profile views (TRUSTED_VERIFIERS)', () => {
  const profile = async (base: string, actor: string): Promise<any> => {
    const res = await fetch(`${base}/xrpc/app.bsky.actor.getProfile?actor=${encodeURIComponent(actor)}`)
    const body = await res.json()
    assert.equal(res.status, 200, JSON.stringify(body))
    lexicons.assertValidXrpcOutput('app.bsky.actor.getProfile', body)
    return body
  }

  test('a trusted verifier\'s verification holds while the handle and display name match', async () => {
    const { bob, carol, dave } = acct
    await until('bob profile', () => xrpc('app.bsky.actor.getProfile', { actor: bob.did }), (a) => a.body.displayName === 'Bob Builder')
    let bobView: any
    await until(
      'bob verified',
      async () => ({ status: 200, body: (bobView = await profile(verifyingBase, bob.did)) }),
      (a) => a.body.verification?.verifications?.length === 1,
    )
    assert.equal(bobView.verification.verifiedStatus, 'valid')
    assert.equal(bobView.verification.trustedVerifierStatus, 'none')
    const [v] = bobView.verification.verifications
    assert.equal(v.issuer, dave.did)
    assert.equal(v.uri, uris.daveVerifiesBob)
    assert.equal(v.isValid, true)
    assert.equal(v.issuerHandle, dave.handle)
    assert.equal(v.issuerDisplayName, 'Dave the Verifier')

    // Dave vouched for a Carol named "Caroline"; Eve's verification does not count at all.
    const carolView = await profile(verifyingBase, carol.did)
    assert.equal(carolView.verification.verifiedStatus, 'invalid')
    assert.deepEqual(carolView.verification.verifications.map((x: any) => [x.issuer, x.isValid]), [[dave.did, false]])

    const daveView = await profile(verifyingBase, dave.did)
    assert.deepEqual(daveView.verification, { verifications: [], verifiedStatus: 'none', trustedVerifierStatus: 'valid' })

    // Without trusted verifiers (the default) nobody is shown as verified.
    const plain = await profile(api.base, bob.did)
    assert.equal(plain.verification, undefined)
  })

  test('a renamed account loses its check; the verification stays listed as invalid', async () => {
    const { bob } = acct
    await bob.agent.com.atproto.repo.putRecord({
      repo: bob.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: 'Totally Bob' },
    })
    const { body } = await until(
      'bob renamed',
      async () => ({ status: 200, body: await profile(verifyingBase, bob.did) }),
      (a) => a.body.displayName === 'Totally Bob',
    )
    assert.equal(body.verification.verifiedStatus, 'invalid')
    assert.equal(body.verification.verifications[0].isValid, false)
  })
})
