/**
 * The post search parser, one row per case in test/fixtures/search/query-parser.json: the input
 * and the text clauses, filters and time bounds it must give (`-` marks a negated clause), or the
 * start of the error it must refuse with. Add a row to cover a new case.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { MAX_CLAUSES, MAX_QUERY_LENGTH, parseQuery, QueryParseError, type ParsedQuery } from '#/search/query-parser.js'

interface Row {
  input: string
  text?: [string, string][]
  filters?: [string, string][]
  since?: string
  until?: string
  error?: string
}

const rows = JSON.parse(readFileSync(new URL('../fixtures/search/query-parser.json', import.meta.url), 'utf8')) as Row[]

function flatten(q: ParsedQuery): Row {
  const mark = (negated: boolean, name: string) => (negated ? `-${name}` : name)
  return {
    input: '',
    text: q.text.map((t) => [mark(t.negated, t.kind), t.text]),
    filters: q.filters.map((f) => [mark(f.negated, f.field), f.value]),
    since: q.since,
    until: q.until,
  }
}

for (const row of rows) {
  test(`parse ${JSON.stringify(row.input)}`, () => {
    if (row.error) {
      assert.throws(() => parseQuery(row.input), (err: unknown) => err instanceof QueryParseError && err.message.includes(row.error!))
      return
    }
    const got = flatten(parseQuery(row.input))
    assert.deepEqual(got, { input: '', text: row.text ?? [], filters: row.filters ?? [], since: row.since, until: row.until })
  })
}

test('huge and many-claused queries are refused, not run', () => {
  assert.throws(() => parseQuery('a'.repeat(MAX_QUERY_LENGTH + 1)), QueryParseError)
  assert.throws(() => parseQuery(Array.from({ length: MAX_CLAUSES + 1 }, (_, i) => `w${i}`).join(' ')), QueryParseError)
  assert.equal(parseQuery(Array.from({ length: MAX_CLAUSES }, (_, i) => `w${i}`).join(' ')).text.length, MAX_CLAUSES)
})

test('random junk never throws anything but a QueryParseError', () => {
  const alphabet = ['"', '-', '#', ':', ' ', 'a', 'é', '東', '😀', '\\', '(', ')', '*', 'from:', 'since:', '\u0000', '\ud83d', '“']
  for (let i = 0; i < 2000; i++) {
    let s = ''
    const n = Math.floor(Math.random() * 40)
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)]
    try {
      const q = parseQuery(s)
      for (const t of q.text) assert.ok(t.text.length > 0)
    } catch (err) {
      assert.ok(err instanceof QueryParseError, `${JSON.stringify(s)}: ${String(err)}`)
    }
  }
})
