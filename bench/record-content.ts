/**
 * Realistic record content for the bench generators (the firehose stream and the repo corpus):
 * text of network-like lengths in several languages, facets, embeds, and one builder per record
 * type. Every choice comes from the caller's seeded PRNG, so a seed always yields the same records.
 */
import type { Rng } from '#devnet/rng.js'
import { fakeCid, RAW } from './atproto-primitives.js'

export interface StrongRef {
  uri: string
  cid: string
}

const WORDS_EN = (
  'the a to and of in is it you that for on this with just be my was have are so not but at what like ' +
  'all me about one out up if get they do its from by we your can no more when time today people ' +
  'good new now think know really going love day see some would how an will been make much also back ' +
  'still here thing way post want even great need first year right work over going why too feel ' +
  'thread bluesky feed art photo morning night game music book read watch week friends thanks lol ' +
  'actually pretty little someone world city coffee weather dog cat home weekend movie news school ' +
  'open source code release project data search ingest index cluster rust typescript server bug fix ' +
  'garden rain sun beach train bike walk dinner lunch breakfast favorite best worst tiny huge maybe ' +
  'never always sometimes wonder hope wish tired happy sad weird funny beautiful strange quiet loud'
).split(/\s+/)
const WORDS_PT = 'que não uma para com mais muito hoje bom dia gente tudo isso está aqui agora obrigado amor vida casa'.split(' ')
const WORDS_DE = 'und der die das nicht ist ich mit auf heute gut sehr auch noch wieder danke schön Zeit Leute Welt'.split(' ')
const WORDS_ES = 'que de la el en los por para con una muy hoy bien gracias todo nada vida mundo gente tiempo casa'.split(' ')
const JA_CHUNKS = 'きょうは いい天気 ですね ありがとう 本当に 楽しい 仕事 おはよう 写真 今日も 猫 かわいい 電車 コーヒー 明日 がんばる'.split(' ')
const EMOJI = ['😂', '❤️', '🥲', '✨', '🙏', '🔥', '👀', '🎉', '😅', '🦋', '☕', '🌧️']
const DOMAINS = ['example.com', 'news.example.org', 'blog.example.net', 'youtu.be', 'github.com', 'en.wikipedia.org', 'www.theguardian.com', 'arxiv.org', 'substack.com', 'medium.com']
const TAGS = ['art', 'photography', 'bookclub', 'gamedev', 'atproto', 'rust', 'caturday', 'science', 'music', 'BlueskyBirthday', 'news', 'webdev']
const LANGS: { lang: string; weight: number }[] = [
  { lang: 'en', weight: 70 },
  { lang: 'ja', weight: 10 },
  { lang: 'pt', weight: 8 },
  { lang: 'de', weight: 4 },
  { lang: 'es', weight: 5 },
  { lang: 'xx', weight: 3 }, // no langs field
]
const LANG_TOTAL = LANGS.reduce((n, l) => n + l.weight, 0)

/** A handle for account number `n`: two words and the number, mostly under bsky.social. */
export function handleFor(rng: Rng, n: number): string {
  return `${rng.pick(WORDS_EN)}${rng.pick(WORDS_EN)}${n}.${rng.chance(0.85) ? 'bsky.social' : rng.pick(['example.com', 'example.org', 'example.net'])}`
}

export function pickLang(rng: Rng): string {
  let x = rng.int(LANG_TOTAL)
  for (const l of LANGS) {
    if (x < l.weight) return l.lang
    x -= l.weight
  }
  return 'en'
}

/** Real posts are mostly short with a long tail up to the 300-character limit. */
function textLength(rng: Rng): number {
  const x = rng.next()
  if (x < 0.12) return rng.range(0, 12)
  if (x < 0.6) return rng.range(12, 100)
  if (x < 0.87) return rng.range(100, 200)
  return rng.range(200, 300)
}

/**
 * Words drawn by how often they occur in a body of real text. Real vocabularies have a long tail
 * (a few words in most posts, most words in very few), which is what decides how many posts a
 * search term matches; the fixed lists above are all common words.
 */
export class Vocabulary {
  private cumulative: Float64Array

  constructor(readonly words: string[], counts: number[]) {
    this.cumulative = new Float64Array(counts.length)
    let total = 0
    for (let i = 0; i < counts.length; i++) this.cumulative[i] = total += counts[i]!
  }

