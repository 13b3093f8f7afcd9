/**
 * The index templates agree with the transforms: every field a transform emits for the
 * fixture rows is mapped with a type that accepts its value (mappings are `dynamic: strict`,
 * so an unmapped field would fail the whole bulk item), every mapped derived field is
 * emitted by some row, and the stored `_source` is just the record and its identity.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import type { RecordDocument, RecordInput } from '#/indexing/family.js'
import { allFamilies, familyForCollection, genericFamily } from '#/indexing/families.js'
import { recordDocument } from '#/indexing/record-document.js'

type Mapping = { type?: string, enabled?: boolean, index?: boolean, doc_values?: boolean, ignore_above?: number, fields?: Record<string, Mapping> }

interface IndexTemplate {
  index_patterns: string[]
  priority: number
  version: number
  _meta: { family: string, index: string, partitioned: boolean }
  template: {
    settings: { index: Record<string, unknown> }
    aliases: Record<string, unknown>
    mappings: {
      dynamic: string | boolean
      _source?: { excludes?: string[] }
      properties: Record<string, Mapping>
    }
  }
}

const TEMPLATES = new URL('../../index-templates/', import.meta.url)
const FIXTURES = new URL('../fixtures/transforms/', import.meta.url)

/** What `_source` keeps: enough to rebuild every derived field by running the transform again. */
const STORED = ['did', 'cid', 'indexedAt', 'record', 'tomb']

function readTemplate(index: string): IndexTemplate {
  return JSON.parse(readFileSync(new URL(`${index}.json`, TEMPLATES), 'utf8')) as IndexTemplate
}

/**
 * Documents the transforms produce for every fixture row, grouped by index, and, for families
 * whose deletion is news, the tombstone and notice the row's deletion leaves.
 */
function fixtureDocuments(): Map<string, RecordDocument[]> {
  const byIndex = new Map<string, RecordDocument[]>()
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    const rows = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as { input: RecordInput, expected: RecordDocument }[]
    for (const { input, expected } of rows) {
      const family = familyForCollection(input.collection)
      const docs = byIndex.get(family.index) ?? []
      // Both the hand-written expectation and what the writer really emits (links included) must fit.
      const { doc } = recordDocument(family, input)
      docs.push({ ...expected, record: input.record }, doc)
      const news = family.onDelete?.(doc, input.indexedAt)
      if (news) docs.push({ ...news.kept, tomb: true, did: input.did }, { ...news.notice, tomb: true, did: input.did })
      byIndex.set(family.index, docs)
    }
  }
  return byIndex
}

function fits(mapping: Mapping, value: unknown): boolean {
  if (Array.isArray(value)) return value.every((item) => fits(mapping, item))
  switch (mapping.type) {
    case 'keyword':
    case 'text':
      return typeof value === 'string'
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
    case 'boolean':
      return typeof value === 'boolean'
    case 'integer':
      return Number.isInteger(value) && Math.abs(value as number) < 2 ** 31
    case 'object':
      return mapping.enabled === false && typeof value === 'object' && value !== null
    default:
      return false
  }
}

function* keywordMappings(properties: Record<string, Mapping>, prefix = ''): Generator<[string, Mapping]> {
  for (const [name, mapping] of Object.entries(properties)) {
    if (mapping.type === 'keyword') yield [prefix + name, mapping]
    if (mapping.fields) yield* keywordMappings(mapping.fields, `${prefix}${name}.`)
  }
}

/**
 * Families whose documents hydration reads whole by id on every page (profiles, gates, lists…):
 * LZ4 stored fields, since a `best_compression` block inflated per document was most of an
 * `_mget`'s cost. The rest keep DEFLATE for their bytes.
 */
const READ_BY_ID = new Set(['actors', 'profiles', 'labelers', 'chat-declarations', 'notif-declarations', 'statuses', 'postgates', 'threadgates', 'lists', 'starterpacks', 'feedgens', 'verifications', 'notif-state'])

