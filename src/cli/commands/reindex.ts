import { readdir } from 'node:fs/promises'
import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { shardLayout } from '#/config/env.js'
import { reindexFamily } from '#/store/reindex.js'
import { applySetup, TEMPLATE_DIR } from '#/store/setup.js'

export const reindex: Command = {
  name: 'reindex',
  summary: 'Move a family’s indices onto its current template (analyzers, mappings) from stored documents, while ingest runs',
  options: {
    family: { type: 'string', help: 'index family, as named in index-templates/ (e.g. posts, profiles, actors)' },
    'dry-run': { type: 'boolean', help: 'list the indices that would move, and where to, without changing anything' },
  },
  async run(values) {
    const family = values.family
    const known = (await readdir(TEMPLATE_DIR)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
    if (typeof family !== 'string' || !known.includes(family)) {
      console.error(`--family must be one of: ${known.join(', ')}`)
      return 2
    }
    const { client, config, log } = await openContext()
    try {
      const dryRun = values['dry-run'] === true
      // The cluster must hold the template the new indices are to be created from.
      if (!dryRun) await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
      const report = await reindexFamily(client, config.INDEX_PREFIX, family, log, { dryRun })
      console.log(JSON.stringify(report, null, 2))
    } finally {
      await client.close()
    }
  },
}