  /** Whitespace-separated words of `texts`, with links, mentions and hashtags left out and edge punctuation trimmed. */
  static fromTexts(texts: Iterable<string>): Vocabulary {
    const counts = new Map<string, number>()
    for (const text of texts) {
      for (const raw of text.split(/\s+/u)) {
        if (/^[@#]|\/|^www\.|\.(com|org|net)\b/u.test(raw)) continue
        const w = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
        if (/\p{L}/u.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1)
      }
    }
    // Most frequent first, ties by the word: the same texts give the same table.
    const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    return new Vocabulary(sorted.map(([w]) => w), sorted.map(([, n]) => n))
  }

  pick(rng: Rng): string {
    const u = rng.next() * this.cumulative[this.cumulative.length - 1]!
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cumulative[mid]! <= u) lo = mid + 1
      else hi = mid
    }
    return this.words[lo]!
  }
}

/** Words in `lang` up to `maxLen` characters; English ones from `vocab` when given. */
export function words(rng: Rng, lang: string, maxLen: number, vocab?: Vocabulary): string {
  if (maxLen <= 0) return ''
  let out = ''
  const english = (): string => (vocab ? vocab.pick(rng) : rng.pick(WORDS_EN))
  for (;;) {
    let w: string
    if (lang === 'ja') w = rng.pick(JA_CHUNKS)
    else if (lang === 'pt') w = rng.chance(0.7) ? rng.pick(WORDS_PT) : english()
    else if (lang === 'de') w = rng.chance(0.7) ? rng.pick(WORDS_DE) : english()
    else if (lang === 'es') w = rng.chance(0.7) ? rng.pick(WORDS_ES) : english()
    else w = english()
    if (rng.chance(0.03)) w = rng.pick(EMOJI)
    const sep = out === '' ? '' : lang === 'ja' ? (rng.chance(0.3) ? '、' : '') : rng.chance(0.06) ? '. ' : ' '
    if (out.length + sep.length + w.length > maxLen) break
    out += sep + w
  }
  if (out !== '' && out.length < maxLen && rng.chance(0.4)) out += lang === 'ja' ? '。' : rng.pick(['.', '!', '?', '…'])
  return out
}

function blob(rng: Rng, mime: string, maxSize: number): Record<string, unknown> {
  return { $type: 'blob', ref: fakeCid(`blob${rng.next()}`, RAW), mimeType: mime, size: rng.range(Math.min(20_000, maxSize), maxSize) }
}

function externalEmbed(rng: Rng, uri: string): Record<string, unknown> {
  const ext: Record<string, unknown> = {
    uri,
    title: words(rng, 'en', rng.range(10, 80)),
    description: words(rng, 'en', rng.range(0, 200)),
  }
  if (rng.chance(0.7)) ext.thumb = blob(rng, 'image/jpeg', 1_000_000)
  return { $type: 'app.bsky.embed.external', external: ext }
}

const randomLink = (rng: Rng): string => `https://${rng.pick(DOMAINS)}/${rng.pick(WORDS_EN)}-${rng.int(100_000)}`

export interface PostSources {
  rng: Rng
  /** An account to @-mention. */
  mention(): { did: string; handle: string }
  /** A post to quote. */
  quote(): StrongRef
  /** Where English words come from (the fixed list when absent). */
  vocabulary?: Vocabulary
}

