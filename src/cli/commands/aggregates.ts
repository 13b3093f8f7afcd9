import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { shardLayout } from '#/config/env.js'
import { isLiveMonth } from '#/aggregates/partitions.js'
import { Rollup } from '#/aggregates/rollup.js'
import { applySetup } from '#/store/setup.js'

export const aggregates: Command = {
  name: 'aggregates',
  summary: 'Roll up the counts of settled partitions now (what ingest, backfill and up do every ROLLUP_INTERVAL_MS), or show the rollup state',
  options: {
    status: { type: 'boolean', help: 'only print which partitions are settled, with their generations' },
    'max-passes': { type: 'string', help: 'give up after this many passes (default 20)' },
  },
  async run(values) {
    const { client, config, log } = await openContext()
    const rollup = new Rollup(client, config.INDEX_PREFIX, log)
    try {
      if (!values.status) {
        await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
        const maxPasses = Number(values['max-passes'] ?? 20)
        // A partition is recounted once it held still for a pass, so the first pass only looks.
        for (let pass = 1; pass <= maxPasses; pass++) {
          const report = await rollup.pass()
          if (report.skipped) {
            console.error('another process holds the aggregates lease; it is rolling up')
            return 1
          }
          for (const r of report.recounted) console.log(JSON.stringify({ pass, ...r, indices: r.indices.length, settled: r.settled.length }))
          const state = await rollup.loadState()
          const unsettled = Object.entries(state.partitions).filter(([index, p]) => !p.settled && !isLiveMonth(index, Date.now()))
          if (pass > 1 && report.recounted.length === 0 && unsettled.length === 0) break
          await new Promise((r) => setTimeout(r, 1000))
        }
      }
      const state = await rollup.loadState()
      const partitions = Object.entries(state.partitions).sort(([a], [b]) => a.localeCompare(b))
      console.log(JSON.stringify({ nextGen: state.nextGen, settled: partitions.filter(([, p]) => p.settled).length, partitions: Object.fromEntries(partitions) }, null, 2))
      return 0
    } finally {
      await rollup.releaseLease().catch(() => undefined)
      await client.close()
    }
  },
}
