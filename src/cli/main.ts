import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError } from '#/config/env.js'
import { commands, type Command } from '#/cli/commands/index.js'
import { UsageError } from '#/cli/usage-error.js'

const usage = `magpie — a search-engine-centric Bluesky AppView

Usage: magpie <command> [options]     (magpie <command> --help for its options)

Commands:
${Object.values(commands)
  .map((c) => `  ${c.name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Configuration comes from the environment (OPENSEARCH_URL, INDEX_PREFIX, RELAY_URL, PLC_URL,
REDIS_URL, PORT, SERVICE_DID, LOG_LEVEL, …; see README.md); flags override it.`

function helpFor(cmd: Command): string {
  const lines = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ' <value>' : ''}`
    return `  ${flag.padEnd(28)} ${o.help}`
  })
  return `magpie ${cmd.name}${cmd.args ? ` ${cmd.args}` : ''}\n\n${cmd.summary}\n\nOptions:\n${[...lines, `  ${'--help'.padEnd(28)} show this help`].join('\n')}`
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage)
    return name ? 0 : 1
  }
  const cmd = commands[name]
  if (!cmd) {
    console.error(`magpie: unknown command "${name}"\n\n${usage}`)
    return 2
  }
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } }
  for (const [key, o] of Object.entries(cmd.options)) options[key] = { type: o.type, multiple: o.multiple ?? false }
  let parsed
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: cmd.args !== undefined, strict: true })
  } catch (err) {
    console.error(`magpie ${name}: ${(err as Error).message}\n\n${helpFor(cmd)}`)
    return 2
  }
  if (parsed.values.help) {
    console.log(helpFor(cmd))
    return 0
  }
  try {
    return (await cmd.run(parsed.values as Record<string, string | boolean | string[] | undefined>, parsed.positionals)) ?? 0
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      console.error(`magpie ${name}: ${err.message}`)
      return 2
    }
    throw err
  }
}

const code = await main(process.argv.slice(2))
if (code !== 0 || process.env.MAGPIE_EXIT_ON_RETURN === '1') process.exit(code)
