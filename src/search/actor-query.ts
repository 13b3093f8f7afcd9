/**
 * The text half of actor search (searchActors, searchActorsTypeahead): what the user typed →
 * one query of the `actors` index (handles) and one of `profiles` (display names, bios). Pure,
 * so the tiers below can be read and tested without a cluster. User text only ever reaches
 * `term`/`match` clauses, never a query language.
 *
 * Each clause is a constant score — its tier — and a document scores its best tier (dis_max)
 * plus a little of the others: ranking is by which way the text matched, not by BM25 noise
 * that differs between the two indices and so could not be compared when merging them.
 */

/** Tier scores; gaps of 10 or more so that follower counts (≤ ~7) only break ties within a tier. */
export const TIERS = {
  exactHandle: 1000,
  handlePrefix: 100,
  namePrefix: 90,
  handlePartPrefix: 70,
  nameInitials: 50,
  fuzzyWord: 30,
  partial: 20,
  description: 10,
} as const

/**
 * Longest actor search term accepted (searchActors, typeahead): the longest handle (253
 * characters) fits. Its trigrams and words become query clauses, and OpenSearch refuses a query
 * of more than 1,024.
 */
export const MAX_ACTOR_QUERY_LENGTH = 256

/**
 * Typo tolerance only for terms of up to this many words: each fuzzy word expands to as many as
 * 50 index terms, which a long many-word term would multiply past OpenSearch's clause limit on a
 * real index. The prefix and trigram tiers still match longer terms.
 */
export const MAX_FUZZY_WORDS = 8

/** The search term as both AppViews clean it: trimmed, without a leading `@`, lower case. */
export function normalizeActorQuery(q: string | undefined): string {
  return (q ?? '').trim().replace(/^@+/, '').toLowerCase()
}

function constant(boost: number, filter: Record<string, unknown>): Record<string, unknown> {
  return { constant_score: { filter, boost } }
}

export interface ActorQueries {
  /** Against the `actors` index: accounts by handle. */
  actors: Record<string, unknown>
  /** Against the `profiles` index: accounts by display name (and description, if asked). */
  profiles: Record<string, unknown>
}

export interface ActorQueryOptions {
  /** searchActors looks into descriptions too; typeahead only at names. */
  description: boolean
}

export function buildActorQueries(term: string, opts: ActorQueryOptions): ActorQueries {
  // Handles are made of letters, digits, dots and hyphens: the rest cannot match them, and a
  // space-separated query ("alice smith") is matched word by word on the handle's parts.
  // Accents are folded first, as display names are: "müller" is the handle part "muller" (or,
  // the German way, "mueller"), an exact match, not a near miss to be ranked with "miller".
  const handleText = handleChars(foldAccents(term))
  const transliterated = handleChars(foldAccents(germanTransliteration(term)))
  // Near misses are looked for in the name part only: the domain part of a handle
  // (`.bsky.social`) is shared by so many that its trigrams would match everyone.
  const namePart = handleText.split('.')[0]!.trim()
  const handleClauses: Record<string, unknown>[] = [constant(TIERS.exactHandle, { term: { handle: term } })]
  if (handleText) {
    handleClauses.push(
      constant(TIERS.handlePrefix, { match: { 'handle.prefix': { query: foldAccents(term) } } }),
      constant(TIERS.handlePartPrefix, { match: { 'handle.parts_prefix': { query: handleText, operator: 'and' } } }),
    )
    if (transliterated !== handleText) {
      handleClauses.push(constant(TIERS.handlePartPrefix, { match: { 'handle.parts_prefix': { query: transliterated, operator: 'and' } } }))
    }
  }
  if (namePart) {
    if (fewWords(namePart)) {
      handleClauses.push(constant(TIERS.fuzzyWord, { match: { 'handle.text': { query: namePart, fuzziness: 'AUTO', prefix_length: 1, operator: 'and' } } }))
    }
    // Trigrams need three characters; three of four matching tolerates a typo.
    if (namePart.replace(/[\s-]/g, '').length >= 3) {
      handleClauses.push(constant(TIERS.partial, { match: { 'handle.trigrams': { query: namePart, minimum_should_match: '75%' } } }))
    }
  }
  const actors = {
    bool: {
      must: [{ dis_max: { queries: handleClauses, tie_breaker: 0.1 } }],
      // Only verified handles are searchable by handle, and only hosted accounts at all.
      filter: [{ term: { handleValid: true } }],
      must_not: [{ terms: { status: ['takendown', 'suspended', 'deactivated', 'deleted'] } }],
    },
  }

  const nameClauses: Record<string, unknown>[] = [
    constant(TIERS.namePrefix, { match: { 'displayName.prefix': { query: term, operator: 'and' } } }),
    constant(TIERS.nameInitials, { match: { 'displayName.initials': { query: term } } }),
  ]
  if (fewWords(term)) {
    nameClauses.push(constant(TIERS.fuzzyWord, { match: { 'displayName.words': { query: term, fuzziness: 'AUTO', prefix_length: 1, operator: 'and' } } }))
  }
  if (term.replace(/\s/g, '').length >= 3) {
    nameClauses.push(constant(TIERS.partial, { match: { 'displayName.trigrams': { query: term, minimum_should_match: '75%' } } }))
  }
  if (opts.description) {
    nameClauses.push(constant(TIERS.description, { match: { 'description.words': { query: term, operator: 'and' } } }))
  }
  const profiles = {
    bool: {
      must: [{ dis_max: { queries: nameClauses, tie_breaker: 0.1 } }],
      must_not: [{ term: { tomb: true } }],
    },
  }
  return { actors, profiles }
}

