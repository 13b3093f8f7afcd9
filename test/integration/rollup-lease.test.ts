import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { Rollup } from '#/aggregates/rollup.js'
import { createLogger } from '#/log.js'
import { dropPrefix, setUpPrefix, testClient } from '../helpers/opensearch.js'

/**
 * Every writing process runs the rollup beside it (`up`, `ingest`, each `backfill --shard`): on
 * one prefix only the holder of the lease passes; the others find it held and do nothing until
 * it is given up or runs out.
 */

const log = createLogger('warn')
const made: string[] = []
let client: Client
let prefix: string

before(async () => {
  client = testClient()
  prefix = await setUpPrefix(client, 'rollup-lease', made, log)
})

after(async () => {
  for (const p of made) await dropPrefix(client, p)
  await client.close()
})

test('of several rollups on one prefix, one passes at a time; the lease moves on when given up or expired', async () => {
  const [a, b, c] = ['shard-0', 'shard-1', 'ingest'].map((owner) => new Rollup(client, prefix, log, { owner }))
  // Started together, as processes started at once would.
  const first = await Promise.all([a!.pass(), b!.pass(), c!.pass()])
  assert.equal(first.filter((r) => r.skipped === undefined).length, 1, `exactly one passes: ${JSON.stringify(first)}`)
  const holder = [a, b, c][first.findIndex((r) => r.skipped === undefined)]!
  const others = [a, b, c].filter((r) => r !== holder)
  for (const r of others) assert.equal((await r!.pass()).skipped, 'lease', 'still held')
  assert.equal((await holder.pass()).skipped, undefined, 'the holder goes on')

  await holder.releaseLease()
  const next = await Promise.all(others.map((r) => r!.pass()))
  assert.equal(next.filter((r) => r.skipped === undefined).length, 1, 'given up: one of the others takes it')
  assert.equal((await holder.pass()).skipped, 'lease')

  // A holder that stopped without giving it up (kill -9) holds it no longer than the lease lasts.
  const late = new Rollup(client, prefix, log, { owner: 'late', now: () => Date.now() + 61_000 })
  assert.equal((await late.pass()).skipped, undefined)
})
