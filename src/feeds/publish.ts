import { AtpAgent } from '@atproto/api'
import { FEED_CONFIG_FIELD, type PublishableFeed } from '#/feeds/specs.js'

/**
 * Publishing Magpie's feeds: app.bsky.feed.generator records in an account's repo naming
 * Magpie's DID as the feed service. That is all a Bluesky client needs to list and show a feed;
 * the record's `magpieFeed` field tells Magpie which algorithm it is.
 */

export interface PublishOptions {
  /** The account's PDS. */
  pds: string
  /** Handle or DID, and its (app) password. */
  identifier: string
  password: string
  /** Magpie's DID (SERVICE_DID). */
  serviceDid: string
  feeds: PublishableFeed[]
}

const GENERATOR = 'app.bsky.feed.generator'

/** Writes (or rewrites, keeping their creation time) the records; their URIs, in order. */
export async function publishFeeds(opts: PublishOptions): Promise<string[]> {
  const agent = new AtpAgent({ service: opts.pds })
  await agent.login({ identifier: opts.identifier, password: opts.password })
  const repo = agent.session!.did
  const uris: string[] = []
  for (const feed of opts.feeds) {
    const createdAt = (await existingRecord(agent, repo, feed.rkey))?.createdAt ?? new Date().toISOString()
    const record = {
      $type: GENERATOR,
      did: opts.serviceDid,
      displayName: feed.displayName,
      description: feed.description,
      createdAt,
      [FEED_CONFIG_FIELD]: feed.config,
    }
    const res = await agent.com.atproto.repo.putRecord({ repo, collection: GENERATOR, rkey: feed.rkey, record })
    uris.push(res.data.uri)
  }
  return uris
}

async function existingRecord(agent: AtpAgent, repo: string, rkey: string): Promise<{ createdAt?: string } | undefined> {
  try {
    const res = await agent.com.atproto.repo.getRecord({ repo, collection: GENERATOR, rkey })
    const createdAt = (res.data.value as { createdAt?: unknown }).createdAt
    return { createdAt: typeof createdAt === 'string' ? createdAt : undefined }
  } catch {
    // Not there yet (RecordNotFound): a new feed.
    return undefined
  }
}
