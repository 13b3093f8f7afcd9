import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { inShard, parseShard, shardOf } from '#/ingest/backfill/shard.js'

/**
 * `magpie backfill --shard i/n`: n processes split any listing between them by DID hash, each
 * repo to exactly one, with the split documented (README) so that it can be checked from outside.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The split as the README states it, computed here independently: SHA-256 of the DID, first 4 bytes big-endian, mod n. */
const documented = (did: string, n: number) => createHash('sha256').update(did).digest().readUInt32BE(0) % n

const dids = Array.from({ length: 4000 }, (_, i) => (i % 4 === 0 ? `did:web:host${i}.example.com` : `did:plc:${createHash('md5').update(String(i)).digest('hex').slice(0, 24)}`))

test('every DID falls in exactly one of n shards, the one the documented hash names, about evenly', () => {
  for (const n of [1, 2, 3, 7]) {
    const sizes = new Array<number>(n).fill(0)
    for (const did of dids) {
      const owners = [...Array(n).keys()].filter((index) => inShard(did, { index, count: n }))
      assert.deepEqual(owners, [documented(did, n)], did)
      assert.equal(shardOf(did, n), documented(did, n))
      sizes[owners[0]!]!++
    }
    for (const size of sizes) assert.ok(Math.abs(size - dids.length / n) < dids.length / n / 5, `shards of ${n}: ${sizes.join(', ')}`)
  }
})

test('--shard is i/n with 0 ≤ i < n', () => {
  assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 })
  assert.deepEqual(parseShard('3/4'), { index: 3, count: 4 })
  assert.throws(() => parseShard('4/4'), /runs from 0 to 3/)
  assert.throws(() => parseShard('0/0'), /at least 1/)
  assert.throws(() => parseShard('-1/4'), /is not i\/n/)
  assert.throws(() => parseShard('1'), /is not i\/n/)
  assert.throws(() => parseShard('a/b'), /is not i\/n/)
})

test('magpie backfill refuses a bad --shard as a usage error (exit 2), before touching anything', async () => {
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'backfill', '--pds', 'http://127.0.0.1:1', '--shard', '2/2'], {
    cwd: root,
    // Nowhere to connect: a run that got past the check would fail differently, later.
    env: { ...process.env, OPENSEARCH_URL: 'http://127.0.0.1:1' },
  })
  await assert.rejects(run, (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 2)
    assert.match(err.stderr ?? '', /magpie backfill: --shard: 2\/2: the shard index runs from 0 to 1/)
    return true
  })
})
