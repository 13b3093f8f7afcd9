import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'

/**
 * Magpie's own small state (firehose cursors, later backfill progress), kept in OpenSearch
 * beside the data it describes, so one cluster is all a deployment needs.
 */
export class StateStore {
  private readonly index: string

  constructor(
    private readonly client: Client,
    prefix: string,
  ) {
    this.index = singleIndex(prefix, 'state')
  }

  async get<T>(key: string): Promise<T | undefined> {
    const res = await this.client.get({ index: this.index, id: key }, { ignore: [404] })
    const body = res.body as { found?: boolean; _source?: { value?: T } }
    return body.found ? body._source?.value : undefined
  }

  async put(key: string, kind: string, value: unknown): Promise<void> {
    await this.client.index({
      index: this.index,
      id: key,
      body: { kind, value, updatedAt: new Date().toISOString() },
    })
  }
}

/** The state key for a firehose cursor: one per upstream service. */
export function cursorKey(service: string): string {
  return `cursor:${service.replace(/\/+$/, '')}`
}
