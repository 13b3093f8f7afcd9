import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, beforeEach, test } from 'node:test'
import { Client } from '@opensearch-project/opensearch'
import { BulkWriter, type BulkOp } from '#/indexing/bulk-writer.js'
import { createLogger } from '#/log.js'
import { bulkRejections, bulkRequests } from '#/metrics.js'
import { listenOn } from '#/server/listen.js'
import { growth, samples } from '../helpers/metrics.js'

/**
 * The bulk writer against a scripted `_bulk` endpoint (the real client and its bulk helper
 * underneath): what OpenSearch says no to now is retried until it says yes, what it refuses for
 * the document itself is dropped alone, and checkpoints come out in order only after their writes.
 */

type Reply = (ids: string[]) => { status: number; items?: number[]; destroy?: boolean }

let server: http.Server
let url: string
let script: Reply[] = []
const stored = new Set<string>()
let requests = 0

before(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      requests++
      const lines = body.split('\n').filter(Boolean)
      const ids: string[] = []
      for (let i = 0; i < lines.length; i++) {
        const action = JSON.parse(lines[i]!)
        ids.push(action.index._id)
        i++ // the document line
      }
      const reply: ReturnType<Reply> = (script.shift() ?? (() => ({ status: 200 })))(ids)
      if (reply.destroy) return req.socket.destroy()
      const statuses = reply.items ?? ids.map(() => 201)
      if (reply.status === 200) ids.forEach((id, i) => statuses[i]! < 300 && stored.add(id))
      const failed = statuses.some((status) => status >= 300)
      res.writeHead(reply.status, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify(
          reply.status === 200
            ? {
                took: 1,
                errors: failed,
                items: ids.map((id, i) => ({
                  index: { _index: 'x', _id: id, status: statuses[i], ...(statuses[i]! >= 300 ? { error: { type: 'e', reason: `status ${statuses[i]}` } } : {}) },
                })),
              }
            : { error: { type: 'scripted', reason: 'scripted failure' }, status: reply.status },
        ),
      )
    })
  })
  const port = await listenOn(server, 0, '127.0.0.1')
  url = `http://127.0.0.1:${port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

beforeEach(() => {
  script = []
  stored.clear()
  requests = 0
})

function op(id: string): BulkOp {
  return { action: { index: { _index: 'x', _id: id, version: 1, version_type: 'external' } }, body: JSON.stringify({ id }), ref: id }
}

function writer(checkpoints: number[]) {
  const client = new Client({ node: url, maxRetries: 0, requestTimeout: 2000 })
  return new BulkWriter<number>({
    client,
    log: createLogger('silent'),
    flushBytes: 1 << 20,
    flushMs: 10,
    maxInFlight: 2,
    onCheckpoint: (t) => {
      checkpoints.push(t)
    },
  })
}

test('429 items, 5xx responses and dropped connections are retried until everything is stored', async () => {
  script = [
    (ids) => ({ status: 200, items: ids.map((_, i) => (i % 2 === 0 ? 429 : 201)) }),
    () => ({ status: 503 }),
    () => ({ status: 0, destroy: true }),
  ]
  const checkpoints: number[] = []
  const w = writer(checkpoints)
  for (let i = 0; i < 10; i++) w.add(op(`a${i}`))
  w.checkpoint(1)
  await w.flush()
  assert.equal(stored.size, 10)
  assert.deepEqual(checkpoints, [1])
  assert.ok(w.stats.retriedOps > 0)
})

test('a version conflict is expected: counted as stale, not retried, not an error', async () => {
  script = [(ids) => ({ status: 200, items: ids.map((_, i) => (i === 0 ? 409 : 201)) })]
  const checkpoints: number[] = []
  const w = writer(checkpoints)
  w.add(op('old'))
  w.add(op('new'))
  w.checkpoint(7)
  await w.flush()
  assert.equal(w.stats.stale, 1)
  assert.equal(w.stats.rejected, 0)
  assert.equal(requests, 1)
  assert.deepEqual(checkpoints, [7])
})

test('a document refused for its content is dropped alone; a refused request is bisected to the culprit', async () => {
  script = [
    (ids) => ({ status: 200, items: ids.map((id) => (id === 'bad1' ? 400 : 201)) }),
    // The whole next request is refused: only the op that causes it may be lost.
    (ids) => ({ status: ids.includes('bad2') ? 400 : 200 }),
    (ids) => ({ status: ids.includes('bad2') ? 400 : 200 }),
    (ids) => ({ status: ids.includes('bad2') ? 400 : 200 }),
    (ids) => ({ status: ids.includes('bad2') ? 400 : 200 }),
  ]
  const checkpoints: number[] = []
  const w = writer(checkpoints)
  for (const id of ['a', 'bad1', 'b']) w.add(op(id))
  w.checkpoint(1)
  await w.flush()
  for (const id of ['c', 'd', 'bad2', 'e']) w.add(op(id))
  w.checkpoint(2)
  await w.flush()
  assert.deepEqual([...stored].sort(), ['a', 'b', 'c', 'd', 'e'])
  assert.equal(w.stats.rejected, 2)
  assert.deepEqual(checkpoints, [1, 2])
})

test('checkpoints are reported in order even when a later batch is acknowledged first', async () => {
  // The first batch fails once and is retried after a backoff; the second, sent meanwhile, succeeds first.
  script = [() => ({ status: 503 })]
  const checkpoints: number[] = []
  const w = writer(checkpoints)
  w.add(op('first'))
  w.checkpoint(1)
  await new Promise((r) => setTimeout(r, 30)) // sealed and sent
  w.add(op('second'))
  w.checkpoint(2)
  await w.flush()
  assert.deepEqual(checkpoints, [1, 2])
  assert.ok(stored.has('first') && stored.has('second'))
})

test('back-pressure: ready() makes the reader wait while batches are queued behind those in flight', async () => {
  // Every request fails a few times, so batches pile up.
  script = Array.from({ length: 3 }, () => () => ({ status: 503 }))
  const checkpoints: number[] = []
  const client = new Client({ node: url, maxRetries: 0 })
  const w = new BulkWriter<number>({ client, log: createLogger('silent'), flushBytes: 10, flushMs: 5, maxInFlight: 1, maxQueued: 1 })
  w.add(op('p1'))
  w.add(op('p2'))
  w.add(op('p3'))
  const wait = w.ready()
  assert.ok(wait, 'the writer asks the reader to wait')
  await wait
  await w.flush()
  assert.equal(stored.size, 3)
  assert.deepEqual(checkpoints, [])
})

test('every _bulk request is timed by outcome, and every item OpenSearch did not take is counted by reason', async () => {
  script = [
    // One of each: turned away for load, a replay, refused for its content, stored.
    (ids) => ({ status: 200, items: ids.map((id) => ({ busy: 429, old: 409, bad: 400 })[id] ?? 201) }),
    () => ({ status: 503 }),
    () => ({ status: 0, destroy: true }),
  ]
  const count = 'magpie_bulk_request_seconds_count'
  const [requestsBefore, rejectionsBefore] = [await samples(bulkRequests, count), await samples(bulkRejections)]
  const w = writer([])
  for (const id of ['busy', 'old', 'bad', 'fine']) w.add(op(id))
  await w.flush()
  assert.deepEqual([...stored].sort(), ['busy', 'fine'])
  // The 429 item alone is sent again: first to a 503, then to a dropped connection, then stored.
  assert.deepEqual(await growth(bulkRequests, requestsBefore, count), { 'outcome=retry': 1, 'outcome=failed': 2, 'outcome=ok': 1 })
  assert.equal(requests, 4, 'one _bulk request per timed call: the client helper retries nothing of its own')
  assert.deepEqual(await growth(bulkRejections, rejectionsBefore), {
    'reason=too_many_requests': 1,
    'reason=version_conflict': 1,
    'reason=refused': 1,
    'reason=unavailable': 1,
    'reason=no_answer': 1,
  })
})
