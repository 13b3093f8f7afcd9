// A tiny PLC-directory stand-in: answers `GET /<did>` with a DID document from
// a map, which is all DID resolution needs. Used with recorded relay frames,
// whose signing keys live in DID documents captured alongside them.
import http from 'node:http'
import { listenOn } from '#/server/listen.js'

export type StaticPlcOptions = {
  docs: Record<string, unknown> | Map<string, unknown>
  /** Port on 127.0.0.1; 0 or unset picks a free one. */
  port?: number
  /** Answer every request this many ms late, as a distant or overloaded directory does. */
  delayMs?: number
}

export type StaticPlc = {
  /** http://127.0.0.1:<port>; use as `plcUrl`. */
  url: string
  port: number
  /** Adds or replaces a document (e.g. to simulate a key rotation). */
  set(did: string, doc: unknown): void
  delete(did: string): void
  /** Requests answered so far, for asserting on caching. */
  requests(): number
  close(): Promise<void>
}

export async function startStaticPlc (opts: StaticPlcOptions): Promise<StaticPlc> {
  const docs = new Map<string, unknown>(
    opts.docs instanceof Map ? opts.docs : Object.entries(opts.docs)
  )
  let requests = 0

  const server = http.createServer((req, res) => {
    requests++
    const answer = () => answerDidDocumentRequest(req, res, (did) => docs.get(did))
    if (opts.delayMs) setTimeout(answer, opts.delayMs)
    else answer()
  })

  const port = await listenOn(server, opts.port ?? 0, '127.0.0.1')

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    set: (did, doc) => { docs.set(did, doc) },
    delete: (did) => { docs.delete(did) },
    requests: () => requests,
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/**
 * Answers a PLC-style `GET /<did>` from `lookup` (undefined: 404). Shared by every local
 * stand-in that plays the PLC directory.
 */
export function answerDidDocumentRequest (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  lookup: (did: string) => unknown
): void {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { message: 'method not allowed' })
  const pathname = new URL(req.url ?? '/', 'http://plc.invalid').pathname
  let did: string
  try {
    // Resolvers URL-encode the DID (did%3Aplc%3A…); accept both forms.
    did = decodeURIComponent(pathname.slice(1))
  } catch {
    return send(400, { message: 'bad DID' })
  }
  const doc = lookup(did)
  if (doc === undefined) return send(404, { message: `DID not registered: ${did}` })
  send(200, doc)
}

/** The DID document of an atproto account: its repo signing key and its PDS. */
export function atprotoDidDocument (did: string, opts: { handle?: string, signingKeyMultibase: string, pds: string }): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1', 'https://w3id.org/security/suites/secp256k1-2019/v1'],
    id: did,
    alsoKnownAs: opts.handle === undefined ? [] : [`at://${opts.handle}`],
    verificationMethod: [{ id: `${did}#atproto`, type: 'Multikey', controller: did, publicKeyMultibase: opts.signingKeyMultibase }],
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: opts.pds }]
  }
}
