// After `tsc -p tsconfig.build.json`: the compiled files still import through the tsconfig path
// aliases (`#/…` for src/, `#devnet/…` for devnet/), which only TypeScript and tsx understand
// (Node 22 refuses `#/` as a package.json import). This turns every such specifier in dist/
// into a relative path to the compiled file, and fails the build if one names no file.
// Usage: node scripts/lib/rewrite-path-aliases.mjs <project root> <out dir>
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const [root, outDir] = process.argv.slice(2).map((p) => path.resolve(p))
const { config, error } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile)
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
// "#/*": ["./src/*"] → { prefix: '#/', target: <outDir>/src/ }
const aliases = Object.entries(config.compilerOptions.paths ?? {}).map(([key, [target]]) => ({
  prefix: key.replace(/\*$/, ''),
  target: path.join(outDir, target.replace(/\*$/, '')),
}))

// Static imports and re-exports (`from '…'`), side-effect imports and dynamic `import('…')`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(#[^'"]*)\2/g
const unresolved = []
let rewritten = 0

for (const file of jsFiles(outDir)) {
  const source = readFileSync(file, 'utf8')
  const out = source.replace(SPECIFIER, (whole, lead, quote, spec) => {
    const alias = aliases.find((a) => spec.startsWith(a.prefix))
    const target = alias && path.join(alias.target, spec.slice(alias.prefix.length))
    if (!target || !existsSync(target)) {
      unresolved.push(`${path.relative(root, file)}: ${spec}`)
      return whole
    }
    let rel = path.relative(path.dirname(file), target).split(path.sep).join('/')
    if (!rel.startsWith('.')) rel = `./${rel}`
    rewritten++
    return `${lead}${quote}${rel}${quote}`
  })
  if (out !== source) writeFileSync(file, out)
}
if (unresolved.length > 0) {
  console.error(`build: ${unresolved.length} aliased import(s) name no compiled file:\n  ${unresolved.join('\n  ')}`)
  process.exit(1)
}
console.error(`build: ${rewritten} aliased imports made relative`)

function* jsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* jsFiles(full)
    else if (entry.name.endsWith('.js')) yield full
  }
}
