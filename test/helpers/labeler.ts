import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt, MessageFrame } from '@atproto/xrpc-server'
import * as dagCbor from '@ipld/dag-cbor'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Label } from '#/dataplane/index.js'
import { listenOn } from '#/server/listen.js'

/**
 * A labeler service for tests, speaking com.atproto.label.subscribeLabels for real: a did:web on
 * 127.0.0.1 whose document names its `#atproto_labeler` endpoint and `#atproto_label` key, and a
 * websocket that replays its labels after the cursor a subscriber gives, then sends new ones as
 * they are made. Frames are DAG-CBOR, labels signed as labelers sign them.
 */
export interface TestLabeler {
  did: string
  /** Its `#atproto_label` key: it signs labels, and the labeler's service-auth tokens. */
  key: Secp256k1Keypair
  /** Signs and publishes labels (src = this labeler unless given) as one event; its seq. */
  emit(labels: Partial<Label>[], opts?: { signWith?: Secp256k1Keypair; unsigned?: boolean }): Promise<number>
  /** Sends bytes as they are to every subscriber (a malformed frame, say), as an event with a seq. */
  emitRaw(bytes: Uint8Array): number
  /** The cursor each subscription asked for, in order. */
  cursors: (number | undefined)[]
  /** Subscribers connected now. */
  readonly connected: number
  /** A service token as the labeler service (`did#atproto_labeler`), signed with its label key. */
  serviceToken(aud: string, lxm: string): Promise<string>
  close(): Promise<void>
}

const PATH = '/xrpc/com.atproto.label.subscribeLabels'

export async function startTestLabeler(): Promise<TestLabeler> {
  const key = await Secp256k1Keypair.create()
  const server = http.createServer((req, res) => {
    if (req.url !== '/.well-known/did.json') {
      res.statusCode = 404
      res.end()
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(didDocument()))
  })
  await listenOn(server, 0, '127.0.0.1')
  const port = (server.address() as AddressInfo).port
  const did = `did:web:127.0.0.1%3A${port}`
  const didDocument = () => ({
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id: `${did}#atproto_label`, type: 'Multikey', controller: did, publicKeyMultibase: key.did().slice('did:key:'.length) }],
    service: [{ id: '#atproto_labeler', type: 'AtprotoLabeler', serviceEndpoint: `http://127.0.0.1:${port}` }],
  })

  const events: { seq: number; bytes: Uint8Array }[] = []
  const sockets = new Set<WebSocket>()
  const cursors: (number | undefined)[] = []
  const wss = new WebSocketServer({ server, path: PATH })
  wss.on('connection', (socket, req) => {
    const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor')
    const after = cursor === null ? undefined : Number(cursor)
    cursors.push(after)
    // Without a cursor only new events are sent, as labelers do.
    if (after !== undefined) for (const event of events) if (event.seq > after) socket.send(event.bytes)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  const publish = (bytes: Uint8Array): number => {
    const seq = events.length + 1
    events.push({ seq, bytes })
    for (const socket of sockets) socket.send(bytes)
    return seq
  }

  return {
    did,
    key,
    cursors,
    get connected() {
      return sockets.size
    },
    async emit(partials, opts = {}) {
      const labels = await Promise.all(
        partials.map(async (partial) => {
          const label = { ver: 1, src: did, cts: new Date().toISOString(), ...partial } as Label
          if (opts.unsigned) return label
          const signer = opts.signWith ?? key
          return { ...label, sig: await signer.sign(dagCbor.encode(label)) }
        }),
      )
      return publish(new MessageFrame({ seq: events.length + 1, labels } as never, { type: '#labels' }).toBytes())
    },
    emitRaw: publish,
    serviceToken: (aud, lxm) => createServiceJwt({ iss: `${did}#atproto_labeler`, aud, lxm, keypair: key }),
    async close() {
      for (const socket of sockets) socket.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
