import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parseAge, statesForAge, type Policy } from '#/store/lifecycle.js'

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