/** What a handle can hold: letters, digits, dots, hyphens; anything else separates words. */
function handleChars(text: string): string {
  return text.replace(/[^a-z0-9.\-\s]/g, ' ').trim()
}

/** Accents off (NFD, then combining marks dropped), as the names' icu_folding does. */
function foldAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/ß/g, 'ss')
}

/** The German spelling of umlauts without them (ü → ue), as people write them in handles. */
function germanTransliteration(text: string): string {
  return text.replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
}

/** Words as the analyzers roughly split them (spaces, dots, hyphens; CJK runs count as one, which the bound tolerates). */
function fewWords(text: string): boolean {
  return text.split(/[\s.\-]+/).filter(Boolean).length <= MAX_FUZZY_WORDS
}

export interface ScoredActor {
  did: string
  /** Text score: the tier it matched by (see TIERS). */
  score: number
}

/**
 * One list from the two indices' hits: an account found both by handle and by name keeps its
 * better score plus a tenth of the other, as dis_max does within one index.
 */
export function mergeActorHits(byHandle: ScoredActor[], byName: ScoredActor[]): ScoredActor[] {
  const merged = new Map<string, { best: number; other: number }>()
  for (const hit of [...byHandle, ...byName]) {
    const seen = merged.get(hit.did)
    if (!seen) merged.set(hit.did, { best: hit.score, other: 0 })
    else merged.set(hit.did, { best: Math.max(seen.best, hit.score), other: Math.min(seen.best, hit.score) })
  }
  return [...merged].map(([did, s]) => ({ did, score: s.best + 0.1 * s.other })).sort((a, b) => b.score - a.score || (a.did < b.did ? -1 : 1))
}

export interface RankSignals {
  /** Followers per DID (absent: none). */
  followers: Map<string, number>
  /** Accounts the viewer follows. */
  followed: Set<string>
}

/** Following an account lifts a handle-part match above a stranger's handle prefix, never above an exact handle. */
export const FOLLOWED_BOOST = 40

/**
 * The final order: text tier, the viewer's follows lifted, follower count breaking ties
 * (logarithmic, so a popular account does not leap a better-matching one).
 */
export function rankActors(hits: ScoredActor[], signals: RankSignals): ScoredActor[] {
  return hits
    .map((hit) => {
      const followers = signals.followers.get(hit.did) ?? 0
      const boost = (signals.followed.has(hit.did) ? FOLLOWED_BOOST : 0) + Math.log10(1 + followers)
      return { did: hit.did, score: hit.score + boost }
    })
    .sort((a, b) => b.score - a.score || (a.did < b.did ? -1 : 1))
}
