import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { registry } from '#/metrics.js'

/**
 * ops/grafana/magpie.json may only chart what Magpie exports: every metric its queries name is
 * registered in src/metrics.ts (a histogram through its _bucket, _sum or _count series), every
 * label they select or group by is one of those metrics' labels, and every panel reads the
 * dashboard's Prometheus datasource variable. A renamed metric or label fails here, not on a
 * dashboard that silently shows nothing.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const DASHBOARD = path.join(root, 'ops/grafana/magpie.json')

interface Target {
  expr: string
  datasource?: { type?: string; uid?: string }
}
interface Panel {
  type: string
  title: string
  datasource?: { type?: string; uid?: string }
  targets?: Target[]
  panels?: Panel[]
}
interface Dashboard {
  panels: Panel[]
  templating: { list: { name: string; type: string; query: string }[] }
}

/** Labels every scraped series has, added by Prometheus itself. */
const TARGET_LABELS = ['instance', 'job']
const HISTOGRAM_SERIES = ['_bucket', '_sum', '_count']

interface Registered {
  type: string
  labels: string[]
}

async function registered(): Promise<Map<string, Registered>> {
  const out = new Map<string, Registered>()
  for (const metric of registry.getMetricsAsArray()) {
    // prom-client keeps each metric's label names on the metric object (not in its typings).
    const m = metric as unknown as { name: string; labelNames?: string[]; get(): Promise<{ type: string }> }
    out.set(m.name, { type: (await m.get()).type, labels: m.labelNames ?? [] })
  }
  return out
}

function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row')
}

/** The series a query names, each with the metric it belongs to; what is wrong with the query, if anything. */
function checkExpr(expr: string, metrics: Map<string, Registered>): { names: string[]; problems: string[] } {
  const problems: string[] = []
  const names: string[] = []
  const labels = new Set(TARGET_LABELS)
  for (const m of expr.matchAll(/\b(magpie_[a-z0-9_]+)\b(?:\s*\{([^}]*)\})?/g)) {
    const series = m[1]!
    let base = series
    let metric = metrics.get(series)
    const suffix = HISTOGRAM_SERIES.find((s) => series.endsWith(s))
    if (suffix && metrics.get(series.slice(0, -suffix.length))?.type === 'histogram') {
      base = series.slice(0, -suffix.length)
      metric = metrics.get(base)
      if (suffix === '_bucket') labels.add('le')
    } else if (metric?.type === 'histogram') {
      problems.push(`${series} is a histogram: query its _bucket, _sum or _count series`)
    }
    if (!metric) {
      problems.push(`${series} is not a metric src/metrics.ts registers`)
      continue
    }
    names.push(base)
    for (const label of metric.labels) labels.add(label)
    for (const matcher of (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/.exec(matcher)?.[1]
      if (!label) problems.push(`${series}: cannot read the matcher ${matcher}`)
      else if (!metric.labels.includes(label) && !TARGET_LABELS.includes(label) && !(label === 'le' && suffix === '_bucket')) {
        problems.push(`${series} has no label ${label}`)
      }
    }
  }
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!labels.has(label)) problems.push(`grouping by ${label}, which none of the query's metrics has`)
    }
  }
  if (names.length === 0) problems.push('names no magpie_ metric')
  return { names, problems }
}

function checkDashboard(dashboard: Dashboard, metrics: Map<string, Registered>): { charted: Set<string>; problems: string[] } {
  const problems: string[] = []
  const charted = new Set<string>()
  const variable = dashboard.templating.list.find((v) => v.type === 'datasource' && v.query === 'prometheus')
  if (!variable) problems.push('no Prometheus datasource variable')
  const uid = `\${${variable?.name ?? 'datasource'}}`
  for (const panel of panelsOf(dashboard)) {
    if (!panel.targets?.length) problems.push(`${panel.title}: no queries`)
    if (panel.datasource?.uid !== uid) problems.push(`${panel.title}: its datasource is not ${uid}`)
    for (const target of panel.targets ?? []) {
      if (target.datasource && target.datasource.uid !== uid) problems.push(`${panel.title}: a query's datasource is not ${uid}`)
      const { names, problems: wrong } = checkExpr(target.expr, metrics)
      for (const name of names) charted.add(name)
      for (const p of wrong) problems.push(`${panel.title}: ${target.expr}: ${p}`)
    }
  }
  return { charted, problems }
}

const dashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard

test('every query of the Grafana dashboard names registered metrics and their labels, through the datasource variable', async () => {
  const { charted, problems } = checkDashboard(dashboard(), await registered())
  assert.deepEqual(problems, [])
  // What operators watch (issue 15): ingest lag, bulk latency, rejections, latency per method, cache hit rates.
  for (const name of ['magpie_firehose_lag_seconds', 'magpie_bulk_request_seconds', 'magpie_bulk_rejections_total', 'magpie_xrpc_request_seconds', 'magpie_cache_lookups_total']) {
    assert.ok(charted.has(name), `the dashboard charts ${name}`)
  }
})

test('the p99 panels are quantiles over the histograms’ buckets, grouped by le', () => {
  const exprs = panelsOf(dashboard()).flatMap((p) => (p.targets ?? []).map((t) => t.expr))
  for (const histogram of ['magpie_bulk_request_seconds', 'magpie_xrpc_request_seconds']) {
    const p99 = exprs.find((e) => e.startsWith('histogram_quantile(0.99') && e.includes(`${histogram}_bucket`))
    assert.ok(p99, `a p99 of ${histogram}`)
    assert.match(p99, /sum by \(le(, nsid)?\) \(rate\(/)
  }
  assert.ok(exprs.some((e) => /histogram_quantile\(0\.99, sum by \(le, nsid\)/.test(e)), 'XRPC p99 per method')
})

test('the check catches a misspelt metric, a bare histogram and a label the metric does not have', async () => {
  const metrics = await registered()
  const text = readFileSync(DASHBOARD, 'utf8')
  const misspelt = checkDashboard(JSON.parse(text.replaceAll('magpie_bulk_rejections_total', 'magpie_bulk_rejection_total')), metrics)
  assert.ok(misspelt.problems.some((p) => p.includes('magpie_bulk_rejection_total is not a metric')), misspelt.problems.join('\n'))
  const bare = checkDashboard(JSON.parse(text.replaceAll('magpie_bulk_request_seconds_count', 'magpie_bulk_request_seconds')), metrics)
  assert.ok(bare.problems.some((p) => p.includes('is a histogram')), bare.problems.join('\n'))
  const label = checkDashboard(JSON.parse(text.replaceAll('sum by (le, nsid)', 'sum by (le, method)')), metrics)
  assert.ok(label.problems.some((p) => p.includes('grouping by method')), label.problems.join('\n'))
  const matcher = checkDashboard(JSON.parse(text.replaceAll('{result=\\"hit\\"}', '{outcome=\\"hit\\"}')), metrics)
  assert.ok(matcher.problems.some((p) => p.includes('has no label outcome')), matcher.problems.join('\n'))
})
