import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import type { Logger } from '#/log.js'
import { StateStore } from '#/store/state.js'
import { POLICY_DIR, hasIsm, readWithPrefix } from '#/store/setup.js'

/**
 * Index lifecycle where the cluster has no Index State Management plugin (the local node: the
 * plugin is not in the package registry the project can reach). The policies in ilm-policies/
 * stay the one source of truth; this runs the part of them Magpie needs — states entered by
 * `min_index_age`, with `force_merge`, `read_only` and `delete` actions — and remembers per
 * index which state it has applied, so each action runs once. Unlike ISM, the age of a monthly
 * partition is that of its month (partitionAgeMs).
 */

export interface PolicyState {
  name: string
  actions: Record<string, any>[]
  transitions: { state_name: string; conditions?: { min_index_age?: string } }[]
}

export interface Policy {
  default_state: string
  states: PolicyState[]
  ism_template?: { index_patterns: string[] }[]
}

/** `35d`, `12h`, `30m`, `10s`, `500ms` → milliseconds. */
export function parseAge(age: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(age.trim())
  if (!m) throw new Error(`unsupported index age ${JSON.stringify(age)}`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
  return Number(m[1]) * unit
}

/** The states an index of this age has passed through, in order, starting with the default. */
export function statesForAge(policy: Policy, ageMs: number): PolicyState[] {
  const byName = new Map(policy.states.map((s) => [s.name, s]))
  const path: PolicyState[] = []
  let current = byName.get(policy.default_state)
  while (current && !path.includes(current)) {
    path.push(current)
    const next = current.transitions.find((t) => {
      const min = t.conditions?.min_index_age
      return min === undefined || ageMs >= parseAge(min)
    })
    current = next ? byName.get(next.state_name) : undefined
  }
  return path
}

/**
 * How old a partition is, by the time its records cover rather than when its index was made: a
 * monthly partition (`…-2024.03`) counts from the end of its month, when it stopped taking new
 * records. A backfill creates every month's partition on its first day, and counting from then
 * would keep years-old months "hot" for another 35 days. Indices without a month in their name
 * (singletons, the `-other` partition) count from their creation. Negative while the month runs.
 */
export function partitionAgeMs(index: string, createdMs: number, now: number): number {
  const month = /-(\d{4})\.(\d{2})$/.exec(index)
  if (!month) return now - createdMs
  const endOfMonth = Date.UTC(Number(month[1]), Number(month[2]), 1) // month[2] is 1-based: this is the next month's first day
  return now - endOfMonth
}

/** Shell-style `*` patterns, as index_patterns use them. */
function matches(pattern: string, index: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
  return re.test(index)
}

export interface LifecycleReport {
  applied: { index: string; state: string; actions: string[] }[]
  skipped: 'ism-plugin' | undefined
}

export async function runLifecycle(client: Client, prefix: string, log: Logger, now = Date.now()): Promise<LifecycleReport> {
  if (await hasIsm(client)) return { applied: [], skipped: 'ism-plugin' }
  const state = new StateStore(client, prefix)
  const res = await client.cat.indices({ index: `${prefix}*`, format: 'json', h: ['index', 'creation.date'] }, { ignore: [404] })
  const indices = ((res.body as any[]) ?? []).map((r) => ({ index: r.index as string, created: Number(r['creation.date']) }))
  const report: LifecycleReport = { applied: [], skipped: undefined }

  for (const file of (await readdir(POLICY_DIR)).filter((f) => f.endsWith('.json')).sort()) {
    const { policy } = (await readWithPrefix(path.join(POLICY_DIR, file), prefix)) as { policy: Policy }
    const patterns = (policy.ism_template ?? []).flatMap((t) => t.index_patterns)
    for (const { index, created } of indices.filter((i) => patterns.some((p) => matches(p, i.index)))) {
      const key = `lifecycle:${index}`
      const done = (await state.get<{ states: string[] }>(key))?.states ?? []
      for (const s of statesForAge(policy, partitionAgeMs(index, created, now))) {
        if (done.includes(s.name)) continue
        const names: string[] = []
        for (const action of s.actions) {
          const [name, args] = Object.entries(action)[0] ?? []
          if (!name) continue
          await applyAction(client, index, name, args ?? {}, log)
          names.push(name)
        }
        done.push(s.name)
        if (names.includes('delete')) break
        await state.put(key, 'lifecycle', { states: done })
        report.applied.push({ index, state: s.name, actions: names })
      }
    }
  }
  return report
}

async function applyAction(client: Client, index: string, name: string, args: Record<string, any>, log: Logger): Promise<void> {
  log.info({ index, action: name }, 'lifecycle action')
  switch (name) {
    case 'force_merge':
      await client.indices.forcemerge({ index, max_num_segments: args.max_num_segments ?? 1 })
      return
    case 'read_only':
      await client.indices.putSettings({ index, body: { 'index.blocks.write': true } })
      return
    case 'delete':
      await client.indices.delete({ index })
      return
    default:
      log.warn({ index, action: name }, 'lifecycle action not supported without the ISM plugin; skipped')
  }
}
