import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TID } from '@atproto/common-web'
import { familyForCollection } from '#/indexing/families.js'
import { partitionForRkey, recordId, routeIndexForRecord } from '#/indexing/route.js'
import { versionForRev } from '#/indexing/tid.js'

const tidAt = (iso: string) => TID.fromTime(Date.parse(iso) * 1000, 7).toString()

test('a TID rkey routes to the month of its timestamp', () => {
  const rows: [string, string][] = [
    ['2023-04-30T23:59:59.999Z', '2023.04'],
    ['2023-05-01T00:00:00.000Z', '2023.05'],
    ['2026-12-31T12:00:00.000Z', '2026.12'],
  ]
  for (const [iso, month] of rows) assert.equal(partitionForRkey(tidAt(iso)), month, iso)
})

test('non-TID keys and times outside the partition window go to one fixed partition', () => {
  for (const rkey of ['self', 'custom-key-1', '3jzfcijpj2z2', '', 'zzzzzzzzzzzzz']) {
    assert.equal(partitionForRkey(rkey), 'other', rkey)
  }
  assert.equal(partitionForRkey(tidAt('2021-12-31T00:00:00Z')), 'other')
  assert.equal(partitionForRkey(tidAt('2031-01-01T00:00:00Z')), 'other')
  assert.equal(partitionForRkey(tidAt('2099-06-01T00:00:00Z')), 'other')
})

test('the index comes from the URI alone: prefix, family, partition', () => {
  const rkey = tidAt('2025-02-03T04:05:06Z')
  assert.equal(routeIndexForRecord('p-', familyForCollection('app.bsky.feed.post'), rkey), 'p-posts-2025.02')
  assert.equal(routeIndexForRecord('p-', familyForCollection('app.bsky.feed.like'), rkey), 'p-likes-2025.02')
  assert.equal(routeIndexForRecord('p-', familyForCollection('app.bsky.actor.profile'), 'self'), 'p-profiles-all')
  assert.equal(routeIndexForRecord('p-', familyForCollection('com.example.unknown'), rkey), 'p-records-all')
  assert.equal(recordId('did:plc:abc', 'app.bsky.feed.post', rkey), `at://did:plc:abc/app.bsky.feed.post/${rkey}`)
})

test('repo revisions become increasing, exact external versions', () => {
  const older = TID.fromTime(1_750_000_000_000_000, 1).toString()
  const newer = TID.fromTime(1_750_000_000_000_001, 0).toString()
  const v1 = versionForRev(older)!
  const v2 = versionForRev(newer)!
  assert.ok(v2 > v1)
  assert.ok(Number.isSafeInteger(v1) && Number.isSafeInteger(v2))
  assert.equal(versionForRev('not-a-tid'), undefined)
})
