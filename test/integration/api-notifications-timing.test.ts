import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DevAccount } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * A notification the reference AppView gives, checked end to end over a real PDS and OpenSearch:
 * likes of a reply a threadgate let through notify the reply's author.
 */

const LIST = 'app.bsky.notification.listNotifications'
let api: MagpieApi
type Named = 'alice' | 'bob' | 'carol'
const acct = {} as Record<Named, DevAccount>
const now = () => new Date().toISOString()

before(async () => {
  api = await startMagpieApi('api-notifications-timing', {})
  const names: Named[] = ['alice', 'bob', 'carol']
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
