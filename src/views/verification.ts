import type { AppBskyActorDefs } from '@atproto/api'
import { INVALID_HANDLE } from '@atproto/syntax'
import type { HydrationState } from '#/hydration/state.js'

/** A label (from a labeler whose takedowns Magpie applies) that voids an account's verification. */
const IMPERSONATION = 'impersonation'

/**
 * app.bsky.actor.defs#verificationState: the verifications of the account by Magpie's trusted
 * verifiers (TRUSTED_VERIFIERS), and whether it is one of them. A verification records the
 * handle and display name it vouched for, so it holds only while the account still has both;
 * an impersonation label voids all of it. Undefined when there is nothing to say, and for an
 * account without a verified handle, as in the reference AppView.
 */
export function verificationState(did: string, state: HydrationState): AppBskyActorDefs.VerificationState | undefined {
  const actor = state.actors?.get(did)
  if (!actor?.handle || actor.handle === INVALID_HANDLE) return undefined
  const trusted = state.ctx.trustedVerifiers?.has(did) ?? false
  const verifications = (state.verifications?.get(did) ?? []).map((v) => {
    const issuer = state.verifiers?.get(v.issuer)
    const displayName = actor.profile?.record.displayName
    return {
      issuer: v.issuer,
      issuerDisplayName: stringField(issuer?.profile?.record.displayName),
      issuerHandle: issuer?.handle,
      uri: v.uri,
      isValid: !!v.displayName && v.displayName === displayName && !!v.handle && v.handle === actor.handle,
      createdAt: v.sortedAt,
    }
  })
  if (verifications.length === 0 && !trusted) return undefined
  const impersonation = (state.labels?.get(did)?.labels ?? []).some((label) => label.val === IMPERSONATION && state.ctx.labelers.redact.has(label.src))
  const standing = (holds: boolean) => (holds && !impersonation ? 'valid' : 'invalid')
  return {
    verifications,
    verifiedStatus: verifications.length ? standing(verifications.some((v) => v.isValid)) : 'none',
    trustedVerifierStatus: trusted ? standing(true) : 'none',
  }
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
