import type { AtpAgent } from '@atproto/api'
import type { ReferenceNetwork } from '#devnet/reference-network.js'
import { labelSubject, mirrorLabelsToReference, takedownSubject } from './moderation.js'

/**
 * The parity suite's seeded world, written through the reference network's PDS: the same
 * sequence of writes every run (only DIDs, TIDs and timestamps change), covering what the
 * AppViews must agree on — profiles with images, rich text, every embed kind, deep threads
 * (one with an OP line and replies to rank), quotes, reposts, likes, follows, blocks both ways,
 * mutes, lists, a starter pack, a feed generator, a labeler, thread and post gates, hidden
 * replies, labels and a takedown by the moderation service, deletions, a handle change, a
 * deactivation and a takedown.
 *
 * The reference AppView indexes repos concurrently, so every write is followed by the network's
 * processAll(): its answers are then those of an AppView that watched the history live, which
 * is the only state it gets right (catching up on a finished history, it miscounts and misjudges
 * gates). Mutes are AppView-private state, not records: they go through `privateAction`, which
 * the caller sends to each AppView (and replays on AppViews started later).
 */

export const ACCOUNTS = ['alice', 'bob', 'carol', 'dan', 'eve', 'frank', 'gina', 'hank', 'ivan', 'labby'] as const
export type AccountName = (typeof ACCOUNTS)[number]

export interface StrongRef {
  uri: string
  cid: string
}

export interface Account {
  did: string
  handle: string
  agent: AtpAgent
}

/** A write to an AppView's own state (a procedure with a JSON body), made as `viewer`. */
export interface PrivateAction {
  viewer: AccountName
  nsid: string
  input: Record<string, unknown>
}

export interface Scenario {
  accounts: Record<AccountName, Account>
  /** Named records the cases refer to (deleted ones included: their URIs must stay gone). */
  refs: Record<string, StrongRef>
  /** The feed generator's service DID (a PLC DID with a #bsky_fg endpoint). */
  feedServiceDid: string
  /** The network's Ozone labeler (its app.bsky.labeler.service record is on the PDS). */
  modServiceDid: string
  privateActions: PrivateAction[]
}

export interface SeedOptions {
  /** Sends a private action to every AppView that is running now (as one of `accounts`). */
  privateAction(action: PrivateAction, accounts: Record<AccountName, Account>): Promise<void>
  /**
   * Called once when the content is written, before the deletions: where a backfilling AppView
   * joins (its repo fetches then race the deletions).
   */
  contentWritten?(accounts: Record<AccountName, Account>): Promise<void>
  /**
   * Called once before the handle change, deactivation and takedown. A repo deactivated before an
   * AppView fetched it can never be fetched, so a backfilling AppView should be done by then.
   */
  beforeAccountChanges?(): Promise<void>
}

// A 1×1 PNG: the PDS checks that image blobs really are images.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

type Segment = string | { text: string; mention: string } | { text: string; link: string } | { text: string; tag: string }

/** Text with facets at the right UTF-8 byte offsets, built by hand so no handle resolution is involved. */
export function richText(segments: Segment[]): { text: string; facets: unknown[] } {
  let text = ''
  const facets: unknown[] = []
  for (const seg of segments) {
    if (typeof seg === 'string') {
      text += seg
      continue
    }
    const byteStart = Buffer.byteLength(text)
    text += seg.text
    const index = { byteStart, byteEnd: Buffer.byteLength(text) }
    const feature =
      'mention' in seg
        ? { $type: 'app.bsky.richtext.facet#mention', did: seg.mention }
        : 'link' in seg
          ? { $type: 'app.bsky.richtext.facet#link', uri: seg.link }
          : { $type: 'app.bsky.richtext.facet#tag', tag: seg.tag }
    facets.push({ index, features: [feature] })
  }
  return { text, facets }
}

const now = () => new Date().toISOString()
const rkeyOf = (uri: string) => uri.split('/').pop()!

