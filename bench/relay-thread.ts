/**
 * Starts the replay relay (relay-worker.ts) in a worker thread and talks to it: its URL, how
 * many frames it serves, and how many it has handed over so far. Shared by app-mix.ts and soak.ts.
 */
import { Worker } from 'node:worker_threads'
import type { RelayWorkerData, RelayWorkerMessage } from './relay-worker.js'

export interface RelayThread {
  url: string
  frames: number
  /** Frames handed to sockets so far, over every connection. */
  sent(): Promise<number>
  close(): void
}

export async function startRelayThread(data: RelayWorkerData): Promise<RelayThread> {
  const relay = new Worker(new URL('./relay-worker.ts', import.meta.url), { workerData: data })
  const next = <K extends RelayWorkerMessage['kind']>(want: K): Promise<Extract<RelayWorkerMessage, { kind: K }>> =>
    new Promise((resolve, reject) => {
      const listener = (msg: RelayWorkerMessage): void => {
        if (msg.kind !== want) return
        relay.off('message', listener)
        relay.off('error', reject)
        resolve(msg as Extract<RelayWorkerMessage, { kind: K }>)
      }
      relay.on('message', listener)
      relay.once('error', reject)
    })
  const listening = await next('listening')
  return {
    url: listening.url,
    frames: listening.frames,
    async sent() {
      const reply = next('progress')
      relay.postMessage({ kind: 'progress' })
      return (await reply).sent
    },
    close: () => relay.postMessage({ kind: 'close' }),
  }
}
