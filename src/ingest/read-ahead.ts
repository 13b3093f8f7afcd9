export interface ReadAheadOptions<T, S> {
  /** Items read but not yet taken by the consumer, at most… */
  maxItems: number
  /** …and at most this many bytes of them (by `sizeOf`). */
  maxBytes: number
  sizeOf(item: T): number
  /** Called on each item as soon as it is read, in order: work that may run ahead of its turn. */
  start(item: T): S
}

/**
 * Reads `source` ahead of its consumer into a bounded window, starting each item's work as it
 * arrives (live ingest: a commit's signing key and proof checks), and hands items over strictly
 * in source order. While the window is full, reading waits. The consumer ending early leaves the
 * source to whoever owns it (live ingest aborts its firehose).
 */
export async function* readAhead<T, S>(source: AsyncIterable<T>, opts: ReadAheadOptions<T, S>): AsyncGenerator<{ item: T; started: S }> {
  const window: { item: T; started: S; size: number }[] = []
  let bytes = 0
  let ended = false
  let stopped = false
  let failure: { err: unknown } | undefined
  let wakeConsumer: (() => void) | undefined
  let wakeReader: (() => void) | undefined
  const wake = (which: 'consumer' | 'reader'): void => {
    const fn = which === 'consumer' ? wakeConsumer : wakeReader
    if (which === 'consumer') wakeConsumer = undefined
    else wakeReader = undefined
    fn?.()
  }

  const reading = (async () => {
    try {
      for await (const item of source) {
        const size = opts.sizeOf(item)
        window.push({ item, started: opts.start(item), size })
        bytes += size
        wake('consumer')
        while (!stopped && (window.length >= opts.maxItems || bytes >= opts.maxBytes)) {
          await new Promise<void>((resolve) => (wakeReader = resolve))
        }
        if (stopped) return
      }
    } catch (err) {
      failure = { err }
    } finally {
      ended = true
      wake('consumer')
    }
  })()

  try {
    for (;;) {
      const next = window.shift()
      if (next) {
        bytes -= next.size
        wake('reader')
        yield { item: next.item, started: next.started }
        continue
      }
      if (failure) throw failure.err
      if (ended) return
      await new Promise<void>((resolve) => (wakeConsumer = resolve))
    }
  } finally {
    stopped = true
    wake('reader')
    void reading
  }
}
