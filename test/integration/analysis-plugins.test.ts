// The analysis plugins `scripts/opensearch fetch` installs (built from scripts/lib/analysis-plugins
// when the package registry has no zip): the upstream names exist and tokenize as expected.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const client = testClient()
const prefix = uniquePrefix('analysis')

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

type AnalyzeBody = Record<string, unknown> & { text: string }

async function tokens(body: AnalyzeBody, index?: string): Promise<string[]> {
  const res = await client.indices.analyze({ ...(index ? { index } : {}), body })
  return ((res.body as any).tokens as { token: string }[]).map((t) => t.token)
}

test('the four analysis plugins are installed', async () => {
  const res = await client.cat.plugins({ format: 'json' })
  const names = (res.body as { component: string }[]).map((p) => p.component)
  for (const name of ['analysis-icu', 'analysis-kuromoji', 'analysis-nori', 'analysis-smartcn']) {
    assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`)
  }
})

test('kuromoji: Japanese words, base forms, no particles', async () => {
  assert.deepEqual(await tokens({ analyzer: 'kuromoji', text: '東京都に住んでいます' }), ['東京', '都', '住む'])
  // Search mode (the default) also emits the parts of a long compound.
  assert.deepEqual(await tokens({ tokenizer: 'kuromoji_tokenizer', text: '関西国際空港' }), ['関西', '関西国際空港', '国際', '空港'])
  assert.deepEqual(
    await tokens({
      tokenizer: { type: 'kuromoji_tokenizer', mode: 'normal' },
      filter: ['kuromoji_baseform', 'kuromoji_part_of_speech', 'ja_stop', 'kuromoji_stemmer'],
      text: 'コンピューターを使った',
    }),
    ['コンピュータ', '使う'],
  )
  assert.deepEqual(await tokens({ tokenizer: 'kuromoji_tokenizer', filter: [{ type: 'kuromoji_readingform', use_romaji: true }], text: '寿司' }), ['sushi'])
})

test('nori: Korean words split from particles and endings', async () => {
  assert.deepEqual(await tokens({ analyzer: 'nori', text: '아버지가방에들어가신다' }), ['아버지', '방', '들어가'])
  assert.deepEqual(
    await tokens({ tokenizer: 'nori_tokenizer', filter: ['nori_part_of_speech'], text: '아버지가방에들어가신다' }),
    ['아버지', '방', '들어가'],
  )
  // decompound_mode: discard (default) keeps the parts of a compound, none the whole, mixed both.
  assert.deepEqual(await tokens({ tokenizer: 'nori_tokenizer', text: '삼성전자' }), ['삼성', '전자'])
  assert.deepEqual(await tokens({ tokenizer: { type: 'nori_tokenizer', decompound_mode: 'none' }, text: '삼성전자' }), ['삼성전자'])
  assert.deepEqual(
    await tokens({ tokenizer: { type: 'nori_tokenizer', decompound_mode: 'mixed' }, text: '삼성전자' }),
    ['삼성전자', '삼성', '전자'],
  )
  assert.deepEqual(await tokens({ tokenizer: 'nori_tokenizer', filter: ['nori_readingform'], text: '萬' }), ['만'])
})

test('smartcn: Chinese words', async () => {
  assert.deepEqual(await tokens({ analyzer: 'smartcn', text: '我爱北京天安门。' }), ['我', '爱', '北京', '天安门'])
  assert.deepEqual(
    await tokens({ tokenizer: 'smartcn_tokenizer', filter: ['smartcn_stop'], text: '我爱北京天安门。' }),
    ['我', '爱', '北京', '天安门'],
  )
})

test('icu: word breaks for scripts without spaces, emoji kept, folding and normalization', async () => {
  assert.deepEqual(
    await tokens({ tokenizer: 'icu_tokenizer', text: 'สวัสดีครับ ខ្ញុំស្រលាញ់អ្នក hello😀world 👍🏽' }),
    ['สวัสดี', 'ครับ', 'ខ្ញុំ', 'ស្រលាញ់', 'អ្នក', 'hello', '😀', 'world', '👍🏽'],
  )
  assert.deepEqual(await tokens({ tokenizer: 'icu_tokenizer', filter: ['icu_folding'], text: 'Ångström Café ＡＢＣ ﾃｽﾄ' }), [
    'angstrom',
    'cafe',
    'abc',
    'テスト',
  ])
  assert.deepEqual(await tokens({ tokenizer: 'icu_tokenizer', filter: ['icu_normalizer'], text: 'Ångström ＡＢＣ ℌ' }), ['ångström', 'abc', 'h'])
  assert.deepEqual(await tokens({ tokenizer: 'keyword', char_filter: ['icu_normalizer'], text: 'ＡＢＣ ﾃｽﾄ' }), ['abc テスト'])
  assert.deepEqual(
    await tokens({ tokenizer: 'keyword', filter: [{ type: 'icu_folding', unicode_set_filter: '[^å]' }], text: 'Ångström åsa' }),
    ['angstrom åsa'],
  )
})

test('an index can use them in custom analyzers and keyword normalizers, and queries match', async () => {
  const index = `${prefix}posts`
  await client.indices.create({
    index,
    body: {
      settings: {
        number_of_replicas: 0,
        analysis: {
          analyzer: {
            folded: { type: 'custom', char_filter: ['icu_normalizer'], tokenizer: 'icu_tokenizer', filter: ['icu_folding'] },
            ja: {
              type: 'custom',
              char_filter: ['icu_normalizer'],
              tokenizer: 'kuromoji_tokenizer',
              filter: ['kuromoji_baseform', 'kuromoji_part_of_speech', 'ja_stop', 'kuromoji_stemmer', 'lowercase'],
            },
            ko: { type: 'nori', decompound_mode: 'mixed' },
            zh: { type: 'custom', tokenizer: 'smartcn_tokenizer', filter: ['smartcn_stop', 'lowercase'] },
          },
          normalizer: { folded: { type: 'custom', filter: ['icu_folding'] } },
        },
      },
      mappings: {
        properties: {
          text: {
            type: 'text',
            analyzer: 'folded',
            fields: { en: { type: 'text', analyzer: 'english' }, ja: { type: 'text', analyzer: 'ja' }, ko: { type: 'text', analyzer: 'ko' }, zh: { type: 'text', analyzer: 'zh' } },
          },
          tag: { type: 'keyword', normalizer: 'folded' },
        },
      },
    },
  })
  const docs = [
    { text: 'Ångström Café opening today', tag: 'Café' },
    { text: '東京都に住んでいます' },
    { text: '아버지가방에들어가신다' },
    { text: '我爱北京天安门' },
  ]
  for (const [i, doc] of docs.entries()) await client.index({ index, id: String(i), body: doc })
  await client.indices.refresh({ index })

  const hits = async (query: object) => {
    const res = await client.search({ index, body: { query } })
    return ((res.body as any).hits.hits as { _id: string }[]).map((h) => h._id).sort()
  }
  assert.deepEqual(await hits({ match: { text: 'angstrom cafe' } }), ['0'])
  assert.deepEqual(await hits({ match: { 'text.en': 'opened' } }), ['0'])
  assert.deepEqual(await hits({ match: { 'text.ja': '住む' } }), ['1'])
  assert.deepEqual(await hits({ match: { 'text.ko': '아버지' } }), ['2'])
  assert.deepEqual(await hits({ match: { 'text.zh': '北京' } }), ['3'])
  assert.deepEqual(await hits({ term: { tag: 'CAFE' } }), ['0'])
  assert.deepEqual(await tokens({ analyzer: 'ja', text: 'ﾃｽﾄを書きました' }, index), ['テスト', '書く'])
})
