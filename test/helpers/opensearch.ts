import { randomBytes } from 'node:crypto'
import type { Client } from '@opensearch-project/opensearch'
import type { Logger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'

/** The node scripts/test started for this run (or the cluster OPENSEARCH_URL names). */
export function testClient(): Client {
  const url = process.env.OPENSEARCH_URL
  if (!url) throw new Error('OPENSEARCH_URL is not set: run the tests through scripts/test (npm test)')
  return createOpenSearchClient(url)
}

/** A fresh INDEX_PREFIX, so every test file has its own indices, templates and policies. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(3).toString('hex')}-`
}

/** A fresh prefix with Magpie's templates applied, added to `made` for the file to drop afterwards. */
export async function setUpPrefix(client: Client, name: string, made: string[], log: Logger): Promise<string> {
  const prefix = uniquePrefix(name)
  made.push(prefix)
  await applySetup(client, prefix, log)
  return prefix
}

/** Remove everything a test created under its prefix. */
export async function dropPrefix(client: Client, prefix: string): Promise<void> {
  await client.indices.delete({ index: `${prefix}*`, expand_wildcards: 'all' }, { ignore: [404] })
  await client.indices.deleteIndexTemplate({ name: `${prefix}*` }, { ignore: [404] })
  const policies = await client.transport.request({ method: 'GET', path: '/_plugins/_ism/policies' }, { ignore: [404, 400] })
  for (const p of ((policies.body as any)?.policies ?? []) as { _id: string }[]) {
    if (p._id.startsWith(prefix)) {
      await client.transport.request({ method: 'DELETE', path: `/_plugins/_ism/policies/${p._id}` }, { ignore: [404] })
    }
  }
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

/** A document by id from a family's read alias (all partitions), or undefined. */
export async function getDoc(client: Client, prefix: string, family: string, id: string): Promise<Record<string, any> | undefined> {
  const res = await client.search(
    { index: `${prefix}${family}`, body: { query: { ids: { values: [id] } }, version: true } },
    { ignore: [404] },
  )
  const hit = (res.body as any)?.hits?.hits?.[0]
  return hit ? { ...hit._source, _index: hit._index, _version: hit._version } : undefined
}
