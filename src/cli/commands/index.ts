import { aggregates } from '#/cli/commands/aggregates.js'
import { backfill } from '#/cli/commands/backfill.js'
import { demo } from '#/cli/commands/demo.js'
import { feeds } from '#/cli/commands/feeds.js'
import { ingest } from '#/cli/commands/ingest.js'
import { lifecycle } from '#/cli/commands/lifecycle.js'
import { reindex } from '#/cli/commands/reindex.js'
import { serve } from '#/cli/commands/serve.js'
import { setup } from '#/cli/commands/setup.js'
import { snapshot } from '#/cli/commands/snapshot.js'
import { up } from '#/cli/commands/up.js'
import { world } from '#/cli/commands/world.js'

export interface CommandOption {
  type: 'string' | 'boolean'
  multiple?: boolean
  help: string
}

export interface Command {
  name: string
  args?: string
  summary: string
  options: Record<string, CommandOption>
  /** Positional arguments are only accepted by commands that declare `args`. */
  run(values: Record<string, string | boolean | string[] | undefined>, positionals?: string[]): Promise<number | void>
}

export const commands: Record<string, Command> = { up, demo, setup, ingest, backfill, serve, lifecycle, reindex, feeds, aggregates, world, snapshot }
