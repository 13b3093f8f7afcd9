import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { P256Keypair, Secp256k1Keypair, type Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import Koa from 'koa'
import { pino } from 'pino'
import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { createServiceAuthVerifier, signingKeysFromIdentity } from '#/auth/service-auth.js'
import { createIdentityResolver, type IdentityResolver } from '#/identity/identity-resolver.js'
import { listenOn } from '#/server/listen.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { createXrpcRouter } from '#/server/xrpc/server.js'

/**
 * Service-auth tokens checked for real: keys from @atproto/crypto, DID documents served by a
 * local PLC-shaped directory, tokens sent over HTTP to an XRPC method. Every refusal is a 401
 * with an XRPC error body.
 */

const SERVICE_DID = 'did:web:appview.magpie.test'
const WHOAMI = 'test.magpie.whoami'
const MAYBE = 'test.magpie.maybe'

const plcDid = (seed: string) => `did:plc:${seed.padEnd(24, 'a')}`
const alice = plcDid('alice')
const labeler = plcDid('labeler')
const ghost = plcDid('ghost')

/** DID → keys its document currently lists (`atproto`, and optionally `atproto_label`). */
const docs = new Map<string, { atproto: Keypair; atproto_label?: Keypair }>()

function didDoc(did: string) {
  const keys = docs.get(did)!
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    alsoKnownAs: ['at://someone.test'],
    verificationMethod: Object.entries(keys).map(([id, key]) => ({
      id: `${did}#${id}`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: key.did().slice('did:key:'.length),
    })),
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'https://pds.example.com' }],
  }
}

let plc: Server
let xrpc: Server
let base: string
let identity: IdentityResolver
let plcHits = 0

before(async () => {
  docs.set(alice, { atproto: await Secp256k1Keypair.create() })
  docs.set(labeler, { atproto: await Secp256k1Keypair.create(), atproto_label: await P256Keypair.create() })
  plc = createServer((req, res) => {
    plcHits++
    const did = decodeURIComponent((req.url ?? '').slice(1))
    if (!docs.has(did)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(didDoc(did)))
  })
  const plcPort = await listenOn(plc, 0, '127.0.0.1')
  const log = pino({ level: 'silent' })
  identity = createIdentityResolver({ plcUrl: `http://127.0.0.1:${plcPort}`, allowPrivateNetwork: true, log })
  const auth = createServiceAuthVerifier({ serviceDid: SERVICE_DID, signingKey: signingKeysFromIdentity(identity) })
  const whoami = (nsid: string, mode: 'required' | 'optional') =>
    defineQuery({ nsid, params: z.object({}), auth: mode, handler: async ({ viewer, auth }) => ({ viewer, iss: auth?.iss ?? null }) })
  const app = new Koa()
  app.use(
    createXrpcRouter({ methods: [whoami(WHOAMI, 'required'), whoami(MAYBE, 'optional')], ctx: {} as ApiContext, auth, log }).routes(),
  )
  xrpc = createServer(app.callback())
  base = `http://127.0.0.1:${await listenOn(xrpc, 0, '127.0.0.1')}`
})

after(async () => {
  await identity.close()
  await new Promise<void>((resolve) => xrpc.close(() => resolve()))
  await new Promise<void>((resolve) => plc.close(() => resolve()))
})

