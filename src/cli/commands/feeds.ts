import type { Command } from '#/cli/commands/index.js'
import { UsageError } from '#/cli/usage-error.js'
import { loadConfig, serviceDid } from '#/config/env.js'
import { publishFeeds } from '#/feeds/publish.js'
import { publishableFeed, type PublishableFeed } from '#/feeds/specs.js'

const DEFAULT_FEEDS = ['whats-hot', 'more-like-liked']

export const feeds: Command = {
  name: 'feeds',
  args: 'publish',
  summary: "Publish Magpie's built-in feeds as feed generator records in an account's repo",
  options: {
    pds: { type: 'string', help: "the account's PDS (e.g. https://bsky.social)" },
    handle: { type: 'string', help: 'the account (handle or DID)' },
    password: { type: 'string', help: 'its app password (default: env FEEDS_PUBLISH_PASSWORD)' },
    feed: {
      type: 'string',
      multiple: true,
      help: 'whats-hot, more-like-liked, tag:<hashtag> or lang:<code>; repeatable (default: whats-hot and more-like-liked)',
    },
  },
  async run(values, positionals = []) {
    if (positionals.join(' ') !== 'publish') throw new UsageError('usage: magpie feeds publish --pds <url> --handle <handle> [--feed <name>]…')
    const pds = values.pds as string | undefined
    const handle = values.handle as string | undefined
    const password = (values.password as string | undefined) ?? process.env.FEEDS_PUBLISH_PASSWORD
    if (!pds || !handle || !password) throw new UsageError('--pds, --handle and a password (--password or FEEDS_PUBLISH_PASSWORD) are needed')
    const names = (values.feed as string[] | undefined) ?? DEFAULT_FEEDS
    const chosen: PublishableFeed[] = names.map((name) => {
      const feed = publishableFeed(name)
      if (!feed) throw new UsageError(`unknown feed "${name}": whats-hot, more-like-liked, tag:<hashtag> or lang:<code>`)
      return feed
    })
    const did = serviceDid(loadConfig())
    const uris = await publishFeeds({ pds, identifier: handle, password, serviceDid: did, feeds: chosen })
    for (const uri of uris) console.log(uri)
    console.error(`published ${uris.length} feed(s) served by ${did}; add them in a Bluesky client from the account's profile (Feeds tab) or by link`)
    return 0
  },
}