function checkCommon(template: IndexTemplate, index: string, family: string): void {
  assert.deepEqual(template.index_patterns, [`{{prefix}}${index}-*`])
  assert.deepEqual(Object.keys(template.template.aliases), [`{{prefix}}${index}`])
  assert.ok(Number.isInteger(template.version) && template.version >= 1, 'integer version')
  assert.equal(typeof template.priority, 'number')
  assert.equal(template._meta.family, family)
  assert.equal(template._meta.index, index)
  // Analysis settings are a family's own (posts: see its own test below).
  const { analysis: _analysis, ...settings } = template.template.settings.index
  assert.deepEqual(
    settings,
    { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '1s', codec: READ_BY_ID.has(index) ? 'default' : 'best_compression' },
  )
  for (const [path, mapping] of keywordMappings(template.template.mappings.properties)) {
    // 8191 characters × 4 UTF-8 bytes stays under Lucene's 32766-byte term limit.
    assert.equal(mapping.ignore_above, 8191, `${path} ignore_above`)
  }
}

const documents = fixtureDocuments()

for (const family of allFamilies) {
  describe(`index-templates/${family.index}.json`, () => {
    test('exists', () => assert.ok(existsSync(new URL(`${family.index}.json`, TEMPLATES))))

    test('patterns, alias, settings and metadata', () => {
      const template = readTemplate(family.index)
      checkCommon(template, family.index, family.collection)
      assert.equal(template._meta.partitioned, family.partitioned)
    })

    test('the shared fields are mapped; rev is the external version, not a field', () => {
      const { dynamic, properties } = readTemplate(family.index).template.mappings
      assert.equal(dynamic, 'strict')
      assert.deepEqual(properties.record, { type: 'object', enabled: false })
      assert.deepEqual(properties.tomb, { type: 'boolean' })
      for (const field of ['did', 'cid']) assert.equal(properties[field]?.type, 'keyword', field)
      for (const field of ['createdAt', 'indexedAt', 'sortAt']) assert.equal(properties[field]?.type, 'date', field)
      assert.equal(properties.rev, undefined)
    })

    test('cid is a sort tie-breaker only: doc values, no terms index (a unique CID per record is the costliest term there is)', () => {
      const { properties } = readTemplate(family.index).template.mappings
      assert.equal(properties.cid?.index, false)
      assert.notEqual(properties.cid?.doc_values, false)
    })

    test('dates no query filters or sorts on are not indexed: createdAt (bar profiles, counted by it) and indexedAt (read as doc values)', () => {
      const { properties } = readTemplate(family.index).template.mappings
      assert.equal(properties.indexedAt?.index, false)
      assert.notEqual(properties.indexedAt?.doc_values, false)
      if (family.index === 'profiles') assert.equal(properties.createdAt?.index, undefined)
      else assert.deepEqual([properties.createdAt?.index, properties.createdAt?.doc_values], [false, false])
      assert.equal(properties.sortAt?.index, undefined)
    })

    test('_source keeps only the record and its identity; derived fields are excluded', () => {
      const { _source, properties } = readTemplate(family.index).template.mappings
      const stored = family === genericFamily ? [...STORED, 'collection'] : STORED
      const derived = Object.keys(properties).filter((field) => !stored.includes(field))
      assert.deepEqual(new Set(_source?.excludes ?? []), new Set(derived))
    })

    test('every field the fixture documents carry is mapped with a fitting type', () => {
      const { properties } = readTemplate(family.index).template.mappings
      const docs = documents.get(family.index) ?? []
      assert.ok(docs.length > 0, 'fixture rows exist for this index')
      const tombstone = { tomb: true, did: 'did:plc:q6gjnaw2blty4crticxkmujt' }
      for (const doc of [...docs, tombstone]) {
        for (const [field, value] of Object.entries(doc)) {
          const mapping = properties[field]
          assert.ok(mapping, `${field} is not mapped`)
          assert.ok(fits(mapping, value), `${field} (${mapping.type}) cannot hold ${JSON.stringify(value)?.slice(0, 80)}`)
        }
      }
    })

    test('every mapped field is emitted by some fixture row', () => {
      const { properties } = readTemplate(family.index).template.mappings
      const emitted = new Set((documents.get(family.index) ?? []).flatMap((doc) => Object.keys(doc)))
      emitted.add('tomb')
      for (const field of Object.keys(properties)) {
        if (field === 'createdAt' && !emitted.has(field)) continue // records without createdAt
        if ((field === 'linksTo' || field === 'linkPlaces') && !emitted.has(field)) continue // records that link to nothing (every family may hold links)
        assert.ok(emitted.has(field), `${field} is mapped but no fixture row covers it`)
      }
    })
  })
}

