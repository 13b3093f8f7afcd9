/**
 * Serves repos for a backfill to crawl: a generated corpus (see gen-repos.ts; generated first if
 * it is not cached) or a directory of CAR files, through one local server that is both the
 * PDS/relay (listRepos, getRepo) and the PLC directory. The URL is the last line on stdout:
 *
 *   url=$(node --import tsx bench/repo-host.ts --records 5000000 | tail -n 1)
 *   PLC_URL=$url magpie backfill --pds $url --exit-when-done
 *
 * Options: the corpus options of gen-repos (--records, --repos, --seed, --p256, --order), or
 * --corpus <dir> (a generated corpus directory) or --cars <dir> (every *.car in it, e.g. the
 * real repos vendored in test/fixtures/repo-cars); --port N. Runs until SIGINT/SIGTERM, then prints
 * how many getRepo requests it answered.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { reposFromCarFiles } from '#devnet/repo-car-files.js'
import { startRepoHost, type RepoSource } from '#devnet/repo-host.js'
import { generateRepos } from './gen-repos.js'
import { corpusOptions, corpusParamsFrom, corpusRepoSources, loadCorpusManifest } from './repo-corpus.js'

const { values } = parseArgs({
  options: {
    ...corpusOptions,
    corpus: { type: 'string' },
    cars: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
})
const log = (s: string): void => { process.stderr.write(`${s}\n`) }

async function sources (): Promise<{ repos: RepoSource[], what: string }> {
  if (values.cars !== undefined) {
    const files = readdirSync(values.cars).filter((f) => f.endsWith('.car')).sort().map((f) => path.join(values.cars!, f))
    return { repos: await reposFromCarFiles(files), what: `${files.length} CAR files from ${values.cars}` }
  }
  const dir = values.corpus ?? await generateRepos(corpusParamsFrom(values), { log })
  const manifest = loadCorpusManifest(dir)
  return {
    repos: corpusRepoSources(dir, manifest),
    what: `corpus ${dir}: ${manifest.totals.repos} repos, ${manifest.totals.records} records, ${(manifest.totals.carBytes / 1e6).toFixed(1)} MB`,
  }
}

const { repos, what } = await sources()
// A benchmark sends tens of thousands of requests; nobody reads a per-request log here.
const host = await startRepoHost({ repos, port: Number(values.port), logRequests: false })
log(`repo host serving ${what}`)
const stop = (): void => {
  let fetches = 0
  for (const n of host.fetchCounts().values()) fetches += n
  log(`repo host: ${fetches} getRepo requests for ${host.fetchCounts().size} of ${repos.length} repos`)
  void host.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
process.stdout.write(`${host.url}\n`)
