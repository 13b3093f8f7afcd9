import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { runLifecycle } from '#/store/lifecycle.js'

export const lifecycle: Command = {
  name: 'lifecycle',
  summary: 'Run one pass of the ilm-policies/ lifecycle where the cluster has no ISM plugin (`up` does this hourly)',
  options: {},
  async run() {
    const { client, config, log } = await openContext()
    const report = await runLifecycle(client, config.INDEX_PREFIX, log)
    console.log(JSON.stringify(report, null, 2))
    await client.close()
  },
}