/** Rows of each `## ` section's table in index-templates/FIELDS.md: first column, backquotes stripped. */
function auditedFields(): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>()
  let current: Set<string> | undefined
  for (const line of readFileSync(new URL('FIELDS.md', TEMPLATES), 'utf8').split('\n')) {
    const heading = /^## (.+)$/.exec(line)
    if (heading) sections.set(heading[1]!.trim(), (current = new Set()))
    const cell = /^\|([^|]*)\|/.exec(line)?.[1]?.replaceAll('`', '').trim()
    if (current && cell && cell !== 'field' && !/^-+$/.test(cell)) current.add(cell)
  }
  return sections
}

/** What a template maps: top-level fields, and sub-fields as `parent.sub`. */
function mappedFieldNames(properties: Record<string, Mapping>): string[] {
  return Object.entries(properties).flatMap(([name, mapping]) => [name, ...Object.keys(mapping.fields ?? {}).map((sub) => `${name}.${sub}`)])
}

describe('index-templates/FIELDS.md', () => {
  test('names the read of every mapped field of every template', () => {
    const sections = auditedFields()
    const shared = sections.get('Fields every record family has')
    assert.ok(shared, 'the shared section exists')
    const families = readdirSync(TEMPLATES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length))
    assert.ok(families.length > 0)
    for (const family of families) {
      const own = sections.get(family)
      assert.ok(own, `FIELDS.md has no section "## ${family}"`)
      for (const field of mappedFieldNames(readTemplate(family).template.mappings.properties)) {
        assert.ok(own.has(field) || shared.has(field), `FIELDS.md does not list ${field} of ${family}`)
      }
    }
  })
})

describe('index-templates/actors.json', () => {
  test('patterns, alias, settings, fields', () => {
    const template = readTemplate('actors')
    checkCommon(template, 'actors', 'actors')
    const { properties } = template.template.mappings
    assert.equal(properties.handle?.type, 'keyword')
    assert.equal(properties.handle?.fields?.text?.type, 'text')
    assert.equal(properties.handleValid?.type, 'boolean')
    assert.equal(properties.active?.type, 'boolean')
    assert.equal(properties.status?.type, 'keyword')
    assert.deepEqual(properties.didDoc, { type: 'object', enabled: false })
    assert.equal(properties.updatedAt?.type, 'date')
    assert.equal(properties.pds?.type, 'keyword')
    // Written by the actor updates (src/indexing/operations.ts) and queried on restart.
    assert.equal(properties.pendingIdentity?.type, 'boolean')
    assert.equal(properties.identityAt?.type, 'date')
    assert.equal(properties.accountAt?.type, 'date')
  })
})

describe('index-templates/state.json', () => {
  test('patterns, alias, settings, fields', () => {
    const template = readTemplate('state')
    checkCommon(template, 'state', 'state')
    const { properties } = template.template.mappings
    assert.equal(properties.kind?.type, 'keyword')
    assert.deepEqual(properties.value, { type: 'object', enabled: false })
    assert.equal(properties.updatedAt?.type, 'date')
  })
})

describe('index-templates/mutes.json', () => {
  test('patterns, alias, settings, fields', () => {
    const template = readTemplate('mutes')
    checkCommon(template, 'mutes', 'mutes')
    const { dynamic, properties } = template.template.mappings
    assert.equal(dynamic, 'strict')
    // Written by src/dataplane/mutes.ts; every read filters on viewer.
    for (const field of ['viewer', 'kind', 'subject']) assert.equal(properties[field]?.type, 'keyword', field)
    for (const field of ['onlyReposts', 'onlyQuoteposts']) assert.equal(properties[field]?.type, 'boolean', field)
    for (const field of ['createdAt', 'updatedAt']) assert.equal(properties[field]?.type, 'date', field)
  })
})

