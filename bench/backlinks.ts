/**
 * What backlinks cost and how fast they answer (issue 17).
 *
 * 1. What the links cost to store and write (backlinks-fresh.ts): the bench's own mix of
 *    `--records` records (`--popular` of them likes of one post) written through Magpie's write
 *    path into two fresh prefixes, one as Magpie writes them and one with the links left out,
 *    each force-merged: extra bytes per record on disk, extra bulk time. `--records 0` skips it.
 * 2. Latency, either
 *    - on that small prefix (without `--corpus`): getBacklinks / getBacklinkCounts for a popular
 *      and a cold subject, and searchRecords; or
 *    - on a loaded read corpus (`--corpus PREFIX`, backlinks-corpus.ts): `--third-party` records of
 *      other apps' lexicons (backlinks-third-party.ts) written into the corpus's prefix, `--popular`
 *      of them (default there 50,000) linking to one popular post of the corpus; then
 *      getBacklinks (first page, page `--deep-page`+1 by cursor, filtered by collection and path),
 *      getBacklinkCounts and getLinkingAccounts for that post, the corpus's most popular account
 *      and cold posts, and searchRecords over the records of third-party lexicons, `--calls`
 *      each. The generated records stay unless `--cleanup` (or `--cleanup-only` later).
 *
 *   OPENSEARCH_URL=http://127.0.0.1:9260 node --import tsx bench/backlinks.ts [--records 100000] [--popular N] [--keep]
 *   OPENSEARCH_URL=http://127.0.0.1:9200 node --import tsx bench/backlinks.ts --corpus readbench- [--manifest FILE]
 *     [--third-party 1000000] [--popular 50000] [--calls 200] [--deep-page 20] [--texts DIR] [--records 100000] [--cleanup | --cleanup-only]
 *
 * Prints one JSON line per figure (also appended to bench/results/backlinks.jsonl) and a
 * readable summary on stderr. Deletes its fresh prefixes at the end (`--keep`, without
 * `--corpus`: not the one with links, to look into). OpenSearch: OPENSEARCH_URL, else
 * http://127.0.0.1:9260.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { measureOnCorpus } from './backlinks-corpus.js'
import { measureFreshLatency, measureWriteCost, type FreshPrefixes } from './backlinks-fresh.js'
import { dropBenchPrefix } from './machine-stats.js'
import { resultsEmitter } from './results-file.js'
import { testDataPath } from '../test/helpers/test-data.js'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    popular: { type: 'string' },
    keep: { type: 'boolean', default: false },
    corpus: { type: 'string' },
    manifest: { type: 'string' },
    'third-party': { type: 'string', default: '1000000' },
    calls: { type: 'string', default: '200' },
    'deep-page': { type: 'string', default: '20' },
    texts: { type: 'string', default: testDataPath('posts') },
    cleanup: { type: 'boolean', default: false },
    'cleanup-only': { type: 'boolean', default: false },
  },
})
const corpus = args.corpus
if ((args.cleanup || args['cleanup-only'] || args.manifest) && !corpus) throw new Error('--cleanup, --cleanup-only and --manifest go with --corpus PREFIX')
const log = createLogger('warn')
const client = createOpenSearchClient(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9260')
const run = randomBytes(3).toString('hex')
const emit = resultsEmitter('backlinks', run)
emit({ figure: 'run', corpus: corpus ?? null, args })

let fresh: FreshPrefixes | undefined
try {
  if (Number(args.records) > 0 && !args['cleanup-only']) {
    fresh = await measureWriteCost(client, log, emit, { records: Number(args.records), popularLikes: Number(args.popular ?? 20_000) })
  }
  if (corpus) {
    // The fresh prefixes are not needed for the corpus's figures.
    if (fresh) for (const prefix of [fresh.withLinks, fresh.without]) await dropBenchPrefix(client, prefix)
    fresh = undefined
    await measureOnCorpus(client, log, emit, {
      prefix: corpus,
      manifest: args.manifest,
      count: Number(args['third-party']),
      popularLinks: Number(args.popular ?? 50_000),
      calls: Number(args.calls),
      deepPage: Number(args['deep-page']),
      texts: args.texts!,
      cleanup: args.cleanup!,
      cleanupOnly: args['cleanup-only']!,
    })
  } else if (fresh) {
    await measureFreshLatency(client, emit, fresh)
  }
} finally {
  if (fresh) {
    if (args.keep) emit({ kept: fresh.withLinks, popular: fresh.popular })
    for (const prefix of args.keep ? [fresh.without] : [fresh.withLinks, fresh.without]) await dropBenchPrefix(client, prefix)
  }
  await client.close()
}
