import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A `com.atproto.identity.resolveHandle` service on loopback standing in front of a PDS, whose
 * answers are held while the gate is shut: handle verification is then under way and unfinished
 * for as long as a test wants (a slow or unreachable handle host). Opened, it answers what the
 * PDS answers, the held requests first.
 */
export interface HandleGate {
  url: string
  /** Requests waiting for the gate now (a client that gave up is no longer counted). */
  holding(): number
  /** Requests received so far. */
  received(): number
  open(): void
  close(): Promise<void>
}

export async function startHandleGate(pdsUrl: string): Promise<HandleGate> {
  let opened = false
  let received = 0
  const held = new Set<() => void>()

  const answer = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    try {
      const upstream = await fetch(new URL(req.url ?? '/', pdsUrl))
      res.writeHead(upstream.status, { 'content-type': 'application/json' })
      res.end(await upstream.text())
    } catch {
      res.writeHead(502).end()
    }
  }

  const server = http.createServer((req, res) => {
    received++
    if (opened) return void answer(req, res)
    const release = (): void => {
      held.delete(release)
      void answer(req, res)
    }
    held.add(release)
    res.once('close', () => held.delete(release))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding: () => held.size,
    received: () => received,
    open() {
      opened = true
      for (const release of [...held]) release()
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