describe('index-templates/notif-state.json', () => {
  test('patterns, alias, settings, fields', () => {
    const template = readTemplate('notif-state')
    checkCommon(template, 'notif-state', 'notif-state')
    const { dynamic, properties } = template.template.mappings
    assert.equal(dynamic, 'strict')
    // Written by src/dataplane/notif-state.ts, one document per account, read by its id only.
    assert.equal(properties.did?.type, 'keyword')
    assert.equal(properties.priority?.type, 'boolean')
    assert.deepEqual(properties.preferences, { type: 'object', enabled: false })
    for (const field of ['seenAt', 'updatedAt']) assert.equal(properties[field]?.type, 'date', field)
  })
})

describe('index-templates/bookmarks.json', () => {
  test('patterns, alias, settings, fields', () => {
    const template = readTemplate('bookmarks')
    checkCommon(template, 'bookmarks', 'bookmarks')
    const { dynamic, properties } = template.template.mappings
    assert.equal(dynamic, 'strict')
    // Written by src/dataplane/bookmarks.ts; listings filter on viewer, bookmark counts aggregate on subject.
    for (const field of ['viewer', 'subject', 'subjectCid']) assert.equal(properties[field]?.type, 'keyword', field)
    assert.equal(properties.createdAt?.type, 'date')
  })
})

describe('private state templates: activity subscriptions, drafts, push registrations', () => {
  // Written by src/dataplane/{activity-subscriptions,drafts,push-registrations}.ts; every read filters on viewer.
  const rows: [string, string[], string[]][] = [
    ['activity-subscriptions', ['viewer', 'subject'], ['createdAt', 'updatedAt']],
    ['drafts', ['viewer', 'draftId'], ['createdAt', 'updatedAt']],
    ['push-registrations', ['viewer', 'serviceDid', 'platform', 'appId', 'token'], ['createdAt', 'updatedAt']],
  ]
  for (const [name, keywords, dates] of rows) {
    test(name, () => {
      const template = readTemplate(name)
      checkCommon(template, name, name)
      const { dynamic, properties } = template.template.mappings
      assert.equal(dynamic, 'strict')
      for (const field of keywords) assert.equal(properties[field]?.type, 'keyword', field)
      for (const field of dates) assert.equal(properties[field]?.type, 'date', field)
    })
  }
  test('a draft is kept as sent, never indexed', () => {
    assert.deepEqual(readTemplate('drafts').template.mappings.properties.draft, { type: 'object', enabled: false })
  })
})

describe('index-templates/posts.json analysis', () => {
  const template = readTemplate('posts')
  const { properties } = template.template.mappings
  const analysis = template.template.settings.index.analysis as { analyzer: Record<string, { tokenizer: string; filter: string[] }> }

  test('text: ICU words, folded, CJK as bigrams; text.en: English stems without positions', () => {
    assert.deepEqual(properties.text, {
      type: 'text',
      analyzer: 'post_text',
      fields: { en: { type: 'text', analyzer: 'post_text_en', index_options: 'freqs' } },
    })
    assert.deepEqual(analysis.analyzer.post_text, { type: 'custom', tokenizer: 'icu_tokenizer', filter: ['icu_folding', 'post_cjk_bigram'] })
    assert.equal(analysis.analyzer.post_text_en?.tokenizer, 'icu_tokenizer')
    assert.ok(analysis.analyzer.post_text_en?.filter.includes('post_english_stem'))
  })

  // The plugins' own analyzers, not index-level ones: an existing partition can take these
  // fields by a mapping update, without being reindexed.
  test('language fields use the plugins\' built-in analyzers', () => {
    assert.deepEqual(properties.text_ja, { type: 'text', analyzer: 'kuromoji' })
    assert.deepEqual(properties.text_ko, { type: 'text', analyzer: 'nori' })
    assert.deepEqual(properties.text_zh, { type: 'text', analyzer: 'smartcn' })
  })
})
