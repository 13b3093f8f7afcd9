import type { Rng } from '#devnet/rng.js'

/**
 * The hostile values the XRPC fuzz draws from: text that is search syntax (or worse) rather
 * than words, identifiers that are almost right, cursors that decode to the wrong things.
 * Kept apart from the generator so a new trick is one line here.
 */

/** Characters and fragments a query parser could take as syntax, plus control and odd Unicode. */
export const HOSTILE_TEXT: readonly string[] = [
  '"', '""', '"unterminated phrase', '*', '**', '?', '\\', '\\\\', '\\"', '(', ')', '((((((((((', ')))',
  'a AND OR NOT b', 'NOT', 'AND', 'OR', 'a || b', 'a && b', '!', 'text:x', 'text:*', '_id:1', '_source:x',
  '*:*', 'author.did:*', '/.*/', '/[a-z/', '/(a+)+$/', 'a~', 'a~100', 'fuzzy~2', 'a^99', 'a^-1', '{', '}',
  '[1 TO *]', '[', ']', '<', '>', '<=1', '=', '+-', '-', '--', '- -', ':', '::', 'from:', 'from:me', 'from:did:plc:',
  'to:@', 'lang:', 'lang:*', 'since:', 'since:9999-99-99', 'until:x', 'domain:', 'domain:*', '#', '##', '#a#b',
  'mentions:', 'https://', 'http://[::1', 'url:', ' ', '\t\n\r', '\u0000', 'a\u0000b', '\u202e', '\u200b',
  '\ufeff', '🦜', 'ｆｕｌｌｗｉｄｔｈ', 'İstanbul', 'ß', 'é', '漢字かな', 'עברית', '%', '%00', '&', '=', '+',
  '\'; DROP TABLE posts; --', '{"query":{"match_all":{}}}', '${jndi:ldap://x}', '../../etc/passwd',
]

/** Plausible words, so a valid case searches for something that exists. */
export const WORDS: readonly string[] = ['magpie', 'shiny', 'hello', 'bird', 'nest', 'fuzz', 'the', 'a']

/** Units repeated into oversized strings: one byte, two, a surrogate pair, three, syntax. */
const OVERSIZE_UNITS: readonly string[] = ['a', 'é', '🦜', '漢', 'a ', '*', '"', '(', 'a OR ', 'x~', '#t ']

export function hostileText(rng: Rng): string {
  const parts: string[] = []
  for (let i = rng.range(1, 6); i > 0; i--) parts.push(rng.chance(0.7) ? rng.pick(HOSTILE_TEXT) : rng.pick(WORDS))
  return parts.join(rng.pick(['', ' ', ' ', ':', '"']))
}

/** A string of `length` units of one kind (so its size in bytes and in clauses both vary). */
export function oversized(rng: Rng, length: number): string {
  return rng.pick(OVERSIZE_UNITS).repeat(length)
}

const b64 = (text: string) => Buffer.from(text).toString('base64url')

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 7 : 9)) {
    case 0: return rng.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 1700000000000])
    case 1: return rng.pick(['', 'x', '2024-01-01T00:00:00.000Z', '9999-99-99', 'bafyfuzz', 'a'.repeat(1100), '\u0000'])
    case 2: return null
    case 3: return rng.chance(0.5)
    case 4: return rng.pick(['NaN', 'Infinity', '-0', '1e400'])
    case 5: return String(rng.int(1e9))
    case 6: return rng.int(100)
    case 7: return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1))
    default: return { a: randomJson(rng, depth + 1), __proto__x: 1 }
  }
}

