import assert from 'node:assert/strict'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { bytesToMultibase, P256Keypair, Secp256k1Keypair } from '@atproto/crypto'
import { pino } from 'pino'
import { isForbiddenAddress } from '#/identity/address-policy.js'
import { createDidResolver } from '#/identity/did-resolver.js'
import { createHandleResolver } from '#/identity/handle-resolver.js'
import { createIdentityResolver } from '#/identity/identity-resolver.js'
import { createSafeFetch, OutboundRequestError, type OutboundFailure } from '#/identity/safe-fetch.js'

// --- helpers ---------------------------------------------------------------

type Handler = (req: IncomingMessage, res: ServerResponse) => void

interface Local {
  server: Server
  port: number
  url: string
  hits: string[]
  close(): Promise<void>
}

async function listen(handler: Handler): Promise<Local> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(req.url ?? '')
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A pino logger whose lines are kept for assertions. */
function memoryLogger() {
  const lines: string[] = []
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) })
  return { log, lines }
}

async function rejectsWith(p: Promise<unknown>, reason: OutboundFailure): Promise<OutboundRequestError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof OutboundRequestError, `expected OutboundRequestError, got ${String(err)}`)
    assert.equal(err.reason, reason, err.message)
    return err
  }
  assert.fail(`expected a '${reason}' failure`)
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

type Keypair = Secp256k1Keypair | P256Keypair

function didDoc(did: string, opts: { key?: Keypair; legacyKey?: Secp256k1Keypair; handle?: string; pds?: string }) {
  const verificationMethod = []
  if (opts.key) {
    verificationMethod.push({
      id: `${did}#atproto`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: opts.key.did().slice('did:key:'.length),
    })
  }
  if (opts.legacyKey) {
    // The pre-Multikey form: a bare compressed key, its curve named by the type.
    verificationMethod.push({
      id: '#atproto',
      type: 'EcdsaSecp256k1VerificationKey2019',
      controller: did,
      publicKeyMultibase: bytesToMultibase(opts.legacyKey.publicKeyBytes(), 'base58btc'),
    })
  }
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    alsoKnownAs: opts.handle ? [`at://${opts.handle}`] : [],
    verificationMethod,
    service: [
      { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: opts.pds ?? 'https://pds.example.com' },
    ],
  }
}

function plcDid(seed: string): string {
  return `did:plc:${seed.padEnd(24, 'a')}`
}

// --- address policy --------------------------------------------------------

describe('address policy', () => {
  test('refuses non-public addresses', () => {
    for (const ip of [
      '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1',
      '169.254.169.254', '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.1.1.1',
      '255.255.255.255', '::1', '::', '[::1]', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'fc00::1', 'fd12:3456::1',
      'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:192.168.0.1', '64:ff9b::7f00:1',
      '2002:7f00:1::', '::127.0.0.1', 'not-an-ip',
    ]) {
      assert.equal(isForbiddenAddress(ip), true, ip)
    }
  })

  test('allows public unicast', () => {
    for (const ip of [
      '8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '100.63.255.255', '192.169.0.1',
      '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1',
    ]) {
      assert.equal(isForbiddenAddress(ip), false, ip)
    }
  })
})

// --- safe fetch ------------------------------------------------------------

