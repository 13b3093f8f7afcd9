import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeRng } from '#devnet/rng.js'
import { readRepoCar, RepoCarError, type RepoSnapshot } from '#/ingest/backfill/repo-car.js'
import { plainRepo } from '../helpers/hostile-cars.js'

/**
 * A signed repo CAR mutated at random — bits flipped, cut short, bytes spliced in, a stretch
 * repeated — is either refused with a RepoCarError (a reason the backfill records) or read as
 * exactly the repo that was signed: no other exception escapes, nothing altered is ever read,
 * and no mutation costs more than a moment. FUZZ_SEED picks another stream (printed).
 */

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const DID = 'did:plc:repocarfuzz0000000000000'
const LIMITS = { maxRecords: 1000, maxBlocks: 3000 }
const CASES = 1500

const summary = (snap: RepoSnapshot) => snap.records.map((r) => `${r.collection}/${r.rkey} ${r.cid} ${Buffer.from(r.bytes).toString('hex')}`).join('\n')

test(`mutated repo CARs are refused with a reason or read exactly as signed (FUZZ_SEED=${seed})`, async () => {
  const rng = makeRng(seed)
  const repo = await plainRepo(DID, 30)
  const expect = { did: DID, signingKey: repo.signingKey }
  const honest = summary(readRepoCar(repo.car, expect, LIMITS))
  const problems: string[] = []
  let refused = 0
  for (let i = 0; i < CASES; i++) {
    const car = new Uint8Array(repo.car)
    let bytes: Uint8Array = car
    let what: string
    switch (rng.int(4)) {
      case 0: {
        const bits = rng.range(1, 8)
        for (let b = 0; b < bits; b++) car[rng.int(car.length)]! ^= 1 << rng.int(8)
        what = `${bits} bits flipped`
        break
      }
      case 1: {
        const at = rng.int(car.length)
        bytes = car.subarray(0, at)
        what = `cut at ${at}`
        break
      }
      case 2: {
        const at = rng.int(car.length)
        const junk = Array.from({ length: rng.range(1, 64) }, () => rng.int(256))
        bytes = new Uint8Array([...car.subarray(0, at), ...junk, ...car.subarray(at)])
        what = `${junk.length} bytes spliced in at ${at}`
        break
      }
      default: {
        const from = rng.int(car.length)
        const length = rng.range(1, 200)
        bytes = new Uint8Array([...car, ...car.subarray(from, from + length)])
        what = `${length} bytes from ${from} repeated at the end`
      }
    }
    const started = performance.now()
    try {
      const snap = readRepoCar(bytes, expect, LIMITS)
      if (summary(snap) !== honest) problems.push(`case ${i} (${what}): read records that differ from the signed repo`)
    } catch (err) {
      if (err instanceof RepoCarError) refused++
      else problems.push(`case ${i} (${what}): threw ${(err as Error)?.name}: ${(err as Error)?.message}`)
    }
    const ms = performance.now() - started
    if (ms > 1000) problems.push(`case ${i} (${what}): took ${Math.round(ms)} ms`)
  }
  console.log(`repo CAR fuzz: seed ${seed}, ${CASES} cases, ${refused} refused`)
  assert.deepEqual(problems, [], `FUZZ_SEED=${seed}`)
  assert.ok(refused > CASES / 2, `most mutations are refused (${refused})`)
})
