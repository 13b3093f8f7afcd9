import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { UsageError } from '#/cli/usage-error.js'
import { shardLayout, type Config } from '#/config/env.js'
import { applySetup } from '#/store/setup.js'
import { createSnapshot, listSnapshots, restoreSnapshot, type RepositorySettings } from '#/store/snapshots.js'

const repository = (config: Config): RepositorySettings => ({ name: config.SNAPSHOT_REPOSITORY, location: config.SNAPSHOT_LOCATION })

export const snapshot: Command = {
  name: 'snapshot',
  args: 'create [name] | list | restore [name]',
  summary: 'Back up this INDEX_PREFIX to a snapshot repository, list its snapshots, or restore one (default: the newest), cursors included',
  options: {
    all: { type: 'boolean', help: 'list: every Magpie snapshot in the repository, of any prefix' },
    'from-prefix': { type: 'string', help: 'restore: the newest snapshot taken of this prefix (into INDEX_PREFIX)' },
    replace: { type: 'boolean', help: 'restore: delete the indices INDEX_PREFIX already has first' },
  },
  async run(values, positionals = []) {
    const [action, name, ...extra] = positionals
    if (!['create', 'list', 'restore'].includes(action ?? '') || extra.length > 0 || (action === 'list' && name)) {
      throw new UsageError('usage: magpie snapshot create [name] | list [--all] | restore [name] [--from-prefix P] [--replace]')
    }
    const { client, config, log } = await openContext()
    const repo = repository(config)
    try {
      if (action === 'create') {
        const info = await createSnapshot(client, config.INDEX_PREFIX, repo, name)
        console.log(JSON.stringify(info, null, 2))
      } else if (action === 'list') {
        const list = await listSnapshots(client, repo, values.all === true ? undefined : config.INDEX_PREFIX)
        for (const s of list) console.log(`${s.name}\t${s.state}\t${s.startedAt}\tprefix=${JSON.stringify(s.prefix)}\tindices=${s.indices}`)
      } else {
        const report = await restoreSnapshot(client, config.INDEX_PREFIX, repo, {
          name,
          fromPrefix: typeof values['from-prefix'] === 'string' ? values['from-prefix'] : undefined,
          replace: values.replace === true,
        })
        // Templates, policies and the indices nothing had written to when the snapshot was taken.
        await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
        console.log(JSON.stringify({ restored: report.snapshot.name, from: report.snapshot.prefix, indices: report.indices.length, cursors: report.cursors }, null, 2))
      }
    } finally {
      await client.close()
    }
  },
}
