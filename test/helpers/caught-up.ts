import type { Client } from '@opensearch-project/opensearch'
import { StateStore, cursorKey } from '#/store/state.js'
import { eventually } from './opensearch.js'

/**
 * Waits until live ingest's saved cursor reaches `head`, the PDS's last sequenced event. The
 * cursor only names an event once its writes and those of every event before it are
 * acknowledged, so from then on every earlier event, of any repo, has been handled — unlike
 * waiting for one record, which says nothing about other repos handled in parallel.
 */
export async function liveIngestReached(client: Client, prefix: string, firehoseUrl: string, head: number | null, timeoutMs = 60_000): Promise<void> {
  const state = new StateStore(client, prefix)
  await eventually(`live ingest reaching the PDS head (seq ${head})`, async () => {
    const saved = await state.get<{ seq: number }>(cursorKey(firehoseUrl))
    return saved && head !== null && saved.seq >= head ? true : undefined
  }, timeoutMs)
}
