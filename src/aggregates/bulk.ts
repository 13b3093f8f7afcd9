import type { Client } from '@opensearch-project/opensearch'

/** One `_bulk` of updates; any refused update fails the whole call (a recount must not settle on a partial write). */
export async function bulkUpdates(client: Client, body: object[], what: string): Promise<void> {
  const res = await client.bulk({ body })
  const result = res.body as any
  if (result.errors) {
    const failed = (result.items as any[]).find((item) => item.update?.error)
    throw new Error(`writing ${what} failed: ${JSON.stringify(failed?.update?.error)}`)
  }
}
