import type { ProfileHydrator } from '#/hydration/profiles.js'
import { optOutPolicy } from '#/hydration/reference-lists.js'
import { hideTakendown, hydrateLabels } from '#/hydration/labels.js'
import { mergeStates, type HydrateCtx, type HydrationState } from '#/hydration/state.js'
import { collectionOfUri as collectionOf, didOfUri as didOf } from '#/records/at-uri.js'

/**
 * Hydration for the graph's record views that sit on top of profiles: full list views, feed
 * generators, labeler services and full starter packs. Called through the Hydrator's methods, with
 * the profile hydrator they build on.
 */

const GENERATOR = 'app.bsky.feed.generator'
const LABELER = 'app.bsky.labeler.service'
/** Members a full starter pack view picks its sample from, and how many it shows. */
const SAMPLE_FROM = 50
const SAMPLE_SIZE = 12

/** Full list views: the basic lists plus their creators' profiles. */
export async function hydrateLists(h: ProfileHydrator, uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
  const unique = [...new Set(uris)]
  const [lists, creators] = await Promise.all([h.hydrateListsBasic(unique, ctx), h.hydrateProfiles([...new Set(unique.map(didOf))], ctx)])
  return mergeStates(lists, creators)
}

/** Generator views: records, creators' profiles, like counts and the viewer's likes. */
export async function hydrateFeedGens(h: ProfileHydrator, uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
  const feedUris = [...new Set(uris)].filter((uri) => collectionOf(uri) === GENERATOR)
  if (feedUris.length === 0) return { ctx }
  const [records, creators, subjectLikeCounts, viewerSubjectLikes, labels] = await Promise.all([
    h.dataplane.getRecords(feedUris),
    h.hydrateProfiles([...new Set(feedUris.map(didOf))], ctx),
    h.dataplane.getLikeCounts(feedUris),
    ctx.viewer ? h.dataplane.getLikesBy(ctx.viewer, feedUris) : undefined,
    hydrateLabels(h.dataplane, feedUris, ctx),
  ])
  const feedgens = new Map(feedUris.map((uri) => [uri, records.get(uri) ?? null]))
  hideTakendown(feedgens, feedUris, labels, ctx)
  return mergeStates(creators, { feedgens, subjectLikeCounts, viewerSubjectLikes, labels })
}

/** Labeler views: each account's service record, its profile, like counts and the viewer's likes. */
export async function hydrateLabelers(h: ProfileHydrator, dids: string[], ctx: HydrateCtx): Promise<HydrationState> {
  const unique = [...new Set(dids)]
  if (unique.length === 0) return { ctx }
  const uris = unique.map((did) => `at://${did}/${LABELER}/self`)
  const [records, profiles, subjectLikeCounts, viewerSubjectLikes, labels] = await Promise.all([
    h.dataplane.getRecords(uris),
    h.hydrateProfiles(unique, ctx),
    h.dataplane.getLikeCounts(uris),
    ctx.viewer ? h.dataplane.getLikesBy(ctx.viewer, uris) : undefined,
    hydrateLabels(h.dataplane, uris, ctx),
  ])
  const labelers = new Map(unique.map((did, i) => [did, records.get(uris[i]!) ?? null]))
  // A takedown label on the service record hides the labeler (one on the account hides its
  // profile, without which there is no labeler view).
  hideTakendown(labelers, unique, new Map([...labels].map(([uri, l]) => [didOf(uri), l])), ctx)
  return mergeStates(profiles, { labelers, subjectLikeCounts, viewerSubjectLikes, labels })
}

/**
 * Full starter pack views: the basic packs, their feeds, their lists, and a sample of each list's
 * members — of its newest 50, those without a block with the pack's creator (unless the viewer is
 * the creator), the 12 most followed — as the reference AppView picks them.
 */
export async function hydrateStarterPacks(h: ProfileHydrator, uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
  const basic = await h.hydrateStarterPacksBasic(uris, ctx)
  const packs = [...(basic.starterPacks?.entries() ?? [])].flatMap(([uri, pack]) => (pack ? [{ uri, pack }] : []))
  const feedUris = packs.flatMap(({ pack }) => (Array.isArray(pack.record.feeds) ? pack.record.feeds : []).map((f) => f?.uri))
  const listUris = [...new Set(packs.map(({ pack }) => pack.record.list).filter((l) => typeof l === 'string'))]
  const [feeds, lists] = await Promise.all([hydrateFeedGens(h, feedUris.filter((u) => typeof u === 'string'), ctx), h.hydrateListsBasic(listUris, ctx)])
  const optOuts = await Promise.all(listUris.map((uri) => optOutPolicy(h.dataplane, lists.lists?.get(uri)?.record, ctx.viewer)))
  const memberPages = await Promise.all(listUris.map((uri, i) => h.dataplane.getListItemsPage(uri, { limit: SAMPLE_FROM }, optOuts[i]!.hidden)))
  const marked = new Map(listUris.map((uri, i) => [uri, optOuts[i]!.marked]))
  const membersByList = new Map(listUris.map((uri, i) => [uri, memberPages[i]!.items.filter((item) => item.subject !== undefined)]))
  const pairs = [...membersByList].flatMap(([list, items]) => items.map((item) => [didOf(list), item.subject!] as [string, string]))
  const memberDids = [...new Set(pairs.map(([, member]) => member))]
  const [blocked, counts] = await Promise.all([h.dataplane.getBlockedPairs(pairs), h.dataplane.getProfileCounts(memberDids)])
  const blockedKeys = new Set(blocked.map(([a, b]) => `${a} ${b}`))

  const starterPackSamples = new Map<string, { uri: string; subject: string }[]>()
  for (const { uri, pack } of packs) {
    const list = typeof pack.record.list === 'string' ? pack.record.list : undefined
    const members = list ? membersByList.get(list) : undefined
    if (!list || !members) continue
    const creator = didOf(list)
    const sample = members
      .filter((item) => ctx.viewer === creator || !blockedKeys.has(`${creator} ${item.subject}`))
      // A stable sort: equally followed members keep the list's newest-first order.
      .sort((a, b) => (counts.get(b.subject!)?.followers ?? 0) - (counts.get(a.subject!)?.followers ?? 0))
      .slice(0, SAMPLE_SIZE)
      .map((item) => ({ uri: item.uri, subject: item.subject!, optedOut: marked.get(list)?.has(item.subject!) }))
    starterPackSamples.set(uri, sample)
  }
  const sampled = [...new Set([...starterPackSamples.values()].flatMap((items) => items.map((item) => item.subject)))]
  const profiles = await h.hydrateProfiles(sampled, ctx)
  return mergeStates(basic, feeds, lists, profiles, { starterPackSamples })
}
