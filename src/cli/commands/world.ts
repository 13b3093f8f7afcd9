import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { UsageError } from '#/cli/usage-error.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { applySetup } from '#/store/setup.js'
import { addToWorld, describeWorld, removeFromWorld, setWorldPolicy, type AdminResult } from '#/world/admin.js'
import { applyRetention } from '#/world/retention.js'

const ACTIONS = ['add', 'remove', 'list', 'show', 'policy', 'retention'] as const

export const world: Command = {
  name: 'world',
  args: '<add|remove|list|show|policy|retention> [selector…]',
  summary: 'Small-world mode: index one community instead of the whole network (no world: everything)',
  options: {
    touching: { type: 'string', help: 'policy: keep (default) or drop outsiders\' likes, replies, follows… of members' },
    'on-remove': { type: 'string', help: 'policy: delete (default) or keep the records of a member who leaves' },
    'retention-days': { type: 'string', help: 'policy: drop records older than N days (whole months), or off' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  async run(values, positionals = []) {
    const [action, ...args] = positionals
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`say what to do: ${ACTIONS.join(', ')}.
Selectors: did:…  handle  at://DID/app.bsky.graph.list/RKEY  follows:DID|handle  host:NAME|*.DOMAIN  not-host:NAME
  e.g. magpie world add alice.example.com at://did:plc:…/app.bsky.graph.list/3k…
       magpie world add not-host:*.host.bsky.network      (every PDS except Bluesky's own)`)
    }
    if ((action === 'add' || action === 'remove') && args.length === 0) throw new UsageError(`world ${action} needs at least one selector`)
    const { client, config, log } = await openContext()
    await applySetup(client, config.INDEX_PREFIX, log)
    const resolver = identityResolverFromConfig(config, log.child({ component: 'identity' }))
    const fetch = createSafeFetch({ allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK, timeoutMs: 10_000, maxRedirects: 0 })
    const net = { resolveHandle: (h: string) => resolver.resolveHandle(h), resolveDid: (d: string) => resolver.resolveDid(d), fetch }
    const prefix = config.INDEX_PREFIX
    try {
      const print = (value: unknown, text: string) => console.log(values.json ? JSON.stringify(value, null, 2) : text)
      const report = <T>(result: AdminResult<T>, text: (v: T) => string): number => {
        if (!result.ok) {
          for (const e of result.errors) console.error(`magpie world ${action}: ${e}`)
          console.error('nothing was changed')
          return 2
        }
        print(result.value, text(result.value))
        return 0
      }
      switch (action) {
        case 'add':
          return report(await addToWorld(client, prefix, net, args), (v) =>
            v.added.length > 0 ? `added ${v.added.join(', ')} (world version ${v.world.version}); running ingests backfill new members within WORLD_POLL_MS` : 'already in the world; nothing changed')
        case 'remove':
          return report(await removeFromWorld(client, prefix, args), (w) =>
            `removed (world version ${w.version}); ${w.selectors.length === 0 ? 'no world left: the whole network is indexed again' : `members who left: records ${w.policy.onRemove === 'delete' ? 'deleted' : 'kept'}`}`)
        case 'policy': {
          const change = { touching: values.touching as string | undefined, onRemove: values['on-remove'] as string | undefined, retentionDays: values['retention-days'] as string | undefined }
          if (Object.values(change).every((v) => v === undefined)) {
            const s = await describeWorld(client, prefix)
            print(s.policy, JSON.stringify(s.policy))
            return 0
          }
          return report(await setWorldPolicy(client, prefix, change), (w) => `policy now ${JSON.stringify(w.policy)}`)
        }
        case 'retention': {
          const s = await describeWorld(client, prefix)
          if (s.policy.retentionDays === undefined) throw new UsageError('no retention is set (magpie world policy --retention-days N)')
          const r = await applyRetention(client, prefix, s.policy.retentionDays, log)
          print(r, r.dropped.length > 0 ? `dropped ${r.dropped.join(', ')}; kept from ${r.keptFrom}` : `nothing older than ${r.keptFrom}`)
          return 0
        }
        case 'list':
        case 'show': {
          const s = await describeWorld(client, prefix)
          if (!s.active) {
            print(s, 'no world configured: the whole network is indexed')
            return 0
          }
          const lines = [`world version ${s.version} (${s.updatedAt})`, `policy ${JSON.stringify(s.policy)}`, 'selectors:', ...s.selectors.map((x) => `  ${x}`)]
          if (action === 'show') {
            lines.push(`members: ${s.members.length}${s.hostSelectors ? ' named or listed, plus every account on the selected hosts' : ''}`, ...s.members.map((m) => `  ${m}`))
            if (s.definers.length > 0) lines.push('list owners and followers whose list items / follows define it:', ...s.definers.map((d) => `  ${d}`))
          }
          print(action === 'list' ? { selectors: s.selectors, policy: s.policy } : s, lines.join('\n'))
          return 0
        }
      }
      return 2
    } finally {
      await fetch.close()
      await resolver.close()
      await client.close()
    }
  },
}
