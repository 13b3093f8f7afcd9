import type { ApiContext } from '#/api/context.js'
import type { HydrateCtx, HydrationState } from '#/hydration/state.js'

/**
 * The four steps every read endpoint takes, named so each stays visible:
 * skeleton (which DIDs/URIs, and a cursor) → hydrate (fetch what their views need, batched)
 * → rules (drop or refuse what blocks, takedowns and statuses hide) → present (build the
 * lexicon views).
 */
export interface PipelineSteps<P, S, O> {
  skeleton(input: { params: P; ctx: ApiContext; hydrateCtx: HydrateCtx }): Promise<S>
  hydrate(input: { params: P; ctx: ApiContext; hydrateCtx: HydrateCtx; skeleton: S }): Promise<HydrationState>
  rules(input: { params: P; skeleton: S; state: HydrationState }): S
  present(input: { params: P; skeleton: S; state: HydrationState }): O
}

export type Pipeline<P, O> = (params: P, ctx: ApiContext, hydrateCtx: HydrateCtx) => Promise<O>

export function pipeline<P, S, O>(steps: PipelineSteps<P, S, O>): Pipeline<P, O> {
  return async (params, ctx, hydrateCtx) => {
    const skeleton = await steps.skeleton({ params, ctx, hydrateCtx })
    const state = await steps.hydrate({ params, ctx, hydrateCtx, skeleton })
    const kept = steps.rules({ params, skeleton, state })
    return steps.present({ params, skeleton: kept, state })
  }
}

/** For endpoints whose hydration already leaves out everything hidden. */
export function noRules<S>(input: { skeleton: S }): S {
  return input.skeleton
}
