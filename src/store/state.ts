import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'
import type { Logger } from '#/log.js'

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

/**
 * A stream position kept in the state store: it advances as OpenSearch acknowledges the writes up
 * to it (never before), and is saved at most once a second, and once more when the stream stops.
 */
export class SavedCursor {
  private saved: number | undefined
  private timer: NodeJS.Timeout | undefined

  private constructor(
    private readonly state: StateStore,
    private readonly key: string,
    private readonly kind: string,
    private readonly log: Logger,
    saved: number | undefined,
    /** The acknowledged position: where a restart would resume. */
    public value: number | undefined,
  ) {
    this.saved = saved
  }

  /** The saved position of `key`, or `start` when one is given (which is then saved too). */
  static async load(state: StateStore, key: string, kind: string, log: Logger, start?: number): Promise<SavedCursor> {
    const saved = (await state.get<{ seq: number }>(key))?.seq
    return new SavedCursor(state, key, kind, log, saved, start ?? saved)
  }

  /** Everything up to `seq` is acknowledged. */
  advance(seq: number): void {
    // A stream position only moves forward: an older one acknowledged late must not undo a newer.
    if (this.value !== undefined && seq <= this.value) return
    this.value = seq
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.save().catch((err) => this.log.error({ err, key: this.key }, 'saving a cursor failed'))
    }, SAVE_INTERVAL_MS)
  }

  async save(): Promise<void> {
    if (this.value === undefined || this.value === this.saved) return
    const seq = this.value
    await this.state.put(this.key, this.kind, { seq })
    this.saved = seq
  }

  /** The stream stopped: save what is acknowledged now. */
  async close(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.save()
  }
}

const SAVE_INTERVAL_MS = 1000
