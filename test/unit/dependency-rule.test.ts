import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/**
 * The dependency rule of docs/ARCHITECTURE.md, checked on every import under src/. A layer is a
 * folder of src/ (or one of its top-level files, `log.ts`, `metrics.ts`); each list runs from
 * the top down, and a layer imports only itself and the layers below it in its own list:
 *
 * - cli, the commands, may import anything;
 * - the read side imports further down the read side, or the shared layers;
 * - the write side imports the shared layers; neither side imports the other;
 * - a shared layer imports only the shared layers below it.
 *
 * Besides: views and rules read the hydration state and never call the data plane (they may
 * name its types, with `import type`); outside src/views/ the views are imported through
 * src/views/index.ts alone; and no module under src/ imports itself again through others at run
 * time (`import type` is erased and does not count).
 */

const ENTRY = 'cli'
const READ_SIDE = ['server', 'api', 'views', 'rules', 'hydration', 'feeds', 'dataplane']
const WRITE_SIDE = ['ingest']
const SHARED = ['world', 'aggregates', 'auth', 'identity', 'store', 'indexing', 'search', 'records', 'config', 'crypto', 'metrics', 'log']
const TYPES_ONLY: Record<string, string[]> = { views: ['dataplane'], rules: ['dataplane'] }
const VIEWS_ENTRY = 'src/views/index.ts'

interface Import {
  from: string
  to: string
  /** Erased by the compiler: `import type`, `export type`, `import('…').T` in a type. */
  typeOnly: boolean
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function layerOf(file: string): string {
  const [, first] = file.split('/')
  return first!.replace(/\.ts$/, '')
}

/** Where an import specifier points under src/, or undefined for packages and files outside it. */
function resolve(from: string, specifier: string): string | undefined {
  let target: string
  if (specifier.startsWith('#/')) target = `src/${specifier.slice(2)}`
  else if (specifier.startsWith('.')) target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier))
  else return undefined
  return target.startsWith('src/') ? target.replace(/\.js$/, '.ts') : undefined
}

/** Every import and re-export of one module, static or dynamic. */
function importsOf(file: string, source: string): Import[] {
  const out: Import[] = []
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return
    const to = resolve(file, specifier.text)
    if (to) out.push({ from: file, to, typeOnly })
  }
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly === true)
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly)
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true)
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false)
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true))
  return out
}

function layerAllowed(from: string, to: string): boolean {
  if (from === to || from === ENTRY) return true
  for (const list of [READ_SIDE, WRITE_SIDE]) {
    if (list.includes(from)) return (list.includes(to) && list.indexOf(to) > list.indexOf(from)) || SHARED.includes(to)
  }
  return SHARED.includes(from) && SHARED.includes(to) && SHARED.indexOf(to) > SHARED.indexOf(from)
}

/** Modules that import themselves again through others at run time (strongly connected components). */
function runtimeCycles(imports: Import[]): string[][] {
  const edges = new Map<string, string[]>()
  for (const i of imports) if (!i.typeOnly) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to])
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const cycles: string[][] = []
  const connect = (v: string) => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      component.push(w)
      if (w === v) break
    }
    if (component.length > 1 || edges.get(v)?.includes(v)) cycles.push(component.sort())
  }
  for (const v of edges.keys()) if (!index.has(v)) connect(v)
  return cycles
}

/** What breaks the rule among these modules (path under the project → source), one line each. */
function violations(modules: Map<string, string>): string[] {
  const out: string[] = []
  const known = [ENTRY, ...READ_SIDE, ...WRITE_SIDE, ...SHARED]
  const imports = [...modules].flatMap(([file, source]) => importsOf(file, source))
  for (const file of modules.keys()) {
    if (!known.includes(layerOf(file))) out.push(`${file}: its layer ${layerOf(file)} has no place in the rule`)
  }
  for (const { from, to, typeOnly } of imports) {
    const [a, b] = [layerOf(from), layerOf(to)]
    if (!layerAllowed(a, b)) out.push(`${from} imports ${to}: ${a} may not import ${b}`)
    else if (!typeOnly && TYPES_ONLY[a]?.includes(b)) out.push(`${from} imports ${to}: ${a} may import only types from ${b}`)
    if (a !== 'views' && b === 'views' && to !== VIEWS_ENTRY) out.push(`${from} imports ${to}: outside views/, import ${VIEWS_ENTRY}`)
  }
  for (const cycle of runtimeCycles(imports)) out.push(`an import cycle at run time: ${cycle.join(' → ')}`)
  return out
}

function sources(): Map<string, string> {
  const modules = new Map<string, string>()
  for (const file of readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts')) modules.set(`src/${file.split(path.sep).join('/')}`, readFileSync(path.join(root, 'src', file), 'utf8'))
  }
  return modules
}

test('imports under src/ point down the stages, as docs/ARCHITECTURE.md says', () => {
  assert.deepEqual(violations(sources()), [])
})

test('the check finds an upward import, a value import of the data plane by a view, a way around the views entry and a cycle', () => {
  const modules = new Map([
    ['src/dataplane/upward.ts', "import { methods } from '#/api/index.js'\n"],
    ['src/ingest/across.ts', "import type { DataPlane } from '#/dataplane/index.js'\n"],
    ['src/views/calls.ts', "import { getRecords } from '#/dataplane/records.js'\nimport type { StoredRecord } from '#/dataplane/records.js'\n"],
    ['src/api/around.ts', "import { postView } from '#/views/posts.js'\n"],
    ['src/views/a.ts', "import { b } from './b.js'\nexport const a = () => b\n"],
    ['src/views/b.ts', "import { a } from '#/views/a.js'\nexport const b = () => a\n"],
    ['src/views/c.ts', "import type { a } from '#/views/a.js'\n"],
  ])
  assert.deepEqual(violations(modules), [
    'src/dataplane/upward.ts imports src/api/index.ts: dataplane may not import api',
    'src/ingest/across.ts imports src/dataplane/index.ts: ingest may not import dataplane',
    'src/views/calls.ts imports src/dataplane/records.ts: views may import only types from dataplane',
    'src/api/around.ts imports src/views/posts.ts: outside views/, import src/views/index.ts',
    'an import cycle at run time: src/views/a.ts → src/views/b.ts',
  ])
})
