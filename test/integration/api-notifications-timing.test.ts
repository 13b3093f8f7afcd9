import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DevAccount } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Notifications the reference AppView gives, or dates, where Magpie once did not, checked end to
 * end over a real PDS and OpenSearch: likes of a reply a threadgate let through notify the reply's
 * author; a starter pack join is dated by the commit that made the profile, not by the createdAt
 * the profile claims.
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

test('a starter pack join made after updateSeen is unread and newest, whatever older createdAt its profile claims', async () => {
  const { alice, bob, gina } = acct
  const list = await createRecord(alice.agent, 'app.bsky.graph.list', { name: 'pack list', purpose: 'app.bsky.graph.defs#referencelist', createdAt: now() })
  const pack = await createRecord(alice.agent, 'app.bsky.graph.starterpack', { name: 'my pack', list: list.uri, createdAt: now() })
  const follow = await createRecord(bob.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: now() })
  await until('alice hears of the follow', () => api.xrpc(LIST, {}, alice), (a) => a.body.notifications?.some((n: any) => n.uri === follow.uri))
  const seen = await api.call('app.bsky.notification.updateSeen', { seenAt: now() }, alice)
  assert.equal(seen.status, 200)
  // The profile claims a creation time before Alice's seen time (a client that dates it from the
  // account's creation); the reference dates the join by when the profile reached it.
  const claimed = new Date(Date.now() - 86_400_000).toISOString()
  const profile = await createRecord(gina.agent, 'app.bsky.actor.profile', { displayName: 'Gina', joinedViaStarterPack: pack, createdAt: claimed }, 'self')
  const { body } = await until('alice hears of the join', () => api.xrpc(LIST, {}, alice), (a) => a.body.notifications?.some((n: any) => n.reason === 'starterpack-joined'))
  const joined = body.notifications.find((n: any) => n.reason === 'starterpack-joined')
  assert.equal(joined.uri, profile.uri)
  assert.equal(joined.isRead, false, 'joined after Alice marked her notifications seen')
  assert.ok(joined.indexedAt > body.seenAt, `dated ${joined.indexedAt}, after the seen time ${body.seenAt}, not the claimed ${claimed}`)
  assert.equal(body.notifications[0].uri, profile.uri, 'newest first: the join is the newest')
  assert.equal(body.notifications.find((n: any) => n.uri === follow.uri).isRead, true)
  const unread = await api.xrpc('app.bsky.notification.getUnreadCount', {}, alice)
  assert.equal(unread.body.count, 1)
})
