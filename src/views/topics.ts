import type { AppBskyUnspeccedDefs, Un$Typed } from '@atproto/api'
import type { TopicStat } from '#/dataplane/index.js'

/** app.bsky.unspecced.defs#trendingTopic for a hashtag: linked to the app's hashtag page, as Bluesky links tags. */
export function trendingTopicView(topic: TopicStat): Un$Typed<AppBskyUnspeccedDefs.TrendingTopic> {
  return { topic: topic.tag, displayName: `#${topic.tag}`, link: `/hashtag/${encodeURIComponent(topic.tag)}` }
}
