import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { PROJECT_ROOT } from '#/config/project-root.js'

const run = promisify(execFile)

/**
 * The OpenSearch node Magpie manages itself when OPENSEARCH_URL is unset: fetched through Maven
 * and started on loopback by scripts/opensearch (idempotent: an already running node is reused).
 */
export async function ensureLocalNode(log: { info: (msg: string) => void }): Promise<string> {
  log.info('OPENSEARCH_URL is unset: starting the local OpenSearch node managed by Magpie (first run downloads it)')
  const { stdout } = await run(path.join(PROJECT_ROOT, 'scripts/opensearch'), ['start'], {
    maxBuffer: 16 * 1024 * 1024,
    env: process.env,
  })
  const url = stdout.trim().split('\n').pop()?.trim()
  if (!url || !/^https?:\/\//.test(url)) throw new Error(`scripts/opensearch start printed no URL (got ${JSON.stringify(stdout)})`)
  return url
}
