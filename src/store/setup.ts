import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { PROJECT_ROOT } from '#/config/project-root.js'
import { singleIndex } from '#/indexing/route.js'
import type { Logger } from '#/log.js'
import { DEFAULT_LAYOUT, dataNodeCount, dynamicSettings, familyLayout, type FamilyLayout } from '#/store/shard-layout.js'
import type { ShardLayoutConfig } from '#/config/shard-settings.js'

export const TEMPLATE_DIR = path.join(PROJECT_ROOT, 'index-templates')
export const POLICY_DIR = path.join(PROJECT_ROOT, 'ilm-policies')

/** Indices that are not created by a first write: reads expect them to exist from the start. */
const SINGLE_INDICES = ['actors', 'state', 'mutes', 'notif-state', 'bookmarks', 'activity-subscriptions', 'drafts', 'push-registrations', 'labels', 'aggregates', 'edges']

export interface SetupReport {
  templates: { name: string; action: 'created' | 'updated' | 'unchanged' }[]
  policies: { name: string; action: 'created' | 'updated' | 'unchanged' | 'skipped' }[]
  mappingsUpdated: string[]
  mappingConflicts: { index: string; reason: string }[]
  /** Existing indices whose replicas or write wait were brought to the layout. */
  settingsUpdated: string[]
  /** Existing indices with another shard count than the layout's (new partitions get the layout's; a reindex moves old ones). */
  shardCountDiffers: { index: string; has: number; layout: number }[]
  /**
   * Existing indices whose stored-field codec is not the template's (a static setting: new
   * indices get the template's; `magpie reindex` moves old ones).
   */
  codecDiffers: { index: string; has: string; template: string }[]
}

/** Read a JSON file and put the index prefix wherever `{{prefix}}` stands. */
export async function readWithPrefix(file: string, prefix: string): Promise<Record<string, any>> {
  const text = await readFile(file, 'utf8')
  return JSON.parse(text.replaceAll('{{prefix}}', prefix))
}

async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
}

/**
 * Apply index templates and lifecycle policies, idempotently: a template or policy is written
 * only when the file's `version` is newer than what the cluster holds, so running setup again
 * (every `magpie up` does) changes nothing. New fields reach existing indices through a mapping
 * update; a change an existing index cannot take is reported (it needs `magpie reindex`).
 */
export async function applySetup(client: Client, prefix: string, log: Logger, layoutConfig: ShardLayoutConfig = DEFAULT_LAYOUT): Promise<SetupReport> {
  const report: SetupReport = { templates: [], policies: [], mappingsUpdated: [], mappingConflicts: [], settingsUpdated: [], shardCountDiffers: [], codecDiffers: [] }
  const dataNodes = await dataNodeCount(client)

  for (const file of await jsonFiles(TEMPLATE_DIR)) {
    const base = path.basename(file, '.json')
    const name = `${prefix}${base}`
    const body = await readWithPrefix(path.join(TEMPLATE_DIR, file), prefix)
    const layout = familyLayout(layoutConfig, base, body._meta?.partitioned === true, dataNodes)
    withLayout(body, layout)
    const existing = await client.indices.getIndexTemplate({ name }, { ignore: [404] })
    const current = (existing.body as any)?.index_templates?.[0]?.index_template
    const currentVersion: number | undefined = current?.version
    const sameLayout = sameSettings(current?.template?.settings?.index, layout)
    if (currentVersion !== undefined && currentVersion >= body.version && sameLayout) {
      report.templates.push({ name, action: 'unchanged' })
      continue
    }
    await client.indices.putIndexTemplate({ name, body })
    report.templates.push({ name, action: current ? 'updated' : 'created' })
    if (current && !(currentVersion! >= body.version)) {
      await updateExistingMappings(client, `${prefix}${base}-*`, body.template?.mappings, report, log)
      await reportCodecDifferences(client, `${prefix}${base}-*`, body.template?.settings?.index?.codec, base, report, log)
    }
    if (current && !sameLayout) await updateExistingSettings(client, `${prefix}${base}-*`, layout, report)
  }

  for (const base of SINGLE_INDICES) {
    const index = singleIndex(prefix, base)
    const exists = await client.indices.exists({ index })
    if (!exists.body) {
      await client.indices.create({ index }, { ignore: [400] })
    }
  }

  const ism = await hasIsm(client)
  for (const file of await jsonFiles(POLICY_DIR)) {
    const id = `${prefix}${path.basename(file, '.json')}`
    if (!ism) {
      report.policies.push({ name: id, action: 'skipped' })
      continue
    }
    const { version, policy } = await readWithPrefix(path.join(POLICY_DIR, file), prefix)
    const tagged = { ...policy, description: `magpie v${version}: ${policy.description ?? ''}` }
    const existing = await client.transport.request(
      { method: 'GET', path: `/_plugins/_ism/policies/${encodeURIComponent(id)}` },
      { ignore: [404] },
    )
    const body = existing.body as any
    const currentVersion = Number(/^magpie v(\d+):/.exec(body?.policy?.description ?? '')?.[1] ?? NaN)
    if (body?.policy && currentVersion >= version) {
      report.policies.push({ name: id, action: 'unchanged' })
      continue
    }
    const query = body?.policy ? `?if_seq_no=${body._seq_no}&if_primary_term=${body._primary_term}` : ''
    await client.transport.request({
      method: 'PUT',
      path: `/_plugins/_ism/policies/${encodeURIComponent(id)}${query}`,
      body: { policy: tagged },
    })
    report.policies.push({ name: id, action: body?.policy ? 'updated' : 'created' })
  }
  if (!ism) log.warn('the cluster has no Index State Management plugin: lifecycle policies were not applied')
  return report
}