describe('safe fetch', () => {
  let ok: Local
  let silent: Local
  let stalling: Local
  let huge: Local
  let redirecting: Local
  /** Headers of each request `ok` received, in order. */
  const okHeaders: IncomingMessage['headers'][] = []
  const strict = createSafeFetch()
  const loose = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 300 })

  before(async () => {
    ok = await listen((req, res) => {
      okHeaders.push(req.headers)
      json(res, 200, { path: req.url })
    })
    silent = await listen(() => {
      // never answers
    })
    stalling = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('a little, then nothing')
    })
    huge = await listen((req, res) => {
      const total = 5 * 1024 * 1024
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
      if (req.url === '/declared') headers['content-length'] = String(total)
      res.writeHead(200, headers)
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      let sent = 0
      const pump = () => {
        while (sent < total) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      res.on('error', () => {})
      pump()
    })
    redirecting = await listen((req, res) => {
      if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' })
        return void res.end()
      }
      if (req.url === '/hop') {
        res.writeHead(301, { location: `${ok.url}/landed` })
        return void res.end()
      }
      if (req.url === '/same-origin') {
        res.writeHead(302, { location: '/echo' })
        return void res.end()
      }
      if (req.url === '/echo') return json(res, 200, { authorization: req.headers.authorization ?? null })
      res.writeHead(404)
      res.end()
    })
  })

  after(async () => {
    await Promise.all([strict.close(), loose.close()])
    await Promise.all([ok, silent, stalling, huge, redirecting].map((s) => s.close()))
  })

  test('refuses loopback, private and link-local destinations by default', async () => {
    const before = ok.hits.length
    await rejectsWith(strict(`http://127.0.0.1:${ok.port}/`), 'blocked-address')
    await rejectsWith(strict(`http://[::1]:${ok.port}/`), 'blocked-address')
    await rejectsWith(strict(`http://[::ffff:127.0.0.1]:${ok.port}/`), 'blocked-address')
    await rejectsWith(strict('http://10.0.0.1/'), 'blocked-address')
    await rejectsWith(strict('http://169.254.169.254/latest/meta-data/'), 'blocked-address')
    // Alternative spellings of 127.0.0.1 are normalised by the URL parser before the check.
    await rejectsWith(strict(`http://2130706433:${ok.port}/`), 'blocked-address')
    await rejectsWith(strict(`http://0x7f.1:${ok.port}/`), 'blocked-address')
    assert.equal(ok.hits.length, before, 'no request reached the server')
  })

  test('refuses a hostname that resolves to loopback (checked on the resolved address)', async () => {
    const before = ok.hits.length
    const err = await rejectsWith(strict(`http://localhost:${ok.port}/`), 'blocked-address')
    assert.match(err.message, /localhost/)
    await rejectsWith(strict('https://localhost/.well-known/did.json'), 'blocked-address')
    assert.equal(ok.hits.length, before)
  })

  test('refuses schemes other than http(s) and credentials in the URL', async () => {
    await rejectsWith(strict('file:///etc/passwd'), 'blocked-address')
    await rejectsWith(strict('ftp://example.com/'), 'blocked-address')
    await rejectsWith(loose(`http://user:pw@127.0.0.1:${ok.port}/`), 'blocked-address')
    await rejectsWith(strict('not a url'), 'blocked-address')
  })

  test('allowPrivateNetwork reaches local servers', async () => {
    const res = await loose(`http://localhost:${ok.port}/hello`)
    assert.equal(res.status, 200)
    assert.equal(res.ok, true)
    assert.deepEqual(res.json(), { path: '/hello' })
    assert.equal(res.header('Content-Type'), 'application/json')
  })

  test('a server that never answers times out', async () => {
    const started = Date.now()
    await rejectsWith(loose(`${silent.url}/`), 'timeout')
    assert.ok(Date.now() - started < 2_000)
  })

  test('the timeout covers the body, not only the headers', async () => {
    const started = Date.now()
    await rejectsWith(loose(`${stalling.url}/`), 'timeout')
    assert.ok(Date.now() - started < 2_000)
  })

  test('bodies past the size limit are refused, streamed or declared', async () => {
    const big = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 10_000 })
    try {
      await rejectsWith(big(`${huge.url}/streamed`), 'too-large')
      await rejectsWith(big(`${huge.url}/declared`), 'too-large')
      const roomy = await big(`${huge.url}/streamed`, { maxBytes: 6 * 1024 * 1024 })
      assert.equal(roomy.bytes().length, 5 * 1024 * 1024)
    } finally {
      await big.close()
    }
  })

  test('redirects are followed a bounded number of times', async () => {
    const res = await loose(`${redirecting.url}/hop`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { path: '/landed' })
    const err = await rejectsWith(loose(`${redirecting.url}/loop`), 'http-status')
    assert.equal(err.status, 302)
    const none = createSafeFetch({ allowPrivateNetwork: true, maxRedirects: 0 })
    try {
      await rejectsWith(none(`${redirecting.url}/hop`), 'http-status')
    } finally {
      await none.close()
    }
  })

  test('credentials are not sent on to another origin a redirect points at', async () => {
    const secret = { authorization: 'Bearer feed-generator-token', cookie: 'session=1', 'proxy-authorization': 'Basic eDp5' }
    okHeaders.length = 0
    const res = await loose(`${redirecting.url}/hop`, { headers: { ...secret, accept: 'application/json' } })
    assert.equal(res.status, 200)
    const landed = okHeaders.at(-1)!
    assert.equal(landed.authorization, undefined, 'no Authorization at the other port')
    assert.equal(landed.cookie, undefined)
    assert.equal(landed['proxy-authorization'], undefined)
    assert.equal(landed.accept, 'application/json', 'other headers still go')
    // Within one origin the request is the same conversation: the token still goes.
    const same = await loose(`${redirecting.url}/same-origin`, { headers: secret })
    assert.deepEqual(same.json(), { authorization: 'Bearer feed-generator-token' })
  })

  test('non-2xx statuses are returned, or thrown on request', async () => {
    const res = await loose(`${redirecting.url}/missing`)
    assert.equal(res.status, 404)
    assert.equal(res.ok, false)
    const err = await rejectsWith(loose(`${redirecting.url}/missing`, { throwOnError: true }), 'http-status')
    assert.equal(err.status, 404)
  })

  test('a refused connection is a network failure', async () => {
    const gone = await listen(() => {})
    await gone.close()
    await rejectsWith(loose(`${gone.url}/`), 'network')
  })
})

