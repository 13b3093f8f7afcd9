import type { AppBskyUnspeccedDefs, Un$Typed } from '@atproto/api'
import type { TopicStat } from '#/dataplane/index.js'

/**
 * app.bsky.unspecced.defs#trendingTopic, linked to the app's page for it as Bluesky links
 * them: a hashtag to its hashtag page, a word to a search for it.
 */
export function trendingTopicView(topic: TopicStat): Un$Typed<AppBskyUnspeccedDefs.TrendingTopic> {
  const name = encodeURIComponent(topic.topic)
  return topic.kind === 'hashtag'
    ? { topic: topic.topic, displayName: `#${topic.topic}`, link: `/hashtag/${name}` }
    : { topic: topic.topic, displayName: topic.topic, link: `/search?q=${name}` }
}
