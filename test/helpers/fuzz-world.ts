import { methods } from '#/api/index.js'
import type { DevAccount } from '#devnet/network.js'
import type { FuzzTarget } from './fuzz-run.js'
import { fuzzTokens } from './fuzz-tokens.js'
import { startTestLabeler, type TestLabeler } from './labeler.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from './magpie-api.js'
import { loadLexicons, type FuzzWorld } from './xrpc-fuzz.js'

/**
 * What the XRPC fuzz runs against: Magpie's real server over the real OpenSearch node (a
 * dev-env PDS and PLC for the accounts whose tokens it verifies, live ingest of their records),
 * a small world of records of every kind the methods read, and a labeler with a key of its own.
 */

export interface FuzzSetup {
  api: MagpieApi
  target: FuzzTarget
  viewer: DevAccount
  close(): Promise<void>
}

export async function startFuzzSetup(name: string, env: Record<string, string> = {}): Promise<FuzzSetup> {
  const labeler = await startTestLabeler()
  let api: MagpieApi | undefined
  try {
    api = await startMagpieApi(name, { LABELER_DIDS: labeler.did, ...env })
    const [alice, bob] = (await Promise.all(['alice', 'bob'].map((n) => api!.net.createAccount(n)))) as [DevAccount, DevAccount]
    const world = await writeWorld(api, alice, bob)
    const tokens = await fuzzTokens({
      serviceDid: api.serviceDid,
      viewer: { did: alice.did, keypair: await api.net.raw.pds.ctx.actorStore.keypair(alice.did) },
      other: { did: bob.did },
      labeler: { did: labeler.did, keypair: labeler.key },
    })
    const target: FuzzTarget = { base: api.base, methods, lexicons: loadLexicons(), world, tokens }
    const started = api
    return {
      api,
      target,
      viewer: alice,
      async close() {
        await labeler.close()
        await started.close()
      },
    }
  } catch (err) {
    await labeler.close()
    await api?.close()
    throw err
  }
}

async function writeWorld(api: MagpieApi, alice: DevAccount, bob: DevAccount): Promise<FuzzWorld> {
  const createdAt = new Date().toISOString()
  const post = await createRecord(alice.agent, 'app.bsky.feed.post', { text: 'magpies hoard shiny things #shiny https://example.com', langs: ['en'], createdAt })
  const reply = await createRecord(bob.agent, 'app.bsky.feed.post', {
    text: 'hello magpie',
    reply: { root: post, parent: post },
    createdAt,
  })
  const quote = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'a nest', embed: { $type: 'app.bsky.embed.record', record: post }, createdAt })
  const list = await createRecord(alice.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'birds', createdAt })
  const records = [
    post,
    reply,
    quote,
    list,
    await createRecord(alice.agent, 'app.bsky.graph.listitem', { list: list.uri, subject: bob.did, createdAt }),
    await createRecord(alice.agent, 'app.bsky.graph.starterpack', { name: 'flock', list: list.uri, createdAt }),
    await createRecord(alice.agent, 'app.bsky.feed.generator', { did: 'did:web:feeds.magpie.test', displayName: 'shiny', createdAt }),
    await createRecord(alice.agent, 'app.bsky.graph.follow', { subject: bob.did, createdAt }),
    await createRecord(bob.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt }),
    await createRecord(bob.agent, 'app.bsky.feed.like', { subject: post, createdAt }),
    await createRecord(bob.agent, 'app.bsky.feed.repost', { subject: post, createdAt }),
    await createRecord(alice.agent, 'app.bsky.actor.profile', { displayName: 'Alice' }, 'self'),
  ]
  await until('the fuzz world is indexed', () => api.xrpc('app.bsky.feed.getPosts', { uris: [post.uri, reply.uri, quote.uri] }), (a) => a.body.posts?.length === 3)
  return { dids: [alice.did, bob.did], handles: [alice.handle, bob.handle], records }
}
