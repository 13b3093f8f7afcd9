import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DevAccount } from '#/devnet/network.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Notifications the reference AppView gives where Magpie once did not, or dated differently:
 * likes of a reply a threadgate let through, and a starter pack join dated by when the profile
 * was indexed rather than by the createdAt it claims. End to end over a real PDS and OpenSearch.
 */

const LIST = 'app.bsky.notification.listNotifications'
let api: MagpieApi
type Named = 'alice' | 'bob' | 'carol' | 'gina'
const acct = {} as Record<Named, DevAccount>
const now = () => new Date().toISOString()

before(async () => {
  api = await startMagpieApi('api-notifications-timing', {})
  const names: Named[] = ['alice', 'bob', 'carol', 'gina']
  const created = await Promise.all(names.map((name) => api.net.createAccount(name)))
  names.forEach((name, i) => (acct[name] = created[i]!))
})

after(async () => {
  await api?.close()
})

test('a like of a reply the threadgate allowed (its author was mentioned in the root) notifies the reply`s author', async () => {
  const { alice, bob, carol } = acct
  const text = 'only @bob.test may answer'
  const root = await createRecord(alice.agent, 'app.bsky.feed.post', {
    text,
    facets: [{ index: { byteStart: 5, byteEnd: 14 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: bob.did }] }],
    createdAt: now(),
  })
  await createRecord(alice.agent, 'app.bsky.feed.threadgate', { post: root.uri, allow: [{ $type: 'app.bsky.feed.threadgate#mentionRule' }], createdAt: now() }, root.uri.split('/').pop())
  const reply = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'answering', reply: { root, parent: root }, createdAt: now() })
  const like = await createRecord(carol.agent, 'app.bsky.feed.like', { subject: reply, createdAt: now() })
  // Alice hears of the reply (it is allowed), which shows the gate let it through.
  await until('alice hears of the reply', () => api.xrpc(LIST, {}, alice), (a) => a.body.notifications?.some((n: any) => n.uri === reply.uri && n.reason === 'reply'))
  const { body } = await until('bob hears of the like', () => api.xrpc(LIST, {}, bob), (a) => a.body.notifications?.some((n: any) => n.uri === like.uri))
  const liked = body.notifications.find((n: any) => n.uri === like.uri)
  assert.equal(liked.reason, 'like')
  assert.equal(liked.reasonSubject, reply.uri)
  assert.equal(liked.author.did, carol.did)
})

test('a starter pack join is dated when its profile is indexed: unread after updateSeen, whatever createdAt it claims', async () => {
  const { alice, gina } = acct
  const list = await createRecord(alice.agent, 'app.bsky.graph.list', { name: 'pack list', purpose: 'app.bsky.graph.defs#referencelist', createdAt: now() })
  const pack = await createRecord(alice.agent, 'app.bsky.graph.starterpack', { name: 'my pack', list: list.uri, createdAt: now() })
  const seen = await api.call('app.bsky.notification.updateSeen', { seenAt: now() }, alice)
  assert.equal(seen.status, 200)
  // The profile carries the account's old creation time, as the app writes it on joining.
  const claimed = new Date(Date.now() - 86_400_000).toISOString()
  const profile = await createRecord(gina.agent, 'app.bsky.actor.profile', { displayName: 'Gina', joinedViaStarterPack: pack, createdAt: claimed }, 'self')
  const { body } = await until('alice hears of the join', () => api.xrpc(LIST, {}, alice), (a) => a.body.notifications?.some((n: any) => n.reason === 'starterpack-joined'))
  const joined = body.notifications.find((n: any) => n.reason === 'starterpack-joined')
  assert.equal(joined.uri, profile.uri)
  assert.equal(joined.isRead, false)
  assert.ok(joined.indexedAt > claimed, `dated ${joined.indexedAt}, not the claimed ${claimed}`)
  // Newest first by that date: the join comes before everything Alice heard of earlier.
  assert.equal(body.notifications[0].reason, 'starterpack-joined')
  const unread = await api.xrpc('app.bsky.notification.getUnreadCount', {}, alice)
  assert.equal(unread.body.count, 1)
})