// --- DID, handle and identity resolution ----------------------------------

/** A UDP DNS responder answering TXT queries from a table; unknown names get NXDOMAIN. */
async function fakeDns(txt: Record<string, string[]>): Promise<{ socket: UdpSocket; server: string }> {
  const socket = createSocket('udp4')
  socket.on('message', (msg, rinfo) => {
    // Walk the question's labels to find its end and its name.
    let i = 12
    const labels: string[] = []
    while (i < msg.length && msg[i] !== 0) {
      const len = msg[i]!
      labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'))
      i += len + 1
    }
    const question = msg.subarray(12, i + 5)
    const name = labels.join('.').toLowerCase()
    const values = txt[name]
    const answers = (values ?? []).map((value) => {
      const text = Buffer.from(value, 'ascii')
      const rr = Buffer.alloc(12)
      rr.writeUInt16BE(0xc00c, 0) // pointer to the question's name
      rr.writeUInt16BE(16, 2) // TXT
      rr.writeUInt16BE(1, 4) // IN
      rr.writeUInt32BE(60, 6)
      rr.writeUInt16BE(text.length + 1, 10)
      return Buffer.concat([rr, Buffer.from([text.length]), text])
    })
    const header = Buffer.alloc(12)
    msg.copy(header, 0, 0, 2) // id
    header.writeUInt16BE(values ? 0x8180 : 0x8183, 2) // response, RD+RA, NOERROR or NXDOMAIN
    header.writeUInt16BE(1, 4)
    header.writeUInt16BE(answers.length, 6)
    socket.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { socket, server: `127.0.0.1:${socket.address().port}` }
}

describe('identity resolution', () => {
  let k256: Secp256k1Keypair
  let p256: P256Keypair
  let legacy: Secp256k1Keypair
  const docs = new Map<string, unknown>()
  const handles = new Map<string, string>()
  let plcStatus = 0
  let plc: Local
  let web: Local
  let dns: { socket: UdpSocket; server: string }
  const { log, lines } = memoryLogger()

  const alice = plcDid('alice')
  const bob = plcDid('bob')
  const carol = plcDid('carol')
  const dave = plcDid('dave')
  const erin = plcDid('erin')
  const frank = plcDid('frank')
  const mallory = plcDid('mallory')
  const mismatched = plcDid('mismatch')
  const broken = plcDid('broken')

  before(async () => {
    k256 = await Secp256k1Keypair.create()
    p256 = await P256Keypair.create()
    legacy = await Secp256k1Keypair.create()
    docs.set(alice, didDoc(alice, { key: k256, handle: 'Alice.Test', pds: 'http://pds.test:2583' }))
    docs.set(bob, didDoc(bob, { key: p256, handle: 'bob.test' }))
    docs.set(carol, didDoc(carol, { legacyKey: legacy, handle: 'carol.test' }))
    docs.set(dave, didDoc(dave, { key: k256 }))
    docs.set(erin, didDoc(erin, { key: k256, handle: 'erin.test' }))
    docs.set(frank, didDoc(frank, { key: k256, handle: 'frank.test' }))
    docs.set(mismatched, didDoc(alice, { key: k256, handle: 'alice.test' }))
    docs.set(broken, { id: broken, alsoKnownAs: 'not-an-array' })
    handles.set('alice.test', alice)
    handles.set('bob.test', alice) // claims bob.test, but the handle points elsewhere
    // carol.test is unknown to the resolver service

    plc = await listen((req, res) => {
      if (req.url?.startsWith('/xrpc/com.atproto.identity.resolveHandle')) {
        const handle = new URL(req.url, 'http://x').searchParams.get('handle') ?? ''
        const did = handles.get(handle)
        return did ? json(res, 200, { did }) : json(res, 400, { error: 'HandleNotFound', message: 'unknown' })
      }
      if (plcStatus) return json(res, plcStatus, { message: 'down' })
      const doc = docs.get(decodeURIComponent(req.url?.slice(1) ?? ''))
      return doc ? json(res, 200, doc) : json(res, 404, { message: 'DID not registered' })
    })
    web = await listen((req, res) => {
      if (req.url !== '/.well-known/did.json') return json(res, 404, {})
      const did = `did:web:localhost%3A${web.port}`
      json(res, 200, didDoc(did, { key: p256, handle: 'web.test' }))
    })
    dns = await fakeDns({
      '_atproto.frank.test': [`did=${frank}`],
      '_atproto.conflict.test': [`did=${alice}`, `did=${bob}`],
      '_atproto.noise.test': ['v=spf1 -all'],
    })
  })

  after(async () => {
    await Promise.all([plc.close(), web.close()])
    dns.socket.close()
  })

  function resolver(opts: { allowPrivateNetwork?: boolean; xrpc?: boolean } = {}) {
    return createIdentityResolver({
      plcUrl: plc.url,
      handleResolverUrl: opts.xrpc === false ? undefined : plc.url,
      allowPrivateNetwork: opts.allowPrivateNetwork ?? true,
      timeoutMs: 2_000,
      dnsServers: [dns.server],
      log,
    })
  }

  test('did:plc resolves from the PLC directory, with the signing key as a did:key', async () => {
    const id = resolver()
    try {
      const a = await id.resolveDid(alice)
      assert.ok(a)
      assert.equal(a.did, alice)
      assert.equal(a.signingKey, k256.did())
      assert.equal(a.pds, 'http://pds.test:2583')
      assert.equal(a.claimedHandle, 'alice.test')
      assert.equal((a.didDoc as { id: string }).id, alice)

      assert.equal((await id.resolveDid(bob))?.signingKey, p256.did(), 'P-256 Multikey')
      assert.equal((await id.resolveDid(carol))?.signingKey, legacy.did(), 'legacy secp256k1 form')
    } finally {
      await id.close()
    }
  })

  test('unknown, malformed and mismatched DIDs resolve to null', async () => {
    const id = resolver()
    try {
      assert.equal(await id.resolveDid(plcDid('nobody')), null)
      assert.equal(await id.resolveDid(mismatched), null)
      assert.equal(await id.resolveDid(broken), null)
      assert.equal(await id.resolveDid('did:plc:../../etc/passwd'), null)
      assert.equal(await id.resolveDid('did:example:123'), null)
      assert.equal(await id.verifyIdentity(plcDid('nobody')), null)
      assert.ok(lines.some((l) => l.includes(mismatched) && l.includes('does not match')), 'mismatch reason logged')
    } finally {
      await id.close()
    }
  })

  test('results are cached; forceRefresh fetches again; a failed refresh keeps the known document', async (t) => {
    const fetches = () => plc.hits.filter((h) => h === `/${dave}`).length
    const plcFetch = createSafeFetch({ allowPrivateNetwork: true })
    const webFetch = createSafeFetch()
    t.after(() => Promise.all([plcFetch.close(), webFetch.close()]))
    const dids = createDidResolver({ plcUrl: plc.url, plcFetch, webFetch, allowPrivateNetwork: false, minRefreshIntervalMs: 0, log })
    assert.ok(await dids.resolve(dave))
    assert.ok(await dids.resolve(dave))
    assert.equal(fetches(), 1)
    await Promise.all([dids.resolve(dave, { forceRefresh: true }), dids.resolve(dave, { forceRefresh: true })])
    assert.equal(fetches(), 2, 'concurrent refreshes share one request')
    plcStatus = 503
    try {
      const stale = await dids.resolve(dave, { forceRefresh: true })
      assert.equal(stale?.signingKey, k256.did())
    } finally {
      plcStatus = 0
    }
  })

  test('a handle is valid only when it resolves back to the DID', async () => {
    const id = resolver()
    try {
      const a = await id.verifyIdentity(alice)
      assert.ok(a)
      assert.equal(a.handle, 'alice.test')
      assert.equal(a.handleValid, true)
      assert.equal(a.signingKey, k256.did())

      const b = await id.verifyIdentity(bob)
      assert.equal(b?.handle, 'handle.invalid', 'resolves to another DID')
      assert.equal(b?.handleValid, false)
      assert.equal(b?.claimedHandle, 'bob.test')

      const c = await id.verifyIdentity(carol)
      assert.equal(c?.handle, 'handle.invalid', 'resolver knows nothing')

      const d = await id.verifyIdentity(dave)
      assert.equal(d?.handle, 'handle.invalid', 'no handle claimed')
      assert.equal(d?.claimedHandle, undefined)
    } finally {
      await id.close()
    }
  })

  test('handles resolve by DNS TXT first, ignoring conflicting records', async () => {
    const id = resolver()
    try {
      assert.equal(await id.resolveHandle('frank.test'), frank)
      assert.equal((await id.verifyIdentity(frank))?.handle, 'frank.test')
      assert.equal(await id.resolveHandle('conflict.test'), null)
      assert.equal(await id.resolveHandle('noise.test'), null)
      assert.equal(await id.resolveHandle('ALICE.test'), alice, 'case-insensitive, via the XRPC fallback')
      assert.equal(await id.resolveHandle('not a handle'), null)
      assert.equal(await id.resolveHandle('foo.local'), null, 'disallowed TLD')
    } finally {
      await id.close()
    }
  })

  test('without the XRPC fallback, an unresolvable handle is invalid', async () => {
    const id = resolver({ xrpc: false })
    try {
      const e = await id.verifyIdentity(erin)
      assert.equal(e?.handle, 'handle.invalid')
      assert.equal(e?.claimedHandle, 'erin.test')
    } finally {
      await id.close()
    }
  })

  test('did:web with a port resolves over http only on a private network', async () => {
    const did = `did:web:localhost%3A${web.port}`
    const open = resolver({ allowPrivateNetwork: true })
    const closed = resolver({ allowPrivateNetwork: false })
    try {
      const doc = await open.resolveDid(did)
      assert.equal(doc?.signingKey, p256.did())
      assert.equal(doc?.claimedHandle, 'web.test')

      const hitsBefore = web.hits.length
      assert.equal(await closed.resolveDid(did), null)
      assert.equal(web.hits.length, hitsBefore, 'the private host was not contacted')
    } finally {
      await Promise.all([open.close(), closed.close()])
    }
  })

  test('did:web on a private host is refused by the address check', async () => {
    const closed = resolver({ allowPrivateNetwork: false })
    try {
      assert.equal(await closed.resolveDid('did:web:localhost'), null)
      assert.equal(await closed.resolveDid('did:web:127.0.0.1'), null)
      assert.equal(await closed.resolveDid('did:web:10.0.0.7'), null)
      assert.ok(lines.some((l) => l.includes('"did:web:localhost"') && l.includes('only to disallowed addresses')))
      assert.ok(lines.some((l) => l.includes('"did:web:127.0.0.1"') && l.includes('not allowed')))
    } finally {
      await closed.close()
    }
  })

  test('network failures give null, never a throw', async () => {
    const gone = await listen(() => {})
    await gone.close()
    const id = createIdentityResolver({ plcUrl: gone.url, allowPrivateNetwork: true, timeoutMs: 500, log })
    try {
      assert.equal(await id.resolveDid(alice), null)
      assert.equal(await id.verifyIdentity(alice), null)
    } finally {
      await id.close()
    }
  })
})