/** Cursors: junk, over-long, and opaque tokens that decode to values of the wrong kind or number. */
export function garbageCursor(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return rng.pick([
        '', ' ', 'x', '0', '-1', 'NaN', 'Infinity', 'null', 'undefined', '999999999999999999999999', '1e308', '::', ':::::',
        '2024-01-01T00:00:00.000Z::bafyfuzz', '3jzfcijpj2z2a', '9999999999999::x', '-5::', 'a'.repeat(513), '%00', '\u0000',
        '"]}', '[1,2]', 'eyJ9', '====', 'a.b.c', 'bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5r4qqd7sh4efm4i',
      ])
    case 1:
      return b64(rng.pick(['not json', '{}', '[]', '[null]', '[1,2,3,4,5,6,7,8,9]', '["x","y"]', '[1e400]', '[-1,""]',
        '[9007199254740993,"x"]', '[[1],[2]]', '[{"a":1},2]', '["2024-99-99",1]', '[true,false]', '"str"', '123', '[NaN]',
        '["9999-12-31T23:59:59.999Z","zz"]', '[1700000000000,"x"]', '[0]', '[0,0]', '[0,0,0]', '["", ""]', '[1.5, 2.5]']))
    case 2:
      return b64(JSON.stringify(Array.from({ length: rng.range(0, 5) }, () => randomJson(rng))))
    case 3:
      return b64(Buffer.from(Array.from({ length: rng.range(1, 300) }, () => rng.int(256))).toString('latin1'))
    default:
      return rng.pick(['x', 'é', '🦜', 'A', '=']).repeat(rng.pick([300, 512, 513, 4000, 20000]))
  }
}

/** Invalid (or valid-looking and unknown) values for a string of a lexicon format. */
export function badFormatted(rng: Rng, format: string | undefined, known: { did: string; uri: string }): string {
  const did = known.did
  const lists: Record<string, readonly string[]> = {
    did: ['did:', 'did:plc:', `did:plc:${'a'.repeat(3000)}`, 'did:plc:UPPERCASE', 'did:example:x', 'did:web:', 'did:web:localhost%3A1',
      'did:web:fuzz.invalid', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', 'DID:PLC:x', `${did}#atproto`, `${did}?x=1`, ` ${did}`, `${did}\u0000`],
    handle: ['a', '-a.test', 'a..test', 'xn--.test', 'a.b', 'nobody-here.test', `${'a'.repeat(300)}.test`, 'alice.test.', '@alice.test',
      'ALICE.TEST', 'alice_test', '🦜.test', 'localhost', '127.0.0.1', 'handle.invalid'],
    'at-uri': ['at://', 'at:///', 'at://x', `at://${did}/`, `at://${did}/app.bsky.feed.post`, `at://${did}/app.bsky.feed.post/`,
      `at://${did}/app.bsky.feed.post/../../x`, `at://${did}/app.bsky.feed.post/a/b/c`, 'at://nobody-here.test/app.bsky.feed.post/3k',
      'https://bsky.app/profile/x/post/y', `at://${did}/%00/a`, `at://${did}/app.bsky.feed.post/${'a'.repeat(600)}`,
      `at://${did}/app.bsky.graph.list/nope`, `at://${did}/app.bsky.feed.generator/nope`, 'at://did:web:localhost%3A1/app.bsky.feed.generator/x',
      'at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3jzfcijpj2z2a', known.uri.replace('app.bsky.feed.post', 'app.bsky.graph.list'),
      `${known.uri}#frag`, `${known.uri}?q=1`],
    cid: ['bafy', 'Qm', `b${'a'.repeat(100)}`, 'bafyreib2rxk3rybk3aobmv5cjuql3bm2twh4jo5uxgf5r4qqd7sh4efm4', 'zzz', '0'],
    datetime: ['2024-13-45T00:00:00Z', '0000-00-00T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '-000001-01-01T00:00:00Z',
      '2024-01-01', 'now', '2024-01-01T00:00:00+99:00', '1e12'],
    language: ['xx-YY-ZZ', 'en_US', 'a'.repeat(100), '*', 'i-klingon', 'x'],
    nsid: ['app', 'app.bsky', '..', 'app.bsky.feed.post.', 'APP.BSKY.*', `a.${'b'.repeat(400)}.c`],
    'record-key': ['.', '..', 'a/b', 'a b', 'a'.repeat(600), '#'],
    uri: ['javascript:alert(1)', 'http://', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/', 'not a uri', '//x'],
  }
  const list = (format ? lists[format] : undefined) ?? lists.handle!
  return rng.chance(0.8) ? rng.pick(list) : hostileText(rng)
}
