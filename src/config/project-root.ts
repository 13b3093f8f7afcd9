import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The Magpie folder (the one holding package.json). The files beside the code — index templates,
 * lifecycle policies, scripts, the search page — are found from it, so they resolve the same
 * whether the code runs from `src/` (tsx) or compiled from `dist/src/` (one level deeper).
 */
export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)))

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}: cannot find the Magpie folder`)
  }
}