export function postRecord(src: PostSources, createdAt: string, reply?: { root: StrongRef; parent: StrongRef }): Record<string, unknown> {
  const { rng } = src
  const lang = pickLang(rng)
  const target = textLength(rng)
  const facets: Record<string, unknown>[] = []
  // Facet-bearing parts go at the end; the body is shortened to make room.
  const extras: { text: string; feature: Record<string, unknown> }[] = []
  if (rng.chance(0.08)) {
    const m = src.mention()
    extras.push({ text: `@${m.handle}`, feature: { $type: 'app.bsky.richtext.facet#mention', did: m.did } })
  }
  let linkUri: string | undefined
  if (rng.chance(0.15)) {
    linkUri = `https://${rng.pick(DOMAINS)}/${rng.pick(WORDS_EN)}/${rng.int(1_000_000)}`
    extras.push({ text: linkUri, feature: { $type: 'app.bsky.richtext.facet#link', uri: linkUri } })
  }
  if (rng.chance(0.06)) {
    const tag = rng.pick(TAGS)
    extras.push({ text: `#${tag}`, feature: { $type: 'app.bsky.richtext.facet#tag', tag } })
  }
  const extraLen = extras.reduce((n, e) => n + e.text.length + 1, 0)
  const vocab = src.vocabulary
  let text = words(rng, lang, Math.max(0, Math.min(target, 300 - extraLen)), vocab)
  for (const e of extras) {
    if (text !== '') text += ' '
    const byteStart = Buffer.byteLength(text, 'utf8')
    text += e.text
    facets.push({ index: { byteStart, byteEnd: byteStart + Buffer.byteLength(e.text, 'utf8') }, features: [e.feature] })
  }
  const record: Record<string, unknown> = { $type: 'app.bsky.feed.post', text, createdAt }
  if (lang !== 'xx') record.langs = rng.chance(0.05) ? [lang, 'en'] : [lang]
  if (facets.length > 0) record.facets = facets
  if (reply) record.reply = reply
  if (rng.chance(0.01)) record.tags = [rng.pick(TAGS)]

  const image = (): Record<string, unknown> => {
    const img: Record<string, unknown> = { image: blob(rng, rng.chance(0.8) ? 'image/jpeg' : 'image/png', 1_000_000), alt: rng.chance(0.4) ? words(rng, lang, rng.range(10, 200), vocab) : '' }
    if (rng.chance(0.9)) img.aspectRatio = { width: rng.range(400, 2000), height: rng.range(400, 2000) }
    return img
  }
  const images = (): Record<string, unknown> => ({ $type: 'app.bsky.embed.images', images: Array.from({ length: rng.chance(0.7) ? 1 : rng.range(2, 4) }, image) })
  const video = (): Record<string, unknown> => ({ $type: 'app.bsky.embed.video', video: blob(rng, 'video/mp4', 50_000_000), aspectRatio: { width: 1080, height: 1920 } })
  const e = rng.next()
  if (linkUri && rng.chance(0.6)) record.embed = externalEmbed(rng, linkUri)
  else if (e < 0.18) record.embed = images()
  else if (e < 0.22) record.embed = { $type: 'app.bsky.embed.record', record: src.quote() }
  else if (e < 0.23) record.embed = { $type: 'app.bsky.embed.recordWithMedia', record: { $type: 'app.bsky.embed.record', record: src.quote() }, media: images() }
  else if (e < 0.25) record.embed = video()
  else if (e < 0.27) record.embed = externalEmbed(rng, linkUri ?? randomLink(rng))
  return record
}

export function profileRecord(rng: Rng, createdAt: string, vocab?: Vocabulary): Record<string, unknown> {
  const profile: Record<string, unknown> = { $type: 'app.bsky.actor.profile', displayName: words(rng, 'en', rng.range(3, 40), vocab), createdAt }
  if (rng.chance(0.8)) profile.description = words(rng, pickLang(rng), rng.range(0, 250), vocab)
  if (rng.chance(0.85)) profile.avatar = blob(rng, 'image/jpeg', 1_000_000)
  if (rng.chance(0.5)) profile.banner = blob(rng, 'image/jpeg', 1_000_000)
  return profile
}

export type ListPurpose = 'curatelist' | 'modlist' | 'referencelist'

export function listRecord(rng: Rng, purpose: ListPurpose, createdAt: string): Record<string, unknown> {
  return {
    $type: 'app.bsky.graph.list',
    purpose: `app.bsky.graph.defs#${purpose}`,
    name: words(rng, 'en', rng.range(3, 40)) || 'list',
    description: words(rng, 'en', rng.range(0, 120)),
    createdAt,
  }
}

/** Likes and reposts: a strong reference to a post. */
export function postInteractionRecord(type: 'app.bsky.feed.like' | 'app.bsky.feed.repost', subject: StrongRef, createdAt: string): Record<string, unknown> {
  return { $type: type, subject: { uri: subject.uri, cid: subject.cid }, createdAt }
}

/** Follows and blocks: an account's DID. */
export function accountSubjectRecord(type: 'app.bsky.graph.follow' | 'app.bsky.graph.block', subject: string, createdAt: string): Record<string, unknown> {
  return { $type: type, subject, createdAt }
}

export function listitemRecord(subject: string, list: string, createdAt: string): Record<string, unknown> {
  return { $type: 'app.bsky.graph.listitem', subject, list, createdAt }
}

export function listblockRecord(list: string, createdAt: string): Record<string, unknown> {
  return { $type: 'app.bsky.graph.listblock', subject: list, createdAt }
}

