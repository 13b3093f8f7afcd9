/**
 * A procedure body field checked against a lexicon definition refuses every malformed value as
 * the caller's mistake — including those the lexicon validator throws for instead of answering
 * (a string where the definition is an object), which once became a 500 on createDraft.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { input } from '#/api/xrpc/inputs.js'

const draft = input.lexicon('app.bsky.draft.defs#draft')

test('values that are not the defined object are refused, never thrown', () => {
  for (const value of ['{"query":{"match_all":{}}}', 42, true, null, ['a'], { posts: 'not an array' }]) {
    let result: ReturnType<typeof draft.safeParse> | undefined
    assert.doesNotThrow(() => {
      result = draft.safeParse(value)
    }, `validating ${JSON.stringify(value)} threw`)
    assert.equal(result!.success, false, `${JSON.stringify(value)} was accepted`)
    assert.ok(result!.success === false && result!.error.issues[0]!.message.length > 0, 'with a reason')
  }
})

test('a missing value is required', () => {
  const result = draft.safeParse(undefined)
  assert.equal(result.success, false)
})
