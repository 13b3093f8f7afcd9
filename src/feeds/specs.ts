import { createHash } from 'node:crypto'
import { isValidLanguage } from '@atproto/syntax'
import { z } from 'zod'
import { normalizeTag } from '#/indexing/transforms/post.js'

/**
 * Which built-in feed a generator record asks for. A record pointing at Magpie's DID is answered
 * by the algorithm its config names (the `magpieFeed` field, an extra field the lexicon allows),
 * else by its record key:
 *
 *   whats-hot        engagement with time decay over recent top-level posts
 *   more-like-liked  posts like the viewer's recent likes, from accounts they do not follow
 *   tag-<tag>        posts with the hashtag, newest first
 *   lang-<code>      posts in the language, newest first
 *
 * Record keys cannot carry every hashtag (`#猫`), which is what the record config is for.
 */

export type FeedSpec =
  | { algorithm: 'whats-hot' }
  | { algorithm: 'more-like-liked' }
  /** Posts with any of the tags (when given) in any of the languages (when given), newest first. */
  | { algorithm: 'posts'; tags: string[]; langs: string[]; includeReplies: boolean }

export const FEED_CONFIG_FIELD = 'magpieFeed'

const MAX_VALUES = 10
const tag = z.string().min(1).max(64).transform(normalizeTag).refine((t) => t !== '', 'an empty tag')
const lang = z.string().refine(isValidLanguage, 'not a language code')

const configSchema = z
  .discriminatedUnion('algorithm', [
    z.object({ algorithm: z.literal('whats-hot') }),
    z.object({ algorithm: z.literal('more-like-liked') }),
    z.object({
      algorithm: z.literal('posts'),
      tags: z.array(tag).max(MAX_VALUES).default([]),
      langs: z.array(lang).max(MAX_VALUES).default([]),
      includeReplies: z.boolean().default(false),
    }),
  ])
  // Every post there is, newest first, is the firehose, not a feed.
  .refine((c) => c.algorithm !== 'posts' || c.tags.length > 0 || c.langs.length > 0, 'needs tags or langs')

/** The feed a generator record (when Magpie has it) or, failing that, its URI's record key names; undefined when none. */
export function feedSpecFor(uri: string, record?: Record<string, unknown>): FeedSpec | undefined {
  const config = record?.[FEED_CONFIG_FIELD]
  if (config !== undefined) {
    const parsed = configSchema.safeParse(config)
    return parsed.success ? parsed.data : undefined
  }
  return specForRkey(uri.split('/').pop() ?? '')
}

function specForRkey(rkey: string): FeedSpec | undefined {
  if (rkey === 'whats-hot' || rkey === 'more-like-liked') return { algorithm: rkey }
  const [, kind, value] = /^(tag|lang)-(.+)$/.exec(rkey) ?? []
  if (kind === 'tag') {
    const t = normalizeTag(value!)
    return t ? { algorithm: 'posts', tags: [t], langs: [], includeReplies: false } : undefined
  }
  if (kind === 'lang' && isValidLanguage(value!)) return { algorithm: 'posts', tags: [], langs: [value!], includeReplies: false }
  return undefined
}

/** A feed as `magpie feeds publish` writes it: the record key and the record's own fields. */
export interface PublishableFeed {
  rkey: string
  displayName: string
  description: string
  config: FeedSpec
}

// Record keys: 1–512 of these characters; "." and ".." are not allowed.
const RKEY = /^[A-Za-z0-9._~:-]{1,512}$/
const MAX_DISPLAY_NAME = 24

/**
 * A feed named on the command line: `whats-hot`, `more-like-liked`, `tag:<hashtag>` or
 * `lang:<code>`; undefined for anything else.
 */
export function publishableFeed(name: string): PublishableFeed | undefined {
  if (name === 'whats-hot') {
    return { rkey: name, displayName: "What's hot", description: 'Top-level posts with the most likes, reposts and replies lately, newer ones first.', config: { algorithm: name } }
  }
  if (name === 'more-like-liked') {
    return { rkey: name, displayName: 'More like what I liked', description: 'Posts like the ones you liked recently, from accounts you do not follow.', config: { algorithm: name } }
  }
  const [, kind, value = ''] = /^(tag|lang):(.+)$/.exec(name) ?? []
  if (kind === 'tag') {
    const t = normalizeTag(value)
    if (!t || t.length > 64) return undefined
    // A tag that cannot be a record key is named by its hash; the config says which it is.
    const rkey = RKEY.test(`tag-${t}`) && t.length <= 100 ? `tag-${t}` : `tag-${createHash('sha256').update(t).digest('hex').slice(0, 16)}`
    return { rkey, displayName: `#${t}`.slice(0, MAX_DISPLAY_NAME), description: `Posts tagged #${t}, newest first.`, config: { algorithm: 'posts', tags: [t], langs: [], includeReplies: false } }
  }
  if (kind === 'lang' && isValidLanguage(value)) {
    return { rkey: `lang-${value}`, displayName: `Posts in ${value}`.slice(0, MAX_DISPLAY_NAME), description: `Posts in the language ${value}, newest first.`, config: { algorithm: 'posts', tags: [], langs: [value], includeReplies: false } }
  }
  return undefined
}
