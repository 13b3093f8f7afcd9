import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { methods } from '#/api/index.js'
import { unsupported } from '#/api/unsupported.js'
import { lexiconMethods } from '../helpers/lexicon-methods.js'
import { serveMethods } from '../helpers/xrpc-router.js'

/**
 * Every app.bsky query and procedure in the lexicons is a decision: served (src/api/index.ts) or
 * declared unsupported with a reason (src/api/unsupported.ts). A lexicon release that adds a
 * method fails here, naming it.
 */

const served = new Set(methods.map((m) => m.nsid))
const declared = Object.keys(unsupported)
const inLexicons = new Set(lexiconMethods())

test('every app.bsky lexicon method is served or declared unsupported', () => {
  const undecided = lexiconMethods().filter((nsid) => nsid.startsWith('app.bsky.') && !served.has(nsid) && !Object.hasOwn(unsupported, nsid))
  assert.deepEqual(undecided, [], `serve these (src/api/index.ts) or declare why not (src/api/unsupported.ts): ${undecided.join(', ')}`)
})

test('no method is both served and declared unsupported', () => {
  assert.deepEqual(declared.filter((nsid) => served.has(nsid)), [])
})

test('every method declared unsupported is a query or procedure of the lexicons, with a reason', () => {
  assert.deepEqual(declared.filter((nsid) => !inLexicons.has(nsid)), [], 'declared methods the lexicons do not have')
  for (const [nsid, reason] of Object.entries(unsupported)) assert.ok(reason.trim().length > 10, `a reason for ${nsid}`)
})

test('every served method outside Magpie’s own namespace is in the lexicons', () => {
  const unknown = [...served].filter((nsid) => !nsid.startsWith('net.magpie.') && !inLexicons.has(nsid))
  assert.deepEqual(unknown, [])
})

const servers: { close(): void }[] = []
after(() => servers.forEach((s) => s.close()))

test('a method declared unsupported answers 501 saying why; an unknown one, 501 plainly', async () => {
  const { server, base } = await serveMethods([], undefined, { unsupported })
  servers.push(server)
  const video = await fetch(`${base}/xrpc/app.bsky.video.getUploadLimits`)
  assert.equal(video.status, 501)
  const body = (await video.json()) as { error: string; message: string }
  assert.equal(body.error, 'MethodNotImplemented')
  assert.ok(body.message.includes(unsupported['app.bsky.video.getUploadLimits']!), body.message)
  const unknown = await fetch(`${base}/xrpc/app.bsky.nothing.here`)
  assert.equal(unknown.status, 501)
  assert.deepEqual(await unknown.json(), { error: 'MethodNotImplemented', message: 'Method not implemented: app.bsky.nothing.here' })
})
