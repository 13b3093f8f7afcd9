import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'

/**
 * Magpie's own service key. An AppView cannot sign for its viewers (only their PDS holds their
 * keys), so when it calls a feed generator without a token the viewer's PDS minted for that
 * generator, it signs as itself: `iss` = SERVICE_DID, verifiable against the `#atproto` key its
 * DID document publishes.
 */
export interface ServiceSigner {
  /** The issuer of the tokens (SERVICE_DID). */
  iss: string
  /** The public key as a did:key, for the DID document's `#atproto` verification method. */
  didKey: string
  /** A short-lived token for calling `lxm` on the service `aud`. */
  sign(aud: string, lxm: string): Promise<string>
}

/** How long a token is good for: one request, allowing for slow generators and clock skew. */
const TOKEN_LIFETIME_SEC = 60

/** The signer for SERVICE_SIGNING_KEY (hex), or a fresh key when none is configured (`generated`). */
export async function createServiceSigner(iss: string, hexKey: string | undefined): Promise<{ signer: ServiceSigner; generated: boolean }> {
  const keypair = hexKey ? await Secp256k1Keypair.import(hexKey) : await Secp256k1Keypair.create()
  const signer: ServiceSigner = {
    iss,
    didKey: keypair.did(),
    sign: (aud, lxm) => createServiceJwt({ iss, aud, lxm, keypair, exp: Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SEC }),
  }
  return { signer, generated: !hexKey }
}
