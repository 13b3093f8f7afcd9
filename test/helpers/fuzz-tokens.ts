import { Secp256k1Keypair, type Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import type { XrpcMethod } from '#/api/xrpc/method.js'

/**
 * Authorization headers for the XRPC fuzz: a valid service token of the viewer, and every way
 * one can be wrong — junk, a forged or tampered signature, expired, not yet issued, too long
 * lived, for another audience or method, unsigned, or issued by a labeler (a service, never
 * the account).
 */

export type AuthVariant =
  | 'none'
  | 'valid'
  | 'random'
  | 'malformed'
  | 'notBearer'
  | 'forged'
  | 'expired'
  | 'future'
  | 'longLived'
  | 'wrongAud'
  | 'wrongLxm'
  | 'noLxm'
  | 'tampered'
  | 'algNone'
  | 'labeler'
  | 'accountAsLabeler'
  | 'unknownIssuer'
  | 'huge'

/** A method no route accepts a token for. */
const FOREIGN_LXM = 'com.example.fuzz.notAMethod'

export interface FuzzIdentities {
  serviceDid: string
  viewer: { did: string; keypair: Keypair }
  /** Another account (a tampered token claims to be it). */
  other: { did: string }
  /** A labeler whose DID document names its `#atproto_label` key. */
  labeler: { did: string; keypair: Keypair }
}

export interface FuzzTokens {
  /** The Authorization header for a variant, or undefined for none. */
  header(variant: AuthVariant, nsid: string): Promise<string | undefined>
  /** Whether the server must refuse a request carrying this variant for this method (401). */
  mustRefuse(variant: AuthVariant, method: XrpcMethod): boolean
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

export async function fuzzTokens(ids: FuzzIdentities): Promise<FuzzTokens> {
  const stranger = await Secp256k1Keypair.create()
  const now = () => Math.floor(Date.now() / 1000)
  const sign = (opts: { iss?: string; aud?: string; lxm?: string | null; keypair?: Keypair; iat?: number; exp?: number }, nsid: string) =>
    createServiceJwt({
      iss: opts.iss ?? ids.viewer.did,
      aud: opts.aud ?? ids.serviceDid,
      lxm: opts.lxm === undefined ? nsid : opts.lxm,
      keypair: opts.keypair ?? ids.viewer.keypair,
      ...(opts.iat !== undefined ? { iat: opts.iat } : {}),
      ...(opts.exp !== undefined ? { exp: opts.exp } : {}),
    })
  let junk = 0

  return {
    async header(variant, nsid) {
      const bearer = (token: string) => `Bearer ${token}`
      switch (variant) {
        case 'none':
          return undefined
        case 'valid':
          return bearer(await sign({}, nsid))
        case 'random':
          return bearer(Buffer.from(`fuzz-${++junk}-${nsid}`).toString('base64url'))
        case 'malformed':
          return bearer(['a.b.c', '..', `${b64({ alg: 'ES256K' })}.x.y`, `${b64({ alg: 'ES256K' })}.${b64({ iss: 1 })}.AA`, 'eyJ.eyJ.eyJ'][junk++ % 5]!)
        case 'notBearer':
          return ['Basic dXNlcjpwYXNz', 'Bearer', 'bearer  ', 'Token x', 'Bearer x y', 'Bearer \u00e9t\u00e9'][junk++ % 6]
        case 'forged':
          return bearer(await sign({ keypair: stranger }, nsid))
        case 'expired':
          return bearer(await sign({ iat: now() - 7200, exp: now() - 3600 }, nsid))
        case 'future':
          return bearer(await sign({ iat: now() + 3600, exp: now() + 3700 }, nsid))
        case 'longLived':
          return bearer(await sign({ exp: now() + 10 * 365 * 86_400 }, nsid))
        case 'wrongAud':
          return bearer(await sign({ aud: 'did:web:other.example' }, nsid))
        case 'wrongLxm':
          return bearer(await sign({ lxm: FOREIGN_LXM }, nsid))
        case 'noLxm':
          return bearer(await sign({ lxm: null }, nsid))
        case 'tampered': {
          // The viewer's signature over a payload that now names another account.
          const [header, payload, sig] = (await sign({}, nsid)).split('.') as [string, string, string]
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
          return bearer(`${header}.${b64({ ...claims, iss: ids.other.did })}.${sig}`)
        }
        case 'algNone': {
          const claims = { iss: ids.viewer.did, aud: ids.serviceDid, lxm: nsid, exp: now() + 60 }
          return bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`)
        }
        case 'labeler':
          return bearer(await sign({ iss: `${ids.labeler.did}#atproto_labeler`, keypair: ids.labeler.keypair }, nsid))
        case 'accountAsLabeler':
          return bearer(await sign({ iss: `${ids.viewer.did}#atproto_labeler` }, nsid))
        case 'unknownIssuer':
          return bearer(await sign({ iss: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', keypair: stranger }, nsid))
        case 'huge':
          return bearer('a'.repeat(12_000))
      }
    },
    mustRefuse(variant, method) {
      if (method.auth === 'none' || variant === 'valid') return false
      // No token (or none in the Bearer scheme): only methods that need an account refuse it.
      if (variant === 'none' || variant === 'notBearer') return method.auth === 'required'
      // A labeler's valid token is a service, not an account: served as anonymous where that is allowed.
      if (variant === 'labeler') return method.auth === 'required'
      if (variant === 'wrongAud') return !method.anyAudience
      if (variant === 'wrongLxm') return !method.acceptLxm?.(FOREIGN_LXM)
      if (variant === 'noLxm') return !method.acceptLxm?.(undefined)
      return true
    },
  }
}
