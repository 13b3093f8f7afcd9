import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveOpThread } from '#/dataplane/op-thread.js'

/** The OP line of a thread: from the root, the author's oldest reply to each post of the line. */

const post = (rkey: string) => `at://did:plc:alice/app.bsky.feed.post/${rkey}`
const ROOT = post('3kaaaaaaaaaa2')

const cases: [string, [string, string][], string[] | undefined][] = [
  ['no replies by the author: no line', [], undefined],
  ['a chain', [['3kaaaaaaaaab2', '3kaaaaaaaaaa2'], ['3kaaaaaaaaac2', '3kaaaaaaaaab2']], ['3kaaaaaaaaaa2', '3kaaaaaaaaab2', '3kaaaaaaaaac2']],
  [
    'the oldest reply to each post continues the line, whatever order they come in',
    [['3kaaaaaaaaad2', '3kaaaaaaaaaa2'], ['3kaaaaaaaaab2', '3kaaaaaaaaaa2'], ['3kaaaaaaaaac2', '3kaaaaaaaaad2']],
    ['3kaaaaaaaaaa2', '3kaaaaaaaaab2'],
  ],
  ['replies under someone else\'s post are not on the line', [['3kaaaaaaaaab2', '3kzzzzzzzzzz2']], undefined],
  ['a loop of forged parents is no line', [['3kaaaaaaaaab2', '3kaaaaaaaaaa2'], ['3kaaaaaaaaaa2', '3kaaaaaaaaab2']], undefined],
]

for (const [name, replies, expected] of cases) {
  test(`resolveOpThread: ${name}`, () => {
    const line = resolveOpThread(ROOT, replies.map(([uri, parent]) => ({ uri: post(uri), parent: post(parent) })))
    assert.deepEqual(line, expected?.map(post))
  })
}
