/** A benchmark's JSON lines: each row printed and appended to bench/results/<name>.jsonl (git-ignored). */
import { appendFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')

export function resultsEmitter(bench: string, run: string): (row: Record<string, unknown>) => void {
  const file = path.join(RESULTS_DIR, `${bench}.jsonl`)
  mkdirSync(RESULTS_DIR, { recursive: true })
  return (row) => {
    const line = JSON.stringify({ bench, run, at: new Date().toISOString(), ...row })
    appendFileSync(file, `${line}\n`)
    process.stdout.write(`${line}\n`)
  }
}
