/**
 * Summarize a V8 .cpuprofile (from `node --cpu-prof`): self time by function, by package or
 * source area, and inclusive time of a few pipeline entry points.
 *
 *   node --import tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top 40]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' } } })
const file = positionals[0]
if (!file) {
  process.stderr.write('usage: cpuprofile-summary.ts <file.cpuprofile> [--top N]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

// Self time per node, from the samples and their time deltas.
const self = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const totalUs = [...self.values()].reduce((a, b) => a + b, 0)

function area(url: string, fn: string): string {
  if (!url) return fn === '(garbage collector)' ? 'GC' : fn === '(idle)' ? 'idle' : fn === '(program)' ? 'program (native/VM)' : `native: ${fn}`
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith('node:')) return url
  const src = url.indexOf('/src/')
  if (src >= 0) return `magpie ${url.slice(src + 1).split('/').slice(0, 2).join('/')}`
  const bench = url.indexOf('/bench/')
  if (bench >= 0) return `bench ${url.slice(bench + 1)}`
  return url
}

const fnSelf = new Map<string, number>()
const areaSelf = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)!
  const { functionName, url, lineNumber } = n.callFrame
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')
  const key = `${functionName || '(anonymous)'}  ${short}:${lineNumber + 1}`
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + us)
  const a = area(url, functionName)
  areaSelf.set(a, (areaSelf.get(a) ?? 0) + us)
}

// Inclusive time of named functions (counted once per sample even under recursion).
const inclusive = new Map<string, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const seen = new Set<string>()
  let id: number | undefined = profile.samples[i]
  while (id !== undefined) {
    const n = byId.get(id)!
    const name = n.callFrame.functionName
    if (name && !seen.has(name)) {
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0))
    }
    id = parent.get(id)
  }
}

const pct = (us: number): string => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`
const top = Number(values.top)
process.stdout.write(`profile ${file}: ${(totalUs / 1e6).toFixed(1)} s sampled\n\nself time by area\n`)
for (const [a, us] of [...areaSelf].sort((x, y) => y[1] - x[1]).slice(0, 25)) process.stdout.write(`${pct(us)}  ${(us / 1e6).toFixed(2).padStart(7)} s  ${a}\n`)
process.stdout.write(`\nself time by function (top ${top})\n`)
for (const [f, us] of [...fnSelf].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${f}\n`)
const entryPoints = [
  'decodeFrame', 'fromBytes', 'assertValidXrpcMessage', 'parseCommitUnauthenticated', 'formatCommitOps', 'readCar', 'readCarWithRoot',
  'verify', 'verifySignatureNative', 'commitEvents', 'cborToLexRecord', 'opsForCommit', 'validateRecord', 'assertValidRecord',
  'withBlobRefs', 'toRecordJson', 'lexToJson', 'recordWriteOp', 'stringify', 'handleMessage', 'send', 'bulk', 'inc', 'get', 'load',
  'noticeDid', 'versionForRev', 'routeIndexForRecord',
]
process.stdout.write(`\ninclusive time of pipeline functions (any function of that name)\n`)
for (const name of entryPoints) {
  const us = inclusive.get(name)
  if (us) process.stdout.write(`${pct(us)}  ${name}\n`)
}
