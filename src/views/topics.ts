import type { AppBskyActorDefs, AppBskyUnspeccedDefs, Un$Typed } from '@atproto/api'
import type { TopicStat, Trend } from '#/dataplane/index.js'

/**
 * A topic's name as shown and its link to the app's page for it, as Bluesky links them: a
 * hashtag to its hashtag page, a word to a search for it.
 */
function topicNames(topic: TopicStat): { topic: string; displayName: string; link: string } {
  const name = encodeURIComponent(topic.topic)
  return topic.kind === 'hashtag'
    ? { topic: topic.topic, displayName: `#${topic.topic}`, link: `/hashtag/${name}` }
    : { topic: topic.topic, displayName: topic.topic, link: `/search?q=${name}` }
}

/** app.bsky.unspecced.defs#trendingTopic. */
export function trendingTopicView(topic: TopicStat): Un$Typed<AppBskyUnspeccedDefs.TrendingTopic> {
  return topicNames(topic)
}

/** app.bsky.unspecced.defs#trendView, with the accounts shown for it. */
export function trendView(trend: Trend, actors: Un$Typed<AppBskyActorDefs.ProfileViewBasic>[]): Un$Typed<AppBskyUnspeccedDefs.TrendView> {
  return { ...topicNames(trend.topic), startedAt: trend.startedAt, postCount: trend.postCount, actors }
}