export function threadgateRecord(rng: Rng, post: string, createdAt: string, curateList?: string): Record<string, unknown> {
  const allow: Record<string, unknown>[] = []
  const x = rng.next()
  if (x < 0.25) {
    // An empty allow list: nobody may reply.
  } else if (x < 0.6) {
    allow.push({ $type: 'app.bsky.feed.threadgate#followingRule' })
  } else if (x < 0.8) {
    allow.push({ $type: 'app.bsky.feed.threadgate#mentionRule' }, { $type: 'app.bsky.feed.threadgate#followingRule' })
  } else {
    allow.push({ $type: 'app.bsky.feed.threadgate#followerRule' })
  }
  if (curateList && rng.chance(0.3)) allow.push({ $type: 'app.bsky.feed.threadgate#listRule', list: curateList })
  return { $type: 'app.bsky.feed.threadgate', post, allow, createdAt }
}

export function postgateRecord(rng: Rng, post: string, createdAt: string): Record<string, unknown> {
  const record: Record<string, unknown> = { $type: 'app.bsky.feed.postgate', post, createdAt }
  record.embeddingRules = rng.chance(0.7) ? [{ $type: 'app.bsky.feed.postgate#disableRule' }] : []
  return record
}

export function generatorRecord(rng: Rng, serviceDid: string, createdAt: string): Record<string, unknown> {
  const record: Record<string, unknown> = {
    $type: 'app.bsky.feed.generator',
    did: serviceDid,
    displayName: words(rng, 'en', rng.range(4, 24)) || 'feed',
    description: words(rng, pickLang(rng), rng.range(0, 200)),
    createdAt,
  }
  if (rng.chance(0.6)) record.avatar = blob(rng, 'image/png', 1_000_000)
  return record
}

export function starterpackRecord(rng: Rng, list: string, feeds: string[], createdAt: string): Record<string, unknown> {
  const record: Record<string, unknown> = {
    $type: 'app.bsky.graph.starterpack',
    name: words(rng, 'en', rng.range(4, 40)) || 'starter pack',
    list,
    createdAt,
  }
  if (rng.chance(0.7)) record.description = words(rng, pickLang(rng), rng.range(0, 250))
  if (feeds.length > 0) record.feeds = feeds.slice(0, 3).map((uri) => ({ uri }))
  return record
}

export function verificationRecord(subject: { did: string; handle: string }, displayName: string, createdAt: string): Record<string, unknown> {
  return { $type: 'app.bsky.graph.verification', subject: subject.did, handle: subject.handle, displayName, createdAt }
}

export function labelerServiceRecord(rng: Rng, createdAt: string): Record<string, unknown> {
  const values = ['spam', 'rude', 'misleading', 'ai-generated', 'spoiler', 'satire']
  const labelValues = values.filter(() => rng.chance(0.5))
  return { $type: 'app.bsky.labeler.service', policies: { labelValues: labelValues.length > 0 ? labelValues : ['spam'] }, createdAt }
}

export function actorStatusRecord(rng: Rng, createdAt: string): Record<string, unknown> {
  return {
    $type: 'app.bsky.actor.status',
    status: 'app.bsky.actor.status#live',
    embed: externalEmbed(rng, `https://stream.example.tv/${rng.pick(WORDS_EN)}`),
    durationMinutes: rng.range(15, 240),
    createdAt,
  }
}

export function chatDeclarationRecord(rng: Rng): Record<string, unknown> {
  return { $type: 'chat.bsky.actor.declaration', allowIncoming: rng.pick(['all', 'following', 'following', 'none']) }
}

export function notificationDeclarationRecord(rng: Rng): Record<string, unknown> {
  return { $type: 'app.bsky.notification.declaration', allowSubscriptions: rng.pick(['followers', 'followers', 'mutuals', 'none']) }
}

/** A record of a third-party lexicon (a long-form blog entry), which Magpie stores generically. */
export function blogEntryRecord(rng: Rng, createdAt: string): Record<string, unknown> {
  const paragraphs = Array.from({ length: rng.range(2, 8) }, () => words(rng, pickLang(rng), rng.range(80, 600)))
  return {
    $type: 'com.whtwnd.blog.entry',
    title: words(rng, 'en', rng.range(10, 70)),
    content: paragraphs.join('\n\n'),
    createdAt,
    visibility: rng.pick(['public', 'public', 'url']),
  }
}
