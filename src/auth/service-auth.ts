import { getVerificationMaterial } from '@atproto/common-web'
import { parseDidKey } from '@atproto/crypto'
import { getDidKeyFromMultibase } from '@atproto/identity'
import { AuthRequiredError, cryptoVerifySignatureWithKey, verifyJwt, XRPCError } from '@atproto/xrpc-server'
import { verifySignatureNative } from '#/crypto/native-verify.js'
import type { IdentityResolver } from '#/identity/identity-resolver.js'

/**
 * Inter-service JWTs: a PDS signs a short-lived token with its account's atproto key when it
 * proxies a request here (`Authorization: Bearer …`). @atproto/xrpc-server's verifyJwt checks
 * shape, expiry, audience, method and signature — re-resolving the issuer's key once when the
 * signature fails, in case it rotated. Around it: which keys to trust, sane `iat`/lifetime, and
 * errors that are always a 401 with an XRPC body.
 */

export interface ServiceAuth {
  /** The token's issuer as sent (may carry a `#service` fragment). */
  iss: string
  /**
   * The account the token speaks for: the issuer when it is a bare DID. A service identity
   * (`did#atproto_labeler`, `did#bsky_chat`) signs with a key of that service and speaks for no
   * account — least of all the one whose DID it shares: null.
   */
  viewer: string | null
  aud: string
  lxm?: string
}

/** The DID document key `#<keyId>` of `did` as a did:key, or undefined when there is none. */
export type SigningKeyLookup = (did: string, keyId: string, forceRefresh: boolean) => Promise<string | undefined>

export interface ServiceAuthVerifierOptions {
  /** This AppView's DID: the only accepted `aud` (unless a method takes any, and checks it itself). */
  serviceDid: string
  signingKey: SigningKeyLookup
  /** Tolerated clock difference with issuers. Default 5 min. */
  clockSkewSec?: number
  /** Longest lifetime accepted (a PDS issues at most an hour). Default 1 h. */
  maxLifetimeSec?: number
}

export interface VerifyOptions {
  /** The method called: the token's `lxm` must name it, unless `acceptLxm` says otherwise. */
  nsid: string
  acceptLxm?: (lxm: string | undefined) => boolean
  /** Skip the audience check (the caller checks `aud`). */
  anyAudience?: boolean
}

export interface ServiceAuthVerifier {
  /** The caller behind a `Bearer` token, or an AuthRequiredError (401) saying why not. */
  verify(jwt: string, opts: VerifyOptions): Promise<ServiceAuth>
}

export function createServiceAuthVerifier(opts: ServiceAuthVerifierOptions): ServiceAuthVerifier {
  const clockSkewSec = opts.clockSkewSec ?? 300
  const maxLifetimeSec = opts.maxLifetimeSec ?? 3600

  const getSigningKey = async (iss: string, forceRefresh: boolean): Promise<string> => {
    const [did = '', service] = iss.split('#')
    // Labelers sign with their label key; every other service with the account's atproto key.
    const keyId = service === 'atproto_labeler' ? 'atproto_label' : 'atproto'
    const key = await opts.signingKey(did, keyId, forceRefresh)
    if (!key) throw new AuthRequiredError('could not resolve a signing key for the jwt issuer', 'BadJwtIss')
    return key
  }

  return {
    async verify(jwt, { nsid, acceptLxm, anyAudience }) {
      let payload: Awaited<ReturnType<typeof verifyJwt>>
      try {
        payload = await verifyJwt(jwt, anyAudience ? null : opts.serviceDid, acceptLxm ? null : nsid, getSigningKey, verifySignature)
      } catch (err) {
        if (err instanceof XRPCError) throw err
        // verifyJwt reads the header and payload with JSON.parse: garbage is a malformed token, not a 500.
        throw new AuthRequiredError('poorly formatted jwt', 'BadJwt')
      }
      if (acceptLxm && !acceptLxm(payload.lxm)) {
        throw new AuthRequiredError(`bad jwt lexicon method ("lxm"): ${String(payload.lxm)}`, 'BadJwtLexiconMethod')
      }
      const now = Date.now() / 1000
      const iat = (payload as { iat?: unknown }).iat
      if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + clockSkewSec)) {
        throw new AuthRequiredError('jwt issued-at time is invalid or in the future', 'BadJwt')
      }
      // A token valid for years is a credential that leaks forever; PDSes never mint one.
      if (payload.exp > now + maxLifetimeSec + clockSkewSec) {
        throw new AuthRequiredError('jwt expiration is too far in the future', 'BadJwt')
      }
      const iss = payload.iss
      return { iss, viewer: iss.includes('#') ? null : iss, aud: payload.aud, lxm: payload.lxm }
    },
  }
}

/** The `Bearer` token of an Authorization header, or undefined for any other (or no) scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  return match?.[1]
}

/**
 * Native ECDSA first (much cheaper, and every honest token passes it); only a failure pays for
 * atproto's own verifier, which also accepts the high-S twin the reference AppView accepts.
 */
async function verifySignature(key: string, msg: Uint8Array, sig: Uint8Array, alg: string): Promise<boolean> {
  // A token must be signed with the algorithm of the issuer's key, whatever its header claims.
  if (parseDidKey(key).jwtAlg !== alg) return false
  if (verifySignatureNative(key, msg, sig)) return true
  return cryptoVerifySignatureWithKey(key, msg, sig, alg)
}

/** Signing keys from the SSRF-safe identity resolver (its DID-document cache, forced refresh on request). */
export function signingKeysFromIdentity(identity: Pick<IdentityResolver, 'resolveDid'>): SigningKeyLookup {
  return async (did, keyId, forceRefresh) => {
    const resolved = await identity.resolveDid(did, { forceRefresh })
    if (!resolved) return undefined
    if (keyId === 'atproto') return resolved.signingKey
    const material = getVerificationMaterial(resolved.didDoc, keyId)
    if (!material) return undefined
    try {
      return getDidKeyFromMultibase(material)
    } catch {
      return undefined
    }
  }
}
