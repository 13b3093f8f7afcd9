/**
 * Gathers the items many callers ask for in the same turn of the event loop and sends them
 * together, so a hydration wave (a `Promise.all` of data-plane reads) costs one round trip per
 * kind of request instead of one per read.
 */

export interface CoalescerOptions<I> {
  /** Most items in one send; more are split into several sends, made at once. */
  maxItems: number
  /** Items with the same key are sent once and their answer shared (absent: none are merged). */
  key?: (item: I) => string
  /**
   * When the gathered items leave. `setImmediate` (the default) waits until every promise
   * continuation of the turn has run, which catches reads issued after an `await` of something
   * already settled (a cache hit); a microtask would leave those to a round trip of their own.
   */
  schedule?: (flush: () => void) => void
  /**
   * A send refused as a whole because of what one caller asked (a malformed query fails a whole
   * `_msearch`): each caller of that send then sends its own items alone, and only the one at
   * fault fails, as when every read was a call of its own.
   */
  refusedForOne?: (err: unknown) => boolean
}

/** `load(items)` answers one output per item, in order; a failed send fails only the callers with items in it. */
export interface Coalescer<I, O> {
  load(items: I[]): Promise<O[]>
}

interface Waiting<I, O> {
  items: I[]
  resolve: (outputs: O[]) => void
  reject: (err: unknown) => void
}

export function createCoalescer<I, O>(send: (items: I[]) => Promise<O[]>, opts: CoalescerOptions<I>): Coalescer<I, O> {
  const schedule = opts.schedule ?? ((flush) => setImmediate(flush))
  let waiting: Waiting<I, O>[] = []

  function flush(): void {
    const batch = waiting
    waiting = []
    const unique: I[] = []
    const slotByKey = new Map<string, number>()
    const slots = batch.map(({ items }) =>
      items.map((item) => {
        const key = opts.key?.(item)
        if (key === undefined) return unique.push(item) - 1
        let slot = slotByKey.get(key)
        if (slot === undefined) slotByKey.set(key, (slot = unique.push(item) - 1))
        return slot
      }),
    )
    const sends = chunked(unique)
    // Attached now so a failed send no caller waits on alone is never an unhandled rejection.
    for (const s of sends) s.catch(() => {})
    batch.forEach(({ items, resolve, reject }, i) => {
      const mine = slots[i]!
      Promise.all(mine.map((slot) => sends[Math.floor(slot / opts.maxItems)]!.then((outputs) => outputs[slot % opts.maxItems]!))).then(resolve, (err) => {
        if (batch.length > 1 && opts.refusedForOne?.(err)) Promise.all(chunked(items)).then((outputs) => outputs.flat()).then(resolve, reject)
        else reject(err)
      })
    })
  }

  function chunked(items: I[]): Promise<O[]>[] {
    const sends: Promise<O[]>[] = []
    for (let start = 0; start < items.length; start += opts.maxItems) {
      const chunk = items.slice(start, start + opts.maxItems)
      sends.push(
        send(chunk).then((outputs) => {
          if (outputs.length !== chunk.length) throw new Error(`expected ${chunk.length} answers, got ${outputs.length}`)
          return outputs
        }),
      )
    }
    return sends
  }

  return {
    load(items) {
      if (items.length === 0) return Promise.resolve([])
      return new Promise<O[]>((resolve, reject) => {
        if (waiting.length === 0) schedule(flush)
        waiting.push({ items, resolve, reject })
      })
    },
  }
}
