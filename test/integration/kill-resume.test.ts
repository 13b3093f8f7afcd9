import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Client } from '@opensearch-project/opensearch'
import { loadConfig } from '#/config/env.js'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { cursorKey, StateStore } from '#/store/state.js'
import { devnetEnv } from '../helpers/devnet-env.js'
import { allRecordDocs, generateActivity, repoRecords } from '../helpers/repo-activity.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * SIGKILL the real `magpie ingest` process at random points while a PDS is busy, restart it each
 * time, and compare the result with the repos themselves and with an uninterrupted run: nothing
 * lost, nothing duplicated, no deleted record back, and the cursor resumed where it stopped.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
let net: DevNetwork
let client: Client
const killedPrefix = uniquePrefix('killed')
const cleanPrefix = uniquePrefix('clean')

before(async () => {
  net = await startDevNetwork()
  client = testClient()
})

after(async () => {
  // A failed assertion must not leave an ingester running (it would keep this file alive).
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await net.close()
  await dropPrefix(client, killedPrefix)
  await dropPrefix(client, cleanPrefix)
  await client.close()
})

function env(prefix: string): Record<string, string> {
  return devnetEnv(net, prefix, { BULK_FLUSH_MS: '100', LOG_LEVEL: 'info' })
}

const children: ChildProcess[] = []

interface Ingester {
  child: ChildProcess
  startedAt: Promise<number | undefined>
  exited: Promise<number | null>
}

/** Start `magpie ingest` as its own process; resolves `startedAt` with the cursor it resumed from. */
function startIngester(prefix: string, extra: string[] = []): Ingester {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'ingest', '--relay', net.firehoseUrl, ...extra], {
    cwd: root,
    env: env(prefix),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let buffer = ''
  if (process.env.MAGPIE_TEST_CHILD_LOG) child.stderr!.on('data', (c: Buffer) => appendFileSync(process.env.MAGPIE_TEST_CHILD_LOG!, c))
  const startedAt = new Promise<number | undefined>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      let nl
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try {
          const entry = JSON.parse(line)
          if (entry.msg === 'live ingest starting') resolve(entry.cursor)
        } catch {
          // not a log line
        }
      }
    })
    child.once('exit', () => reject(new Error('ingester exited before starting')))
  })
  startedAt.catch(() => undefined)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, startedAt, exited }
}

test('SIGKILL at random points during ingest, then restart: same index as an uninterrupted run', { timeout: 600_000 }, async () => {
  const accounts = [await net.createAccount('kim'), await net.createAccount('lee'), await net.createAccount('max')]
  const log = createLogger('warn')
  await applySetup(client, killedPrefix, log)

  // From the first event the PDS has, like the uninterrupted run below.
  let ingester = startIngester(killedPrefix, ['--cursor', '0'])
  await ingester.startedAt
  let activityDone = false
  const activity = generateActivity(accounts, { ops: 900 }).finally(() => {
    activityDone = true
  })
  const resumedFrom: (number | undefined)[] = []
  const state = new StateStore(client, killedPrefix)
  let lastResume = 0
  let kills = 0
  while (kills < 4 && !activityDone) {
    // Kill only once this process has made progress of its own, at a random moment after that.
    await eventually('the ingester to save a newer cursor', async () => {
      if (activityDone) return 'activity over'
      const saved = await state.get<{ seq: number }>(cursorKey(net.firehoseUrl))
      return saved && saved.seq > lastResume ? saved : undefined
    }, 60_000)
    if (activityDone) break
    await new Promise((r) => setTimeout(r, Math.random() * 1500))
    ingester.child.kill('SIGKILL')
    await ingester.exited
    kills++
    ingester = startIngester(killedPrefix)
    const resumed = await ingester.startedAt
    resumedFrom.push(resumed)
    lastResume = resumed ?? 0
  }
  await activity
  ingester.child.kill('SIGKILL')
  await ingester.exited

  // Catch up after the last kill and stop when the firehose goes quiet.
  const final = startIngester(killedPrefix, ['--exit-when-idle', '3'])
  resumedFrom.push(await final.startedAt)
  assert.equal(await final.exited, 0)

  assert.ok(kills >= 2, `killed mid-stream ${kills} times`)
  // Each restart resumed from a saved cursor further along than the one before (the killed
  // processes had each saved progress); the final catch-up never starts behind the last one.
  const last = resumedFrom.length - 1
  for (let i = 1; i < last; i++) {
    assert.ok((resumedFrom[i] ?? 0) > (resumedFrom[i - 1] ?? 0), `cursors advance: ${resumedFrom.join(', ')}`)
  }
  assert.ok((resumedFrom[last] ?? 0) >= (resumedFrom[last - 1] ?? 0), `cursors advance: ${resumedFrom.join(', ')}`)

  // The uninterrupted run, from the first event.
  const config = loadConfig({ ...env(cleanPrefix), LOG_LEVEL: 'warn' })
  await applySetup(client, cleanPrefix, log)
  const clean = await startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor: 0, exitWhenIdleSec: 3 })

  const killed = await allRecordDocs(client, killedPrefix)
  const uninterrupted = await allRecordDocs(client, cleanPrefix)
  assert.deepEqual([...killed.keys()].sort(), [...uninterrupted.keys()].sort(), 'same documents')
  for (const [id, doc] of uninterrupted) assert.deepEqual(killed.get(id), doc, id)

  // And both equal the repos: every live record with its CID, every deleted one a tombstone.
  const truth = await repoRecords(accounts)
  const live = [...killed].filter(([, d]) => d.tomb !== true)
  assert.deepEqual(new Map(live.map(([id, d]) => [id, d.cid])), truth)
  assert.ok([...killed.values()].some((d) => d.tomb === true), 'the run included deletes')

  // The final cursor names the last event.
  const saved = await state.get<{ seq: number }>(cursorKey(net.firehoseUrl))
  assert.equal(saved?.seq, clean.lastSeq)
})
