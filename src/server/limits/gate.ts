import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * At most `maxInFlight` requests do work at once; up to `maxQueued` more wait, each for at most
 * `maxWaitMs`, in arrival order; beyond that a request is turned away at once (GateFullError,
 * answered 503 with Retry-After) instead of piling onto a node that is already behind.
 *
 * Whole requests are admitted, not single OpenSearch calls: a request admitted runs to the end
 * at full speed, so latency stays bounded for those let in and the rest fail fast. Bounding the
 * calls instead would let every request start and then queue each of its hydration waves behind
 * everyone else's, all of them slow and none finished; it would also split the waves the data
 * plane gathers into one `_msearch`. And a request's own CPU (hydration, views, JSON) is on the
 * same two cores as OpenSearch.
 */

export interface GateSettings {
  /** 0: no limit. */
  maxInFlight: number
  maxQueued: number
  maxWaitMs: number
}

export class GateFullError extends Error {
  override name = 'GateFullError'
}

interface Waiter {
  admit: () => void
  timer?: NodeJS.Timeout
}

export interface Gate {
  /** Run `work` holding a slot. */
  run<T>(work: () => Promise<T>): Promise<T>
  /**
   * Run `wait` without the slot the current request holds (waiting on another service, such as a
   * feed generator, loads nothing here), then take one again ahead of new arrivals.
   */
  outside<T>(wait: () => Promise<T>): Promise<T>
  readonly inFlight: number
  readonly queued: number
}

export function createGate(settings: GateSettings): Gate {
  let inFlight = 0
  // Requests coming back from `outside` first: they are part-way done.
  const returning: Waiter[] = []
  const queue: Waiter[] = []
  const holding = new AsyncLocalStorage<{ held: boolean }>()

  function release(): void {
    const next = returning.shift() ?? queue.shift()
    if (!next) {
      inFlight--
      return
    }
    if (next.timer) clearTimeout(next.timer)
    // The slot passes straight to the next waiter.
    next.admit()
  }

  function acquire(rejoining: boolean): Promise<void> {
    if (inFlight < settings.maxInFlight) {
      inFlight++
      return Promise.resolve()
    }
    if (rejoining) return new Promise((admit) => returning.push({ admit }))
    if (queue.length >= settings.maxQueued) return Promise.reject(new GateFullError(`${inFlight} requests in flight and ${queue.length} queued`))
    return new Promise((admit, reject) => {
      const waiter: Waiter = { admit }
      waiter.timer = setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1)
        reject(new GateFullError(`waited ${settings.maxWaitMs} ms for one of ${settings.maxInFlight} slots`))
      }, settings.maxWaitMs)
      queue.push(waiter)
    })
  }

  return {
    async run(work) {
      if (settings.maxInFlight <= 0) return work()
      await acquire(false)
      const slot = { held: true }
      try {
        return await holding.run(slot, work)
      } finally {
        if (slot.held) release()
        slot.held = false
      }
    },
    async outside(wait) {
      const slot = holding.getStore()
      if (!slot?.held) return wait()
      slot.held = false
      release()
      try {
        return await wait()
      } finally {
        await acquire(true)
        slot.held = true
      }
    },
    get inFlight() {
      return inFlight
    },
    get queued() {
      return queue.length + returning.length
    },
  }
}
