// XRPC fuzz for a given time: the generator of test/integration/fuzz.test.ts (cases from every
// served method's lexicon, hostile values and tokens) against Magpie's real server on a dev-env
// network and the OpenSearch node at OPENSEARCH_URL, round after round with fresh seeds.
// Prints a JSON line per round, every finding as it is found, and the totals with cases per
// minute. Not a test: it reports, it does not fail.
//
//   OPENSEARCH_URL=http://127.0.0.1:9260 node --import tsx bench/fuzz.ts --minutes 10 --seed 7
import { parseArgs } from 'node:util'
import { runFuzz, type Finding } from '../test/helpers/fuzz-run.js'
import { startFuzzSetup } from '../test/helpers/fuzz-world.js'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    'cases-per-round': { type: 'string', default: '20' },
  },
})
const seed = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31))
const minutes = Number(args.minutes)
const concurrency = Number(args.concurrency)
const casesPerMethod = Number(args['cases-per-round'])

const setup = await startFuzzSetup('fuzzbench')
const deadline = AbortSignal.timeout(minutes * 60_000)
const byStatus: Record<number, number> = {}
const seen = new Map<string, Finding & { count: number; seed: number }>()
let cases = 0
let ms = 0
try {
  // Each round's methods draw from seeds roundSeed + i: a round reproduces with --seed roundSeed.
  for (let round = 0; !deadline.aborted; round++) {
    const roundSeed = seed + round * 1000
    const report = await runFuzz(setup.target, { seed: roundSeed, casesPerMethod, concurrency, signal: deadline })
    cases += report.cases
    ms += report.ms
    for (const [status, n] of Object.entries(report.byStatus)) byStatus[Number(status)] = (byStatus[Number(status)] ?? 0) + n
    for (const f of report.findings) {
      // One line per kind of finding (method, problem): the first case that showed it, and how often.
      const key = `${f.case.split(' [')[0]} ${f.problem}`
      const known = seen.get(key)
      if (known) known.count++
      else {
        seen.set(key, { ...f, count: 1, seed: roundSeed })
        console.log(JSON.stringify({ finding: f, seed: roundSeed }))
      }
    }
    console.log(JSON.stringify({ round, seed: roundSeed, cases: report.cases, ms: report.ms, findings: report.findings.length }))
  }
} finally {
  const health = await setup.api.xrpc('app.bsky.actor.getProfile', { actor: setup.viewer.did }).catch((err: Error) => ({ status: 0, body: err.message }))
  console.log(
    JSON.stringify({
      seed,
      minutes,
      concurrency,
      cases,
      casesPerMinute: Math.round((cases / ms) * 60_000),
      byStatus,
      findings: [...seen.values()],
      healthyAfter: health.status === 200,
    }),
  )
  await setup.close()
}
