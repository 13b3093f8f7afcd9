import { isDidIdentifier, normalizeHandle, type AtIdentifierString } from '@atproto/syntax'
import type { DataPlane, NotificationCandidate } from '#/dataplane/index.js'
import { acceptLabelers, type LabelerPolicy } from '#/hydration/accepted-labelers.js'
import { hydrateFeedGens, hydrateLabelers, hydrateLists, hydrateStarterPacks } from '#/hydration/graph.js'
import { hydrateNotificationReasons, hydrateNotificationViews } from '#/hydration/notifications.js'
import { PostHydrator } from '#/hydration/posts.js'
import { ProfileHydrator, type HydrateProfilesOptions } from '#/hydration/profiles.js'
import type { HydrateCtx, HydrationState, ImageUrls, VideoUrls } from '#/hydration/state.js'
import type { Logger } from '#/log.js'

/**
 * Hydration: given the skeleton's DIDs and URIs, fetch everything their views need, in batches,
 * once per request. Each `hydrate…` answers a state that the matching view functions read;
 * states of nested views are merged in. The work is the sub-hydrators': accounts
 * (profiles.ts), posts (posts.ts), the graph's record views (graph.ts) and notifications
 * (notifications.ts), each given the data plane and the hydrators it builds on.
 */
export class Hydrator {
  constructor(
    readonly dataplane: DataPlane,
    private readonly images: ImageUrls,
    log: Logger,
    private readonly videos?: VideoUrls,
    /** Whose labels Magpie holds and applies by default, and its moderation service. */
    private readonly labelerPolicy: LabelerPolicy = { labelers: [] },
    /** TRUSTED_VERIFIERS: the accounts whose app.bsky.graph.verification records profile views show. */
    trustedVerifiers: readonly string[] = [],
  ) {
    this.trustedVerifiers = new Set(trustedVerifiers)
    this.profiles = new ProfileHydrator(dataplane, log, this.trustedVerifiers)
    this.posts = new PostHydrator(dataplane, this.profiles)
  }

  private readonly trustedVerifiers: ReadonlySet<string>

  /** Accounts, and the basic list and starter pack views profiles name (hydration/profiles.ts). */
  readonly profiles: ProfileHydrator

  /** Posts, feed items, threads, likes and reposts (hydration/posts.ts). */
  readonly posts: PostHydrator

  /**
   * A request's context. `labelerHeader` is its atproto-accept-labelers header (undefined when
   * absent): the labelers it asks for, of those Magpie holds (see accepted-labelers.ts).
   */
  createContext(opts: { viewer: string | null; labelerHeader: string | undefined; includeTakedowns?: boolean }): HydrateCtx {
    return {
      viewer: opts.viewer,
      includeTakedowns: opts.includeTakedowns ?? false,
      labelers: acceptLabelers(opts.labelerHeader, this.labelerPolicy),
      images: this.images,
      videos: this.videos,
      trustedVerifiers: this.trustedVerifiers,
    }
  }

  /** Handles or DIDs → DIDs, in order; undefined where a handle is unknown. */
  async resolveActors(ids: readonly string[]): Promise<(string | undefined)[]> {
    const handles = ids.filter((id) => !isDidIdentifier(id as AtIdentifierString))
    const byHandle = handles.length ? await this.dataplane.resolveHandles(handles) : new Map<string, string>()
    return ids.map((id) => (isDidIdentifier(id as AtIdentifierString) ? id : byHandle.get(normalizeHandle(id))))
  }

  /** For profile views and basic profile views: accounts plus the viewer's relationship to each. */
  hydrateProfiles(dids: string[], ctx: HydrateCtx, opts: HydrateProfilesOptions = {}): Promise<HydrationState> {
    return this.profiles.hydrateProfiles(dids, ctx, opts)
  }

  /** For profile views that name the accounts the viewer follows that follow each (suggestions). */
  hydrateProfilesKnownFollowers(dids: string[], ctx: HydrateCtx, opts: HydrateProfilesOptions = {}): Promise<HydrationState> {
    return this.profiles.hydrateProfilesKnownFollowers(dids, ctx, opts)
  }

  /** For detailed profile views: counts, known followers and the starter pack each joined through. */
  hydrateProfilesDetailed(dids: string[], ctx: HydrateCtx, opts: HydrateProfilesOptions = {}): Promise<HydrationState> {
    return this.profiles.hydrateProfilesDetailed(dids, ctx, opts)
  }

  /** The viewer's activity subscriptions to these accounts (detailed profiles and the subscription listing show them). */
  hydrateActivitySubscriptions(dids: string[], ctx: HydrateCtx): Promise<Partial<HydrationState>> {
    return this.profiles.hydrateActivitySubscriptions(dids, ctx)
  }

  /** What decides each notification candidate's reasons (hydration/notifications.ts). */
  hydrateNotificationReasons(candidates: NotificationCandidate[], ctx: HydrateCtx): Promise<HydrationState> {
    return hydrateNotificationReasons(this.dataplane, this.posts, candidates, ctx)
  }

  /** What the notifications kept need for their views and the visibility rules. */
  hydrateNotificationViews(candidates: NotificationCandidate[], ctx: HydrateCtx): Promise<HydrationState> {
    return hydrateNotificationViews(this.dataplane, this.profiles, candidates, ctx)
  }

  /** For list views (basic): the list records, owners, member counts and the viewer's list blocks. */
  hydrateListsBasic(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    return this.profiles.hydrateListsBasic(uris, ctx)
  }

  /** For full list views: the basic lists plus their creators' profiles. */
  hydrateLists(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    return hydrateLists(this.profiles, uris, ctx)
  }

  /** For generator views: records, creators, like counts and the viewer's likes. */
  hydrateFeedGens(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    return hydrateFeedGens(this.profiles, uris, ctx)
  }

  /** For labeler views, by the labelers' DIDs. */
  hydrateLabelers(dids: string[], ctx: HydrateCtx): Promise<HydrationState> {
    return hydrateLabelers(this.profiles, dids, ctx)
  }

  /** For full starter pack views: feeds, list and a sample of its members. */
  hydrateStarterPacks(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    return hydrateStarterPacks(this.profiles, uris, ctx)
  }

  /** For starter pack views (basic): the records, their creators' basic profiles, join counts. */
  hydrateStarterPacksBasic(uris: string[], ctx: HydrateCtx): Promise<HydrationState> {
    return this.profiles.hydrateStarterPacksBasic(uris, ctx)
  }
}
