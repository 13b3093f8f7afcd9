import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RateWindow } from '#/server/status.js'

// The status page's rates: counter deltas over a moving window of samples taken per request.

test('the first sample averages over the life of the process', () => {
  const w = new RateWindow(60_000, 0)
  assert.deepEqual(w.add({ at: 10_000, events: 50, ops: 20 }), { eventsPerSecond: 5, recordOpsPerSecond: 2, windowSeconds: 10 })
})

test('later samples average over at most the window, measured from the newest sample a window old', () => {
  const w = new RateWindow(60_000, 0)
  w.add({ at: 30_000, events: 30, ops: 0 })
  w.add({ at: 70_000, events: 430, ops: 0 })
  // The baseline moves to the 30 s sample (the newest at least 60 s before 100 s): 600 events in 70 s.
  assert.deepEqual(w.add({ at: 100_000, events: 630, ops: 70 }), { eventsPerSecond: 8.57, recordOpsPerSecond: 1, windowSeconds: 70 })
  // Then to the 70 s sample.
  assert.deepEqual(w.add({ at: 140_000, events: 1430, ops: 70 }), { eventsPerSecond: 14.29, recordOpsPerSecond: 1, windowSeconds: 70 })
})

test('samples closer than a second are used but not kept, so fast polling does not grow the window', () => {
  const w = new RateWindow(60_000, 0)
  w.add({ at: 1000, events: 10, ops: 0 })
  for (let i = 1; i < 100; i++) w.add({ at: 1000 + i * 5, events: 10, ops: 0 })
  assert.equal((w as any).newer.length, 1)
  assert.deepEqual(w.add({ at: 2000, events: 30, ops: 0 }), { eventsPerSecond: 15, recordOpsPerSecond: 0, windowSeconds: 2 })
})
