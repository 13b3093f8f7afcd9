/** Reading Magpie's Prometheus metrics in tests: this process's registry, or another process's /metrics. */

interface Readable {
  get(): Promise<{ values: { labels: Record<string, string | number | undefined>; value: number; metricName?: string }[] }>
}

const labelKey = (labels: Record<string, string | number | undefined>): string =>
  Object.keys(labels)
    .filter((k) => labels[k] !== undefined)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')

/** A metric's samples in this process by their labels (`k=v,…`, sorted); `series` picks one of a histogram's (`…_count`). */
export async function samples(metric: Readable, series?: string): Promise<Map<string, number>> {
  const values = (await metric.get()).values.filter((v) => !series || v.metricName === series)
  return new Map(values.map((v) => [labelKey(v.labels), v.value]))
}

/** How much each sample grew since `before` (samples that did not move are left out). */
export async function growth(metric: Readable, before: Map<string, number>, series?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [key, value] of await samples(metric, series)) {
    const delta = value - (before.get(key) ?? 0)
    if (delta !== 0) out[key] = delta
  }
  return out
}

export interface Exposition {
  /** Every metric family the text declares (`# TYPE name type`), with its type. */
  types: Map<string, string>
  samples: { name: string; labels: Record<string, string>; value: number }[]
}

/** Prometheus's text format, as /metrics serves it. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>()
  const out: Exposition['samples'] = []
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return { types, samples: out }
}

/** The sum of the samples named `name` whose labels include `where`. */
export function sampleSum(exposition: Exposition, name: string, where: Record<string, string> = {}): number {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
}