async function call(nsid: string, authorization?: string) {
  const res = await fetch(`${base}/xrpc/${nsid}`, { headers: authorization ? { authorization } : {} })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

const now = () => Math.floor(Date.now() / 1000)

async function token(opts: { iss?: string; aud?: string; lxm?: string | null; keypair?: Keypair; exp?: number; iat?: number } = {}) {
  const iss = opts.iss ?? alice
  return createServiceJwt({
    iss,
    aud: opts.aud ?? SERVICE_DID,
    lxm: opts.lxm === undefined ? WHOAMI : opts.lxm,
    keypair: opts.keypair ?? docs.get(iss.split('#')[0]!)!.atproto,
    exp: opts.exp,
    iat: opts.iat,
  })
}

/** A token with a hand-written header and payload, signed by `keypair`. */
async function handmade(header: object, payload: object, keypair: Keypair) {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const signed = `${b64(header)}.${b64(payload)}`
  const sig = Buffer.from(await keypair.sign(Buffer.from(signed))).toString('base64url')
  return `${signed}.${sig}`
}

async function assertRefused(authorization: string | undefined, error: string, nsid = WHOAMI) {
  const res = await call(nsid, authorization)
  assert.equal(res.status, 401, JSON.stringify(res.body))
  assert.equal(res.body.error, error)
  assert.equal(typeof res.body.message, 'string')
}

describe('accepted', () => {
  test('a valid token names the viewer', async () => {
    const res = await call(WHOAMI, `Bearer ${await token()}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { viewer: alice, iss: alice })
  })

  test('optional auth serves anonymous callers, and still checks a token that is sent', async () => {
    assert.deepEqual((await call(MAYBE)).body, { viewer: null, iss: null })
    assert.deepEqual((await call(MAYBE, 'Basic YWRtaW46cGFzcw==')).body, { viewer: null, iss: null })
    assert.equal((await call(MAYBE, `Bearer ${await token({ lxm: MAYBE })}`)).body.viewer, alice)
    await assertRefused(`Bearer ${await token({ lxm: MAYBE, aud: 'did:web:elsewhere.test' })}`, 'BadJwtAudience', MAYBE)
  })

  test('a labeler service token is checked against its label key, and never acts as the account', async () => {
    const iss = `${labeler}#atproto_labeler`
    const labelKey = docs.get(labeler)!.atproto_label
    // Where an account is needed (its mutes, bookmarks, preferences), the labeler is nobody.
    const res = await call(WHOAMI, `Bearer ${await token({ iss, keypair: labelKey })}`)
    assert.equal(res.status, 401, JSON.stringify(res.body))
    assert.equal(res.body.error, 'BadJwtIss')
    assert.match(res.body.message, /service/)
    // A public read is served, but as to nobody in particular: no viewer state of the account.
    const maybe = await call(MAYBE, `Bearer ${await token({ iss, lxm: MAYBE, keypair: labelKey })}`)
    assert.equal(maybe.status, 200, JSON.stringify(maybe.body))
    assert.deepEqual(maybe.body, { viewer: null, iss })
    // The token is still checked: the account's own key does not sign for its labeler.
    await assertRefused(`Bearer ${await token({ iss, keypair: docs.get(labeler)!.atproto })}`, 'BadJwtSignature')
    await assertRefused(`Bearer ${await token({ iss, lxm: MAYBE, keypair: docs.get(labeler)!.atproto })}`, 'BadJwtSignature', MAYBE)
  })

  test('no other service identity (did#fragment) acts as the account either', async () => {
    const iss = `${alice}#bsky_chat`
    const res = await call(WHOAMI, `Bearer ${await token({ iss })}`)
    assert.equal(res.status, 401, JSON.stringify(res.body))
    assert.equal(res.body.error, 'BadJwtIss')
    assert.deepEqual((await call(MAYBE, `Bearer ${await token({ iss, lxm: MAYBE })}`)).body, { viewer: null, iss })
  })

  test('a rotated key is picked up by re-resolving the issuer once', async () => {
    assert.equal((await call(WHOAMI, `Bearer ${await token()}`)).status, 200)
    const rotated = await Secp256k1Keypair.create()
    docs.set(alice, { atproto: rotated })
    // The resolver allows one forced refresh per DID a second.
    await new Promise((r) => setTimeout(r, 1_100))
    const before = plcHits
    const res = await call(WHOAMI, `Bearer ${await token({ keypair: rotated })}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(plcHits, before + 1, 'one re-resolution')
    // The cache now holds the new key: no further lookups.
    assert.equal((await call(WHOAMI, `Bearer ${await token({ keypair: rotated })}`)).status, 200)
    assert.equal(plcHits, before + 1)
  })
})

describe('refused with 401', () => {
  test('no token where one is required', async () => {
    await assertRefused(undefined, 'AuthMissing')
    await assertRefused('Basic YWRtaW46cGFzcw==', 'AuthMissing')
  })

  test('forged signature (another key)', async () => {
    await assertRefused(`Bearer ${await token({ keypair: await Secp256k1Keypair.create() })}`, 'BadJwtSignature')
  })

  test('tampered payload', async () => {
    const [header, , sig] = (await token()).split('.')
    const payload = Buffer.from(JSON.stringify({ iss: alice, aud: SERVICE_DID, lxm: WHOAMI, exp: now() + 600 })).toString('base64url')
    await assertRefused(`Bearer ${header}.${payload}.${sig}`, 'BadJwtSignature')
  })

  test('wrong audience', async () => {
    await assertRefused(`Bearer ${await token({ aud: 'did:web:api.bsky.app' })}`, 'BadJwtAudience')
  })

  test('wrong or missing lexicon method', async () => {
    await assertRefused(`Bearer ${await token({ lxm: 'app.bsky.feed.getTimeline' })}`, 'BadJwtLexiconMethod')
    await assertRefused(`Bearer ${await token({ lxm: null })}`, 'BadJwtLexiconMethod')
  })

  test('expired', async () => {
    await assertRefused(`Bearer ${await token({ iat: now() - 120, exp: now() - 60 })}`, 'JwtExpired')
  })

  test('issued in the future, or valid for too long', async () => {
    await assertRefused(`Bearer ${await token({ iat: now() + 3600, exp: now() + 3700 })}`, 'BadJwt')
    await assertRefused(`Bearer ${await token({ exp: now() + 30 * 24 * 3600 })}`, 'BadJwt')
  })

  test('malformed tokens', async () => {
    await assertRefused('Bearer abc', 'BadJwt')
    await assertRefused('Bearer a.b.c', 'BadJwt')
    await assertRefused(`Bearer ${Buffer.from('{"alg":"ES256K"}').toString('base64url')}.${Buffer.from('[]').toString('base64url')}.xx`, 'BadJwt')
    await assertRefused('Bearer ....', 'BadJwt')
  })

  test('an issuer that is not a DID, or whose DID does not resolve', async () => {
    await assertRefused(`Bearer ${await token({ iss: 'alice.test', keypair: docs.get(alice)!.atproto })}`, 'BadJwtIss')
    await assertRefused(`Bearer ${await token({ iss: ghost, keypair: await Secp256k1Keypair.create() })}`, 'BadJwtIss')
  })

  test('an algorithm that is not the key’s, and token types that are not service tokens', async () => {
    const key = docs.get(alice)!.atproto
    const payload = { iss: alice, aud: SERVICE_DID, lxm: WHOAMI, exp: now() + 60 }
    await assertRefused(`Bearer ${await handmade({ typ: 'JWT', alg: 'ES256' }, payload, key)}`, 'BadJwtSignature')
    await assertRefused(`Bearer ${await handmade({ typ: 'at+jwt', alg: 'ES256K' }, payload, key)}`, 'BadJwtType')
    await assertRefused(`Bearer ${await handmade({ typ: 'JWT', alg: 'none' }, payload, key)}`, 'BadJwtSignature')
  })
})
