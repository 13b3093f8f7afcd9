import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { shardLayout } from '#/config/env.js'
import { applySetup } from '#/store/setup.js'

export const setup: Command = {
  name: 'setup',
  summary: 'Apply index templates and lifecycle policies (idempotent, versioned)',
  options: {},
  async run() {
    const { client, config, log } = await openContext()
    const report = await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
    console.log(JSON.stringify(report, null, 2))
    return report.mappingConflicts.length > 0 ? 1 : 0
  },
}
