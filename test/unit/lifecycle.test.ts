import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parseAge, partitionAgeMs, statesForAge, type Policy } from '#/store/lifecycle.js'

const day = 86_400_000
const partitions = JSON.parse(readFileSync(new URL('../../ilm-policies/record-partitions.json', import.meta.url), 'utf8')).policy as Policy
const retention = JSON.parse(readFileSync(new URL('../../ilm-policies/small-world-retention.json', import.meta.url), 'utf8')).policy as Policy

test('index ages parse like ISM conditions', () => {
  assert.equal(parseAge('35d'), 35 * day)
  assert.equal(parseAge('12h'), 12 * 3_600_000)
  assert.equal(parseAge('500ms'), 500)
  assert.throws(() => parseAge('3 weeks'))
})

test('a record partition stays hot for 35 days, then is force-merged', () => {
  assert.deepEqual(statesForAge(partitions, 34 * day).map((s) => s.name), ['hot'])
  const later = statesForAge(partitions, 36 * day)
  assert.deepEqual(later.map((s) => s.name), ['hot', 'warm'])
  assert.deepEqual(later[1]!.actions, [{ force_merge: { max_num_segments: 1 } }])
})

test('the retention policy deletes only after its age', () => {
  assert.deepEqual(statesForAge(retention, 399 * day).map((s) => s.name), ['kept'])
  assert.deepEqual(statesForAge(retention, 401 * day).at(-1)!.actions, [{ delete: {} }])
})

test('a monthly partition is as old as its month: counted from the month\'s end, whenever its index was made', () => {
  const now = Date.UTC(2026, 11, 6) // 6 December 2026
  const createdToday = now - 60_000
  // A backfill made March 2024's partition a minute ago: its records are ~2.7 years old.
  assert.equal(partitionAgeMs('magpie-posts-2024.03', createdToday, now), now - Date.UTC(2024, 3, 1))
  assert.deepEqual(statesForAge(partitions, partitionAgeMs('magpie-posts-2024.03', createdToday, now)).map((s) => s.name), ['hot', 'warm'])
  // December's is still being written: not old at all; November's ended 5 days ago.
  assert.ok(partitionAgeMs('magpie-likes-2026.12', createdToday, now) < 0)
  assert.equal(partitionAgeMs('magpie-likes-2026.11', createdToday, now), 5 * day)
  assert.deepEqual(statesForAge(partitions, partitionAgeMs('magpie-likes-2026.10', createdToday, now)).map((s) => s.name), ['hot', 'warm'], 'October ended 36 days ago')
  assert.deepEqual(statesForAge(partitions, partitionAgeMs('magpie-likes-2026.11', createdToday, now)).map((s) => s.name), ['hot'])
  // No month in the name (a singleton, the partition of odd record keys): by creation.
  assert.equal(partitionAgeMs('magpie-posts-other', now - 3 * day, now), 3 * day)
  assert.equal(partitionAgeMs('magpie-actors-all', now - 3 * day, now), 3 * day)
})