/** Puts the layout's shards, replicas and write wait into a template body (the files hold one node's). */
function withLayout(body: Record<string, any>, layout: FamilyLayout): void {
  const index = (((body.template ??= {}).settings ??= {}).index ??= {})
  delete index.number_of_replicas
  Object.assign(index, layout)
}

/** Whether a template's settings (as OpenSearch returns them: strings) are the layout's. */
function sameSettings(current: Record<string, unknown> | undefined, layout: FamilyLayout): boolean {
  if (!current) return false
  return Object.entries(layout).every(([key, value]) => setting(current, key) === String(value))
}

/** A setting by its dotted name, from settings OpenSearch returns nested (`write: { wait_for_active_shards }`). */
function setting(settings: Record<string, unknown>, key: string): string {
  return String(key.split('.').reduce((o: any, k) => o?.[k], settings) ?? settings[key] ?? '')
}

/**
 * Existing indices take the new replicas and write wait at once (both are dynamic); their shard
 * count is fixed at creation, so a different one is only reported.
 */
async function updateExistingSettings(client: Client, pattern: string, layout: FamilyLayout, report: SetupReport): Promise<void> {
  const res = await client.indices.getSettings({ index: pattern, allow_no_indices: true, expand_wildcards: 'open' } as any, { ignore: [404] })
  const wanted = dynamicSettings(layout)
  for (const [index, { settings }] of Object.entries((res.body ?? {}) as Record<string, { settings: { index: Record<string, any> } }>)) {
    const has = settings.index
    if (Number(has.number_of_shards) !== layout.number_of_shards) {
      report.shardCountDiffers.push({ index, has: Number(has.number_of_shards), layout: layout.number_of_shards })
    }
    const differs = Object.entries(wanted).some(([key, value]) => setting(has, key) !== value)
    if (!differs) continue
    await client.indices.putSettings({ index, body: { index: wanted } })
    report.settingsUpdated.push(index)
  }
}

export async function hasIsm(client: Client): Promise<boolean> {
  const res = await client.cat.plugins({ format: 'json' })
  return (res.body as { component: string }[]).some((p) => p.component === 'opensearch-index-management')
}

async function reportCodecDifferences(client: Client, pattern: string, codec: string | undefined, family: string, report: SetupReport, log: Logger): Promise<void> {
  if (!codec) return
  const res = await client.indices.getSettings({ index: pattern, name: 'index.codec', include_defaults: true, allow_no_indices: true, expand_wildcards: 'open' } as any, { ignore: [404] })
  for (const [index, found] of Object.entries((res.body ?? {}) as Record<string, { settings?: any; defaults?: any }>)) {
    const has = String(found.settings?.index?.codec ?? found.defaults?.index?.codec ?? 'default')
    if (has === codec) continue
    report.codecDiffers.push({ index, has, template: codec })
    log.warn({ index, has, template: codec }, `an existing index keeps its stored-field codec until \`magpie reindex --family ${family}\``)
  }
}

async function updateExistingMappings(
  client: Client,
  pattern: string,
  mappings: Record<string, unknown> | undefined,
  report: SetupReport,
  log: Logger,
): Promise<void> {
  if (!mappings) return
  const found = await client.indices.get({ index: pattern, allow_no_indices: true }, { ignore: [404] })
  for (const index of Object.keys((found.body as object) ?? {})) {
    try {
      const { _source, ...rest } = mappings as { _source?: unknown }
      await client.indices.putMapping({ index, body: rest })
      report.mappingsUpdated.push(index)
    } catch (err) {
      const reason = (err as { meta?: { body?: { error?: { reason?: string } } } }).meta?.body?.error?.reason ?? String(err)
      // The fields the index lacks can still be added, so new documents (which carry them and
      // meet a strict mapping) are not refused while it waits for a reindex.
      await addMissingFields(client, index, mappings).catch(() => undefined)
      report.mappingConflicts.push({ index, reason })
      log.warn({ index, reason }, 'an existing index cannot take the new mapping; run `magpie reindex`')
    }
  }
}

async function addMissingFields(client: Client, index: string, mappings: Record<string, unknown>): Promise<void> {
  const wanted = (mappings as { properties?: Record<string, unknown> }).properties ?? {}
  const current = await client.indices.getMapping({ index })
  const have = (current.body as any)?.[index]?.mappings?.properties ?? {}
  // One field at a time, so that a field the index cannot take does not keep out the others.
  for (const [field, mapping] of Object.entries(wanted).filter(([name]) => !(name in have))) {
    try {
      await client.indices.putMapping({ index, body: { properties: { [field]: mapping as any } } })
    } catch {
      // An analyzer this index was created without: the field is added with the default one, so
      // documents carrying it are accepted; `magpie reindex` brings the intended analysis.
      await client.indices.putMapping({ index, body: { properties: { [field]: withoutAnalyzers(mapping) as any } } })
    }
  }
}

function withoutAnalyzers(mapping: unknown): unknown {
  if (Array.isArray(mapping)) return mapping.map(withoutAnalyzers)
  if (typeof mapping !== 'object' || mapping === null) return mapping
  return Object.fromEntries(
    Object.entries(mapping)
      .filter(([key]) => key !== 'analyzer' && key !== 'search_analyzer' && key !== 'search_quote_analyzer')
      .map(([key, value]) => [key, withoutAnalyzers(value)]),
  )
}
