import type { DataPlane } from '#/dataplane/index.js'
import { getActorInfos } from '#/hydration/actors.js'
import { hideTakendown, hydrateLabels, labelSubjectsOfActors } from '#/hydration/labels.js'
import { mergeStates, type HydrateCtx, type HydrationState, type ListInfo } from '#/hydration/state.js'
import type { Logger } from '#/log.js'
import { collectionOfUri, didOfUri } from '#/records/at-uri.js'

const LIST = 'app.bsky.graph.list'
const STARTER_PACK = 'app.bsky.graph.starterpack'

export interface HydrateProfilesOptions {
  /** Keep these accounts even when they are not hosted (getProfile explains why it refuses them). */
  includeTakedownsFor?: readonly string[]
}

/**
 * Hydration of accounts: profiles with the viewer's relationships, verifications, counts and
 * known followers, and the basic list and starter pack views a profile names (the lists that
 * block or mute an account, the pack it joined through). What the other hydrators build on.
 */
export class ProfileHydrator {
  constructor(
    readonly dataplane: DataPlane,
    private readonly log: Logger,
    /** TRUSTED_VERIFIERS: the accounts whose app.bsky.graph.verification records profile views show. */
    private readonly trustedVerifiers: ReadonlySet<string>,
  ) {}

  /** For profile views and basic profile views: accounts plus the viewer's relationship to each. */
  async hydrateProfiles(dids: string[], ctx: HydrateCtx, opts: HydrateProfilesOptions = {}): Promise<HydrationState> {
    const override = new Set(opts.includeTakedownsFor ?? [])
    const overridden = dids.filter((did) => override.has(did))
    const others = dids.filter((did) => !override.has(did))
    const [actors, extraActors, viewerState, labels, verifications] = await Promise.all([
      getActorInfos(this.dataplane, others, { includeTakedowns: ctx.includeTakedowns }),
      getActorInfos(this.dataplane, overridden, { includeTakedowns: true }),
      this.hydrateRelationships(dids, ctx),
      hydrateLabels(this.dataplane, labelSubjectsOfActors(new Set(dids)), ctx),
      this.hydrateVerifications(dids),
    ])
    hideTakendown(actors, others, labels, ctx)
    // The accounts asked for win over list owners hydrated for the viewer state.
    return mergeStates(viewerState, { actors: new Map([...actors, ...extraActors]), labels }, verifications)
  }

  /** The accounts' verifications by the trusted verifiers, and those verifiers' accounts (their names are shown). */
  private async hydrateVerifications(dids: string[]): Promise<Partial<HydrationState>> {
    if (this.trustedVerifiers.size === 0 || dids.length === 0) return {}
    const verifications = await this.dataplane.getVerificationsOf([...new Set(dids)], [...this.trustedVerifiers])
    const issuers = [...new Set([...verifications.values()].flatMap((refs) => refs.map((v) => v.issuer)))]
    return { verifications, verifiers: await getActorInfos(this.dataplane, issuers, { includeTakedowns: false }) }
  }

  /**
   * For profile views that name the accounts the viewer follows that follow each (suggestions):
   * the profiles, those known followers, and which of them have a block with the account.
   */
  async hydrateProfilesKnownFollowers(dids: string[], ctx: HydrateCtx, opts: HydrateProfilesOptions = {}): Promise<HydrationState> {
    const known = ctx.viewer
      ? await this.dataplane.getKnownFollowers(ctx.viewer, dids).catch((err: unknown) => {
          // Known followers are an extra: a failure costs them, not the profile.
          this.log.warn({ err, viewer: ctx.viewer }, 'known followers lookup failed')
          return new Map()
        })
      : new Map()
    const pairs = [...known].flatMap(([subject, k]) => k.sample.map((follower: string) => [subject, follower] as [string, string]))
    const allDids = [...new Set([...dids, ...pairs.map(([, follower]) => follower)])]
    const [state, blocked] = await Promise.all([this.hydrateProfiles(allDids, ctx, opts), this.dataplane.getBlockedPairs(pairs)])
    const blocksWith = new Map<string, Set<string>>()
    for (const [subject, follower] of blocked) blocksWith.set(subject, (blocksWith.get(subject) ?? new Set()).add(follower))
    return mergeStates(state, { knownFollowers: known, blocksWith })
  }