export async function seedScenario(net: ReferenceNetwork, opts: SeedOptions): Promise<Scenario> {
  const accounts = {} as Record<AccountName, Account>
  const refs: Record<string, StrongRef> = {}
  const privateActions: PrivateAction[] = []

  for (const name of ACCOUNTS) {
    const acct = await net.createAccount(name)
    accounts[name] = acct
    await net.processAll()
  }
  const { alice, bob, carol, dan, eve, frank, gina, hank, ivan, labby } = accounts
  const did = (name: AccountName) => accounts[name].did

  /** createRecord (or putRecord with an rkey), then wait for the reference to index it. */
  const write = async (who: Account, collection: string, record: Record<string, unknown>, rkey?: string): Promise<StrongRef> => {
    const body = { repo: who.did, collection, record: { $type: collection, ...record } }
    const res = rkey
      ? await who.agent.com.atproto.repo.putRecord({ ...body, rkey })
      : await who.agent.com.atproto.repo.createRecord(body)
    await net.processAll()
    return { uri: res.data.uri, cid: res.data.cid }
  }
  const del = async (who: Account, uri: string): Promise<void> => {
    const [, , repo, collection, rkey] = uri.split('/')
    await who.agent.com.atproto.repo.deleteRecord({ repo: repo!, collection: collection!, rkey: rkey! })
    await net.processAll()
  }
  const blob = async (who: Account) => (await who.agent.uploadBlob(PNG, { encoding: 'image/png' })).data.blob
  const post = (who: Account, record: Record<string, unknown>) => write(who, 'app.bsky.feed.post', { createdAt: now(), ...record })
  const reply = (who: Account, root: StrongRef, parent: StrongRef, text: string) => post(who, { text, reply: { root, parent } })
  const like = (who: Account, subject: StrongRef) => write(who, 'app.bsky.feed.like', { subject, createdAt: now() })
  const repost = (who: Account, subject: StrongRef) => write(who, 'app.bsky.feed.repost', { subject, createdAt: now() })
  const follow = (who: Account, subject: Account) => write(who, 'app.bsky.graph.follow', { subject: subject.did, createdAt: now() })
  const listItem = (who: Account, list: StrongRef, subject: Account) =>
    write(who, 'app.bsky.graph.listitem', { list: list.uri, subject: subject.did, createdAt: now() })
  const quoteEmbed = (record: StrongRef) => ({ $type: 'app.bsky.embed.record', record })
  const act = async (action: PrivateAction): Promise<void> => {
    privateActions.push(action)
    await opts.privateAction(action, accounts)
    await net.processAll()
  }

  // Profiles and the small "declaration" records that shape profile views.
  const profile = async (who: Account, record: Record<string, unknown>) => write(who, 'app.bsky.actor.profile', record, 'self')
  const aliceProfile = {
    displayName: 'Alice Liddell',
    description: 'Down the rabbit hole. Posts about #magpie and parity.',
    avatar: await blob(alice),
    banner: await blob(alice),
    createdAt: '2024-01-01T00:00:00.000Z',
  }
  await profile(alice, aliceProfile)
  await profile(bob, { displayName: 'Bob', description: 'Builder of things', avatar: await blob(bob) })
  for (const [who, name] of [[carol, 'Carol'], [dan, 'Dan'], [eve, 'Eve'], [frank, 'Frank'], [hank, 'Hank'], [ivan, 'Ivan']] as const) {
    await profile(who, { displayName: name })
  }
  await profile(labby, { displayName: 'Labby the labeler', description: 'Labels spam' })
  await write(alice, 'chat.bsky.actor.declaration', { allowIncoming: 'following' }, 'self')
  await write(bob, 'app.bsky.notification.declaration', { allowSubscriptions: 'mutuals' }, 'self')

  // The follow graph (some of it is hidden later by blocks, or deleted).
  for (const [a, b] of [
    ['bob', 'alice'], ['alice', 'bob'], ['gina', 'alice'], ['alice', 'gina'], ['bob', 'gina'], ['gina', 'bob'], ['eve', 'alice'],
    ['frank', 'alice'], ['carol', 'alice'], ['alice', 'carol'], ['dan', 'bob'], ['hank', 'alice'], ['ivan', 'alice'],
    ['bob', 'eve'], ['bob', 'dan'], ['labby', 'alice'],
  ] as const) {
    refs[`follow:${a}->${b}`] = await follow(accounts[a], accounts[b])
  }

  // Posts: rich text with every facet kind, languages, each embed kind, a self-label.
  refs.a1 = await post(alice, {
    ...richText(['Hello from Alice! ', { text: '#magpie', tag: 'magpie' }, ' with ', { text: '@bob.test', mention: did('bob') }, ' — see ', { text: 'example.com/parity', link: 'https://example.com/parity' }]),
    langs: ['en'],
  })
  refs.a2 = await post(alice, {
    text: 'A picture of a very small square',
    langs: ['en'],
    embed: { $type: 'app.bsky.embed.images', images: [{ image: await blob(alice), alt: 'a tiny square', aspectRatio: { width: 1, height: 1 } }] },
  })
  refs.a3 = await post(alice, {
    text: 'Reading this today',
    embed: {
      $type: 'app.bsky.embed.external',
      external: { uri: 'https://example.com/article', title: 'An article', description: 'About AppViews', thumb: await blob(alice) },
    },
  })
  refs.a4 = await post(alice, { ...richText(['こんにちは、世界 ', { text: '#日本語', tag: '日本語' }]), langs: ['ja'] })
  refs.a5 = await post(alice, { text: 'Something graphic', labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] } })
  refs.b1 = await post(bob, { text: 'Olá! Bob here.', langs: ['pt', 'en'] })
  refs.g1 = await post(gina, { text: 'Gina was here (not for long)' })
  refs.e1 = await post(eve, { text: 'eve says hi' })
  refs.d1 = await post(dan, { text: 'dan posts alone' })
  refs.c1 = await post(carol, { text: 'carol has thoughts' })
  refs.h1 = await post(hank, { text: 'hank, soon gone' })
  refs.i1 = await post(ivan, { text: 'ivan, soon taken down' })

  // A thread five levels deep on a1, with side branches from several accounts.
  refs.r1 = await reply(bob, refs.a1, refs.a1, 'Reply one, from Bob')
  refs.r2 = await reply(alice, refs.a1, refs.r1, 'Reply two, Alice answers')
  refs.r3 = await reply(bob, refs.a1, refs.r2, 'Reply three, Bob again')
  refs.r4 = await reply(gina, refs.a1, refs.r3, 'Reply four, Gina joins')
  refs.r5 = await reply(gina, refs.a1, refs.r4, 'Reply five, deepest')
  refs.rc = await reply(carol, refs.a1, refs.a1, 'Carol replies before being blocked')
  refs.re = await reply(eve, refs.a1, refs.a1, 'Eve replies (this one gets hidden)')
  refs.rh = await reply(hank, refs.a1, refs.a1, 'Hank replies')
  refs.ri = await reply(ivan, refs.a1, refs.a1, 'Ivan replies')
  refs.rf = await reply(frank, refs.a1, refs.r1, 'Frank replies to Bob')

  // Quotes: plain, with media, of a post deleted later, of a feed generator and of a list (below).
  refs.q1 = await post(bob, { text: 'Quoting Alice', embed: quoteEmbed(refs.a1) })
  refs.q2 = await post(carol, {
    text: 'Quote with a picture',
    embed: {
      $type: 'app.bsky.embed.recordWithMedia',
      record: quoteEmbed(refs.a2),
      media: { $type: 'app.bsky.embed.images', images: [{ image: await blob(carol), alt: '' }] },
    },
  })
  refs.q3 = await post(alice, { text: 'Quoting Gina', embed: quoteEmbed(refs.g1) })

  // Reposts and likes.
  for (const [who, subject] of [['bob', 'a1'], ['bob', 'a2'], ['gina', 'b1'], ['eve', 'a1'], ['alice', 'b1'], ['hank', 'a1']] as const) {
    refs[`repost:${who}:${subject}`] = await repost(accounts[who], refs[subject]!)
  }
  for (const [who, subjects] of [
    ['bob', ['a1', 'a2', 'r2', 'q2']], ['gina', ['a1', 'r1']], ['eve', ['a1']], ['carol', ['a1']], ['dan', ['a1', 'b1']],
    ['alice', ['b1', 'r4', 'r1', 'q1']], ['hank', ['a1']], ['ivan', ['a1']], ['frank', ['a2']],
  ] as const) {
    for (const s of subjects) refs[`like:${who}:${s}`] = await like(accounts[who], refs[s]!)
  }

  // Interactions through reposts: Gina reposts a1 through Bob's repost, Carol likes b1 through Gina's.
  refs['repost:gina:a1'] = await write(gina, 'app.bsky.feed.repost', { subject: refs.a1, via: refs['repost:bob:a1'], createdAt: now() })
  refs['like:carol:b1'] = await write(carol, 'app.bsky.feed.like', { subject: refs.b1, via: refs['repost:gina:b1'], createdAt: now() })
  // Bob has seen his notifications up to here; Alice keeps her list but stops some pushes.
  await act({ viewer: 'bob', nsid: 'app.bsky.notification.updateSeen', input: { seenAt: now() } })
  await act({
    viewer: 'alice',
    nsid: 'app.bsky.notification.putPreferencesV2',
    input: { like: { include: 'all', list: true, push: false }, verified: { list: true, push: false } },
  })

  // Bookmarks (private): Bob keeps two of Alice's posts, one deleted later; Alice one of Bob's.
  await act({ viewer: 'bob', nsid: 'app.bsky.bookmark.createBookmark', input: { ...refs.a1 } })
  await act({ viewer: 'bob', nsid: 'app.bsky.bookmark.createBookmark', input: { ...refs.g1 } })
  await act({ viewer: 'alice', nsid: 'app.bsky.bookmark.createBookmark', input: { ...refs.b1 } })
  await act({ viewer: 'alice', nsid: 'app.bsky.bookmark.createBookmark', input: { ...refs.a1 } })

  // Drafts (private): Alice keeps two, one a thread in two languages; Bob one with a self-label.
  for (const [viewer, draft] of [
    ['alice', { posts: [{ text: 'A thought for later' }] }],
    ['alice', { posts: [{ text: 'Thread, part one' }, { text: 'Teil zwei' }], langs: ['en', 'de'], deviceName: 'Parity phone' }],
    ['bob', { posts: [{ text: 'Spoilers ahead', labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] } }] }],
  ] as const) {
    await act({ viewer, nsid: 'app.bsky.draft.createDraft', input: { draft } })
  }

  // A feed generator whose service DID resolves (dev-env's TestFeedGen), liked and quoted.
  const feedUri = `at://${alice.did}/app.bsky.feed.generator/pets`
  const feedGen = await net.network.createFeedGen({ [feedUri]: (async () => ({ encoding: 'application/json', body: { feed: [] } })) as never })
  const feedText = richText(['Cats and dogs, ', { text: '#pets', tag: 'pets' }])
  refs.feed = await write(alice, 'app.bsky.feed.generator', {
    did: feedGen.did,
    displayName: 'Pets',
    description: feedText.text,
    descriptionFacets: feedText.facets,
    avatar: await blob(alice),
    acceptsInteractions: true,
    createdAt: now(),
  }, 'pets')
  refs['like:bob:feed'] = await like(bob, refs.feed)
  refs['like:gina:feed'] = await like(gina, refs.feed)
  refs.qfeed = await post(bob, { text: 'Try this feed', embed: quoteEmbed(refs.feed) })

  // Lists: a curate list, two mod lists (one blocked through, one muted through), a starter pack's list.
  refs.friends = await write(alice, 'app.bsky.graph.list', {
    purpose: 'app.bsky.graph.defs#curatelist', name: 'Friends', description: 'People I like', avatar: await blob(alice), createdAt: now(),
  })
  for (const who of ['bob', 'gina', 'carol'] as const) refs[`friends:${who}`] = await listItem(alice, refs.friends, accounts[who])
  refs.trolls = await write(alice, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#modlist', name: 'Trolls', createdAt: now() })
  refs['trolls:frank'] = await listItem(alice, refs.trolls, frank)
  refs.noisy = await write(alice, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#modlist', name: 'Noisy', description: 'Loud accounts', createdAt: now() })
  refs['noisy:eve'] = await listItem(alice, refs.noisy, eve)
  refs['noisy:dan'] = await listItem(alice, refs.noisy, dan)
  refs['listblock:bob:trolls'] = await write(bob, 'app.bsky.graph.listblock', { subject: refs.trolls.uri, createdAt: now() })
  refs.qlist = await post(alice, { text: 'My friends list', embed: quoteEmbed(refs.friends) })
  refs.spList = await write(alice, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#referencelist', name: 'Magpie starters', createdAt: now() })
  for (const who of [bob, gina]) await listItem(alice, refs.spList, who)
  refs.starterpack = await write(alice, 'app.bsky.graph.starterpack', {
    name: 'Magpie starters', description: 'Follow these to start', list: refs.spList.uri, feeds: [{ uri: refs.feed.uri }], createdAt: now(),
  })
  // Gina asks to be left out of the starter pack's list (twice: only the first record counts).
  refs['optout:gina'] = await write(gina, 'app.bsky.graph.referencelistoptout', { subject: refs.spList.uri, createdAt: now() })
  refs['optout:gina:again'] = await write(gina, 'app.bsky.graph.referencelistoptout', { subject: refs.spList.uri, createdAt: now() })

  // A labeler of an ordinary account, liked; a verification of Bob by Alice.
  refs.labeler = await write(labby, 'app.bsky.labeler.service', {
    policies: {
      labelValues: ['spam', 'rude'],
      labelValueDefinitions: [{ identifier: 'rude', severity: 'alert', blurs: 'content', locales: [{ lang: 'en', name: 'Rude', description: 'Not nice' }] }],
    },
    createdAt: now(),
  }, 'self')
  refs['like:bob:labeler'] = await like(bob, refs.labeler)
  refs.verification = await write(alice, 'app.bsky.graph.verification', { subject: bob.did, handle: bob.handle, displayName: 'Bob', createdAt: now() })

  // Blocks both ways: Alice blocks Carol (who follows her and replied); Dan blocks Alice.
  refs['block:alice->carol'] = await write(alice, 'app.bsky.graph.block', { subject: carol.did, createdAt: now() })
  refs['block:dan->alice'] = await write(dan, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })

  // Mutes, through the AppViews themselves.
  await act({ viewer: 'bob', nsid: 'app.bsky.graph.muteActor', input: { actor: eve.did } })
  await act({ viewer: 'alice', nsid: 'app.bsky.graph.muteActor', input: { actor: frank.did } })
  await act({ viewer: 'bob', nsid: 'app.bsky.graph.muteActorList', input: { list: refs.noisy.uri } })
  await act({ viewer: 'bob', nsid: 'app.bsky.graph.muteThread', input: { root: refs.a3.uri } })

  // Thread gates: followers-only, mention-or-list, nobody; replies inside and outside each.
  const gated = async (name: string, text: Record<string, unknown>, allow: unknown[]): Promise<StrongRef> => {
    const root = (refs[name] = await post(alice, text))
    refs[`${name}:gate`] = await write(alice, 'app.bsky.feed.threadgate', { post: root.uri, allow, createdAt: now() }, rkeyOf(root.uri))
    return root
  }
  const p2 = await gated('p2', { text: 'Only people I follow can reply' }, [{ $type: 'app.bsky.feed.threadgate#followingRule' }])
  refs['p2:bob'] = await reply(bob, p2, p2, 'Bob may reply here')
  refs['p2:frank'] = await reply(frank, p2, p2, 'Frank may not reply here')
  const p4 = await gated('p4', richText(['Mentioned or friends only, ', { text: '@eve.test', mention: did('eve') }]), [
    { $type: 'app.bsky.feed.threadgate#mentionRule' },
    { $type: 'app.bsky.feed.threadgate#listRule', list: refs.friends.uri },
  ])
  refs['p4:eve'] = await reply(eve, p4, p4, 'Eve was mentioned')
  refs['p4:gina'] = await reply(gina, p4, p4, 'Gina is a friend')
  refs['p4:frank'] = await reply(frank, p4, p4, 'Frank is neither')
  const p6 = await gated('p6', { text: 'Nobody can reply to this' }, [])
  refs['p6:bob'] = await reply(bob, p6, p6, 'Bob tries anyway')
  // A gate added afterwards on a1, hiding Eve's reply (anyone may still reply).
  refs['a1:gate'] = await write(alice, 'app.bsky.feed.threadgate', { post: refs.a1.uri, hiddenReplies: [refs.re.uri], createdAt: now() }, rkeyOf(refs.a1.uri))

  // A post gate: Bob's earlier quote gets detached, later quotes violate the embedding rule.
  refs.p3 = await post(alice, { text: 'Quote me if you dare' })
  refs.q5 = await post(bob, { text: 'Bob quotes p3', embed: quoteEmbed(refs.p3) })
  refs['p3:gate'] = await write(alice, 'app.bsky.feed.postgate', {
    post: refs.p3.uri, detachedEmbeddingUris: [refs.q5.uri], embeddingRules: [{ $type: 'app.bsky.feed.postgate#disableRule' }], createdAt: now(),
  }, rkeyOf(refs.p3.uri))
  refs.q6 = await post(frank, { text: 'Frank quotes p3 anyway', embed: quoteEmbed(refs.p3) })

  // A thread for ranking replies (getPostThreadV2), by Labby, whom nobody follows, so it stays
  // out of most feeds: an OP line (t → t1 → t2) and a later OP reply, replies from followed,
  // muted, blocked and blocking accounts, a pushpin, a hidden reply, and likes to rank by.
  refs.t = await post(labby, { text: 'Labby starts a thread' })
  for (const [name, who, parent, text] of [
    ['t1', 'labby', 't', '1/ Labby goes on'], ['t2', 'labby', 't1', '2/ and on'],
    ['tc', 'carol', 't', 'Carol replies to Labby'], ['tg', 'gina', 't', 'Gina replies to Labby'],
    ['te', 'eve', 't', 'Eve replies to Labby'], ['tf', 'frank', 't', 'Frank replies to Labby'],
    ['td', 'dan', 't', 'Dan replies to Labby'], ['tpin', 'frank', 't', '📌'],
    ['tgc', 'carol', 'tg', 'Carol answers Gina'], ['tgf', 'frank', 'tg', 'Frank answers Gina'], ['tge', 'eve', 'tg', 'Eve answers Gina'],
    ['tl', 'labby', 't', 'Labby again, later'],
  ] as const) {
    refs[name] = await reply(accounts[who], refs.t, refs[parent]!, text)
  }
  for (const [who, subjects] of [['eve', ['tc', 'tf']], ['frank', ['tc']], ['dan', ['tc', 'tgc']], ['gina', ['tc']], ['labby', ['tg', 'tgf']]] as const) {
    for (const s of subjects) refs[`like:${who}:${s}`] = await like(accounts[who], refs[s]!)
  }
  refs['t:gate'] = await write(labby, 'app.bsky.feed.threadgate', { post: refs.t.uri, hiddenReplies: [refs.td!.uri], createdAt: now() }, rkeyOf(refs.t.uri))

  // The moderation service (Ozone) labels a post, a self-labelled post and an account, and takes
  // down a post Eve quoted (it labels it !takedown and tells the AppView).
  refs.m1 = await post(dan, { text: 'Dan sells something' })
  refs.m2 = await post(dan, { text: 'Dan posts something that is taken down' })
  refs.mq = await post(eve, { text: 'Eve quotes what is taken down', embed: quoteEmbed(refs.m2) })
  await labelSubject(net, refs.m1, ['spam'])
  await labelSubject(net, refs.a5, ['nudity'])
  await labelSubject(net, { did: did('frank') }, ['rude'])
  await takedownSubject(net, refs.m2)
  await mirrorLabelsToReference(net)

  await opts.contentWritten?.(accounts)

  // Bob verifies Alice and withdraws it: she hears of both (written after a backfill joins, so
  // every mode sees the verification before its delete).
  refs.bobVerifiesAlice = await write(bob, 'app.bsky.graph.verification', { subject: alice.did, handle: alice.handle, displayName: 'Alice', createdAt: now() })
  await del(bob, refs.bobVerifiesAlice.uri)

  // Deletions: a quoted post, a like, a follow, a repost, a reply, and a parent with a reply.
  refs.r6 = await reply(bob, refs.a1, refs.a1, 'A reply Bob regrets')
  await del(bob, refs.r6.uri)
  await del(gina, refs.g1.uri)
  await del(bob, refs['like:bob:r2']!.uri)
  await del(eve, refs['follow:eve->alice']!.uri)
  await del(bob, refs['repost:bob:a2']!.uri)
  refs.b2 = await post(bob, { text: 'Bob will delete this' })
  refs.ab2 = await reply(alice, refs.b2, refs.b2, 'Alice answers a post that disappears')
  await del(bob, refs.b2.uri)

  // Activity subscriptions (private), after their subjects' last posts: the reference makes its
  // subscribed-post notifications outside its data plane (dev-env makes none), so no post follows
  // one and the subscribers' notifications stay comparable. Bob subscribes to Gina and withdraws.
  const subscribe = (viewer: AccountName, subject: Account, post: boolean, reply: boolean) =>
    act({ viewer, nsid: 'app.bsky.notification.putActivitySubscription', input: { subject: subject.did, activitySubscription: { post, reply } } })
  await subscribe('alice', bob, true, true)
  await subscribe('gina', alice, true, false)
  await subscribe('bob', dan, true, false)
  await subscribe('bob', gina, false, true)
  await subscribe('bob', gina, false, false)

  // Alice pins a2; Gina becomes Regina; Hank leaves; Ivan is taken down.
  await profile(alice, { ...aliceProfile, pinnedPost: refs.a2 })
  await opts.beforeAccountChanges?.()
  // Alice has seen her notifications up to here. Then Gina joins through Alice's starter pack with
  // a profile claiming an older creation time: the join is news from when the profile was written
  // (unread, newest first), as the reference dates it. After the backfill, so that every mode sees
  // the profile's creation on the firehose, as the reference did.
  await act({ viewer: 'alice', nsid: 'app.bsky.notification.updateSeen', input: { seenAt: now() } })
  await profile(gina, { displayName: 'Gina', joinedViaStarterPack: refs.starterpack, createdAt: '2024-01-02T00:00:00.000Z' })
  await net.changeHandle(gina.did, 'regina')
  await net.processAll()
  await net.deactivate(hank.did)
  await net.processAll()
  await net.takedown(ivan.did)
  await net.processAll()

  return {
    accounts,
    refs,
    feedServiceDid: feedGen.did,
    modServiceDid: net.network.bsky.ctx.cfg.modServiceDid,
    privateActions,
  }
}
