import { lexicons, type AppBskyAgeassuranceDefs } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'

/**
 * The age assurance policy this AppView publishes (AGE_ASSURANCE_REGIONS). Magpie is not an age
 * assurance provider and never blocks anyone: with no regions configured (the default) age
 * assurance is not required and every account is served as assured with full access; with
 * regions, the app applies their rules to the age the user declared (state `unknown`), and an
 * attempt to begin the third-party flow is refused with the lexicon's errors, since there is
 * none to begin.
 */
export interface AgeAssurancePolicy {
  config: AppBskyAgeassuranceDefs.Config
  /** No region is configured: nobody is asked to assure their age. */
  notRequired: boolean
}

const CONFIG = 'app.bsky.ageassurance.defs#config'

/** The policy from its configured regions; a region the lexicon rejects is a start-up error. */
export function ageAssurancePolicy(regions: Record<string, unknown>[]): AgeAssurancePolicy {
  const config = { regions } as unknown as AppBskyAgeassuranceDefs.Config
  const checked = lexicons.validate(CONFIG, config)
  if (!checked.success) throw new Error(`AGE_ASSURANCE_REGIONS: ${checked.error.message}`)
  return { config, notRequired: regions.length === 0 }
}

/** The state every account is in under the policy (Magpie keeps none per account). */
export function ageAssuranceState(policy: AgeAssurancePolicy): AppBskyAgeassuranceDefs.State {
  return policy.notRequired ? { status: 'assured', access: 'full' } : { status: 'unknown', access: 'unknown' }
}

/** A begin/init request under a policy that requires assurance somewhere: there is no provider to hand it to. */
export function refuseInitiation(policy: AgeAssurancePolicy, countryCode: string, regionCode?: string): never {
  const country = countryCode.toUpperCase()
  const covered = policy.config.regions.some((r) => r.countryCode.toUpperCase() === country && (!r.regionCode || r.regionCode === regionCode))
  if (!covered) throw new InvalidRequestError('Age assurance is not required in this region', 'RegionNotSupported')
  throw new InvalidRequestError(
    'This AppView has no age assurance provider: the app applies its published rules to the age you declared',
    'InvalidInitiation',
  )
}