  /** For detailed profile views: counts, known followers and the starter pack each joined through. */
  async hydrateProfilesDetailed(dids: string[], ctx: HydrateCtx, opts: HydrateProfilesOptions = {}): Promise<HydrationState> {
    const [state, profileCounts, subscriptions] = await Promise.all([
      this.hydrateProfilesKnownFollowers(dids, ctx, opts),
      this.dataplane.getProfileCounts(dids),
      this.hydrateActivitySubscriptions(dids, ctx),
    ])
    const packUris = dids.flatMap((did) => {
      const via = state.actors?.get(did)?.profile?.record.joinedViaStarterPack as { uri?: unknown } | undefined
      return typeof via?.uri === 'string' ? [via.uri] : []
    })
    const packs = await this.hydrateStarterPacksBasic(packUris, ctx)
    return mergeStates(packs, state, { profileCounts }, subscriptions)
  }

  /** The viewer's activity subscriptions to these accounts (detailed profiles and the subscription listing show them). */
  async hydrateActivitySubscriptions(dids: string[], ctx: HydrateCtx): Promise<Partial<HydrationState>> {
    if (!ctx.viewer || dids.length === 0) return {}
    const found = await this.dataplane.getActivitySubscriptionsOf(ctx.viewer, dids)
    return { activitySubscriptions: new Map([...found].map(([did, s]) => [did, { post: s.post, reply: s.reply }])) }
  }

  /** For list views (basic): the list records, owners, member counts and the viewer's list blocks. */
  async hydrateListsBasic(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    const listUris = [...new Set(uris)].filter((uri) => collectionOfUri(uri) === LIST)
    if (listUris.length === 0) return { ctx }
    const ownerDids = [...new Set(listUris.map(didOfUri))]
    const [records, owners, listItemCounts, listBlocks, mutes, listOptOuts, labels] = await Promise.all([
      this.dataplane.getRecords(listUris),
      getActorInfos(this.dataplane, ownerDids, { includeTakedowns: ctx.includeTakedowns }),
      this.dataplane.getListItemCounts(listUris),
      ctx.viewer ? this.dataplane.getListBlocksBy(ctx.viewer, listUris) : undefined,
      ctx.viewer ? this.dataplane.getMutesOf(ctx.viewer, 'list', listUris) : undefined,
      ctx.viewer ? this.dataplane.getListOptOutsBy(ctx.viewer, listUris) : undefined,
      hydrateLabels(this.dataplane, [...listUris, ...ownerDids], ctx),
    ])
    const listMutes = mutes ? new Map([...mutes.keys()].map((uri) => [uri, true])) : undefined
    const lists = new Map<string, ListInfo | null>(listUris.map((uri) => {
      const record = records.get(uri)
      return [uri, record ? { record } : null]
    }))
    hideTakendown(lists, listUris, labels, ctx)
    hideTakendown(owners, ownerDids, labels, ctx)
    return { ctx, lists, actors: owners, listItemCounts, listBlocks, listMutes, listOptOuts, labels }
  }

  /** For starter pack views (basic): the records, their creators' basic profiles, join counts. */
  async hydrateStarterPacksBasic(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    const packUris = [...new Set(uris)].filter((uri) => collectionOfUri(uri) === STARTER_PACK)
    if (packUris.length === 0) return { ctx }
    const [records, creators, starterPackJoins, labels] = await Promise.all([
      this.dataplane.getRecords(packUris),
      this.hydrateProfiles([...new Set(packUris.map(didOfUri))], ctx),
      this.dataplane.getStarterPackJoins(packUris),
      hydrateLabels(this.dataplane, packUris, ctx),
    ])
    const starterPacks = new Map(packUris.map((uri) => [uri, records.get(uri) ?? null]))
    hideTakendown(starterPacks, packUris, labels, ctx)
    return mergeStates(creators, { starterPacks, starterPackJoins, labels })
  }

  /** The viewer's relationships to `dids` and mutes of them, and the block and mute lists those involve. */
  private async hydrateRelationships(dids: string[], ctx: HydrateCtx): Promise<HydrationState> {
    const viewer = ctx.viewer
    if (!viewer) return { ctx }
    const [relationships, actorMutes] = await Promise.all([
      this.dataplane.getRelationships(viewer, dids),
      this.dataplane.getActorMutes(viewer, dids),
    ])
    if (dids.includes(viewer)) relationships.set(viewer, {})
    const listUris = [
      ...[...relationships.values()].flatMap((rel) => [rel.blockingByList, rel.blockedByList]),
      ...[...actorMutes.values()].flatMap((mute) => mute.byLists ?? []),
    ].filter((uri) => uri !== undefined)
    const lists = await this.hydrateListsBasic(listUris, ctx)
    return mergeStates(lists, { relationships, actorMutes })
  }
}
