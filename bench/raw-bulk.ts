/**
 * The "ceiling" client of the ingest benchmarks: pre-serialized NDJSON `_bulk` bodies posted
 * over keep-alive HTTP with a fixed number in flight, and nothing else — what OpenSearch can
 * take for the very same documents when the producer costs nothing.
 */
import http from 'node:http'

export interface RawBulkResult {
  requests: number
  /** 409s: an older revision of a document arrived after a newer one (harmless, as in Magpie). */
  stale: number
  itemErrors: number
}

export interface RawBulkSender {
  post(body: Buffer): Promise<void>
  readonly result: RawBulkResult
  close(): void
}

export function rawBulkSender(opensearchUrl: string, inFlight: number): RawBulkSender {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight })
  const url = new URL('/_bulk', opensearchUrl)
  const result: RawBulkResult = { requests: 0, stale: 0, itemErrors: 0 }
  const post = (body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      result.requests++
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson', 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (res.statusCode !== 200) return reject(new Error(`_bulk ${res.statusCode}: ${text.slice(0, 300)}`))
          // Only look inside when OpenSearch says some item failed.
          if (text.includes('"errors":true')) {
            for (const item of (JSON.parse(text) as { items: Record<string, { status: number; error?: unknown }>[] }).items) {
              const r = Object.values(item)[0]
              if (r?.status === 409) result.stale++
              else if (r?.error) result.itemErrors++
            }
          }
          resolve()
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  return { post, result, close: () => agent.destroy() }
}

/** Post every batch, `inFlight` at a time; `before(i)` may delay a batch (pacing). */
export async function postAll(sender: RawBulkSender, count: number, load: (i: number) => Buffer | Promise<Buffer>, inFlight: number, before?: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++
        if (before) await before(i)
        await sender.post(await load(i))
      }
    }),
  )
}
