import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import Koa from 'koa'
import { listen } from '#/server/app.js'

/**
 * Requests Node's HTTP parser refuses before any handler runs — a URL past its 16 KiB header
 * limit (a query with thousands of values), bytes that are not HTTP — are answered as XRPC
 * errors too, JSON `{error, message}`, so a client reads them like every other refusal.
 * (Found by the XRPC fuzz, test/integration/fuzz.test.ts: a 431 with no body.)
 */

let server: Server
let base: string

before(async () => {
  const app = new Koa()
  app.use((ctx) => {
    ctx.body = { ok: true }
  })
  server = await listen(app, 0, '127.0.0.1')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

test('a URL past the header limit is a 431 with an XRPC error body', async () => {
  const res = await fetch(`${base}/xrpc/app.bsky.feed.getPosts?${'uris=a&'.repeat(5000)}`)
  assert.equal(res.status, 431)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  const body = (await res.json()) as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'])
  assert.equal(body.error, 'InvalidRequest')
  assert.match(String(body.message), /too large/)
  // The server goes on answering.
  assert.equal((await fetch(`${base}/xrpc/x`)).status, 200)
})

test('bytes that are not HTTP are a 400 with an XRPC error body', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'))
    let text = ''
    socket.on('data', (chunk) => (text += chunk))
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
  })
  assert.match(answer, /^HTTP\/1\.1 400 /)
  assert.match(answer, /content-type: application\/json/i)
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
  assert.equal(body.error, 'InvalidRequest')
  assert.equal(typeof body.message, 'string')
})
