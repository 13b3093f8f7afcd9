import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { DevAccount } from '#devnet/network.js'
import { liveIngestReached } from '../helpers/caught-up.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * The search page in a real browser (Debian's headless Chromium): posts in English, Japanese and
 * Portuguese with hashtags, written through a PDS and days apart; a query typed and submitted;
 * a language facet and then a hashtag facet clicked, each narrowing the cards and redrawing the
 * chart; the ingest panel filled from /status, and its small-world row once the operator defines
 * a world (last: the world narrows what the ingest keeps). A screenshot is kept in test-artifacts/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)
const DAY_MS = 86_400_000
const ADMIN_TOKEN = 'search-page-admin-token-for-tests'

let api: MagpieApi
let browser: Browser
let page: Page
const acct = {} as Record<'alice' | 'carol' | 'dave', DevAccount>
/** Page errors, console errors, CSP violations and failed requests: each fails the test. */
const problems: string[] = []

function tagFacets(text: string, tags: string[]) {
  return tags.map((tag) => {
    const start = Buffer.byteLength(text.slice(0, text.indexOf(`#${tag}`)))
    return { index: { byteStart: start, byteEnd: start + Buffer.byteLength(`#${tag}`) }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag }] }
  })
}

async function post(who: DevAccount, text: string, lang: string, daysAgo: number, tags: string[] = []) {
  const createdAt = new Date(Date.now() - daysAgo * DAY_MS).toISOString()
  return createRecord(who.agent, 'app.bsky.feed.post', { text, createdAt, langs: [lang], ...(tags.length ? { facets: tagFacets(text, tags) } : {}) })
}

before(async () => {
  // The world is re-read often, so the one the last test defines is acted on at once.
  api = await startMagpieApi('search-page', { MAGPIE_ADMIN_TOKEN: ADMIN_TOKEN, WORLD_POLL_MS: '300' })
  for (const name of ['alice', 'carol', 'dave'] as const) acct[name] = await api.net.createAccount(name)
  const { alice, carol, dave } = acct
  const spoon = await post(alice, 'A magpie stole my spoon <b>again</b> #birds', 'en', 1, ['birds'])
  await post(alice, 'The magpie on the fence is back #birds #garden', 'en', 3, ['birds', 'garden'])
  await post(alice, 'magpie song at dawn, nothing else to report', 'en', 6)
  await post(carol, '今日も magpie が庭に来ました #鳥', 'ja', 2, ['鳥'])
  await post(carol, 'カササギ magpie を見ました #鳥 #birds', 'ja', 5, ['鳥', 'birds'])
  await post(dave, 'Uma magpie no jardim hoje #aves', 'pt', 4, ['aves'])
  await post(dave, 'Nothing about birds here', 'en', 0)
  await createRecord(dave.agent, 'app.bsky.feed.like', { subject: spoon, createdAt: new Date().toISOString() })
  await until('the like counted', () => api.xrpc('app.bsky.feed.getPosts', { uris: [spoon.uri] }), (a) => a.body.posts?.[0]?.likeCount === 1)
  await until('every magpie post searchable', () => api.xrpc('app.bsky.feed.searchPosts', { q: 'magpie', limit: 100 }), (a) => a.body.posts?.length === 6)
  // Records of other lexicons, for the collection filter: a blog entry and a lexicon nobody declared.
  await createRecord(carol.agent, 'com.whtwnd.blog.entry', { title: 'Magpie notes', content: 'The magpie <i>hoards</i> spoons.', createdAt: new Date().toISOString() })
  await createRecord(dave.agent, 'org.example.birdlog.sighting', { species: 'Eurasian magpie', note: 'two of them on the roof', createdAt: new Date().toISOString() })
  await until('both records searchable', async () => {
    const res = await fetch(`${api.base}/xrpc/net.magpie.search.searchRecords?q=magpie`)
    return { status: res.status, body: await res.json() }
  }, (a) => a.body.records?.length === 2)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (err) => problems.push(err.message))
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()) })
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`) })
})

after(async () => {
  await browser?.close()
  await api?.close()
})

const cardCount = () => page.locator('#results article.post').count()
const bars = () => page.locator('#histogram rect.bar').evaluateAll((rects) => rects.map((r) => `${r.getAttribute('data-start')}=${r.getAttribute('data-count')}`))
const barTotal = async () => (await bars()).reduce((n, b) => n + Number(b.split('=')[1]), 0)

test('status endpoint: ingest counters, records per public index family', async () => {
  const res = await fetch(`${api.base}/status`)
  assert.equal(res.status, 200)
  const status = (await res.json()) as any
  assert.ok(status.ingest.events > 0, 'firehose events counted')
  assert.ok(status.ingest.eventsPerSecond >= 0)
  assert.ok(status.ingest.cursor > 0, 'an acknowledged cursor')
  assert.ok(status.ingest.lagSeconds !== null && status.ingest.lagSeconds >= 0)
  const posts = status.indices.families.find((f: any) => f.family === 'posts')
  assert.ok(posts, JSON.stringify(status.indices))
  assert.deepEqual(Object.keys(posts).sort(), ['docs', 'family'], 'no sizes publicly')
  assert.ok(posts.docs >= 7, JSON.stringify(posts))
  assert.ok(status.indices.families.some((f: any) => f.family === 'actors' && f.docs >= 3))
  assert.ok(status.indices.totalDocs >= posts.docs)
  assert.equal(status.healthy, true)
  // Nothing of another deployment's indices: only families of this prefix's templates.
  for (const f of status.indices.families) assert.match(f.family, /^[a-z-]+$/)
})

test('search page: query, results, facets refine, chart redraws, status panel', async () => {
  const res = await page.goto(`${api.base}/search?statusEvery=1000`)
  assert.equal(res?.status(), 200)
  assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/)

  await page.getByLabel('Search posts').fill('magpie')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.locator('#summary').filter({ hasText: '6 posts match' }).waitFor()
  assert.equal(await cardCount(), 6)
  const allBars = await bars()
  assert.equal(await barTotal(), 6, allBars.join(' '))
  assert.ok(allBars.filter((b) => !b.endsWith('=0')).length >= 3, `posts days apart make several bars: ${allBars.join(' ')}`)

  // A card reads like a post: name, handle, text as text (markup shown, not parsed), counts, link.
  const card = page.locator('article.post', { hasText: 'stole my spoon' })
  assert.equal(await card.locator('.text').textContent(), `A magpie stole my spoon <b>again</b> #birds`)
  assert.equal(await card.locator('b').count(), 0)
  assert.match((await card.locator('.handle').textContent()) ?? '', new RegExp(`@${acct.alice.handle}`))
  assert.match((await card.locator('.counts').textContent()) ?? '', /0 replies.*0 reposts.*1 like(?!s)/)
  assert.match((await card.locator('a').getAttribute('href')) ?? '', new RegExp(`^https://bsky\\.app/profile/${acct.alice.handle}/post/[a-z0-9]+$`))
  assert.match((await card.locator('time').textContent()) ?? '', /yesterday|day/)

  // Facets: languages, hashtags, authors (shown by handle), media.
  const facet = (group: string, value: string) => page.locator(`button[data-facet="${group}"][data-value="${value}"]`)
  assert.match((await facet('languages', 'en').textContent()) ?? '', /en\s*3/)
  assert.match((await facet('hashtags', 'birds').textContent()) ?? '', /#birds\s*3/)
  assert.match((await facet('authors', acct.carol.did).textContent()) ?? '', new RegExp(`@${acct.carol.handle}`))

  // Click a language: the query gains lang:ja, the cards and the bars follow.
  await facet('languages', 'ja').click()
  await page.locator('#summary').filter({ hasText: '2 posts match' }).waitFor()
  assert.equal(await page.getByLabel('Search posts').inputValue(), 'magpie lang:ja')
  assert.equal(await cardCount(), 2)
  assert.equal(await barTotal(), 2)
  assert.notDeepEqual(await bars(), allBars, 'the chart was redrawn for the narrower query')
  const texts = await page.locator('#results .text').allTextContents()
  assert.ok(texts.every((t) => /[\u3040-\u30ff]/.test(t)), texts.join(' | '))

  // Then a hashtag: both refinements hold.
  await facet('hashtags', 'birds').click()
  await page.locator('#summary').filter({ hasText: '1 post match' }).waitFor()
  assert.equal(await page.getByLabel('Search posts').inputValue(), 'magpie lang:ja #birds')
  assert.deepEqual(await page.locator('#results .text').allTextContents(), ['カササギ magpie を見ました #鳥 #birds'])
  assert.equal(await barTotal(), 1)

  // The media facet filters by parameter, shown as a removable chip.
  await page.getByLabel('Search posts').fill('magpie')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.locator('#summary').filter({ hasText: '6 posts match' }).waitFor()
  await facet('hasMedia', 'false').click()
  await page.locator('#filters').filter({ hasText: 'without media' }).waitFor()
  assert.equal(await cardCount(), 6)

  // The status panel: counters and the posts family with its records.
  await page.locator('#status tr[data-family="posts"]').waitFor()
  const postsRow = await page.locator('#status tr[data-family="posts"] td').allTextContents()
  assert.equal(postsRow[1], '7', postsRow.join(' | '))
  assert.match((await page.locator('#status dd[data-status="events/s"]').textContent()) ?? '', /^\d+(\.\d+)? \(over \d+ s\)$/)
  assert.notEqual(await page.locator('#status dd[data-status="events"]').textContent(), '0')
  assert.match((await page.locator('#status dd[data-status="lag"]').textContent()) ?? '', /^\d+\.\d s$/)
  assert.match((await page.locator('#status [data-total="docs"]').textContent()) ?? '', /^\d[\d,]*$/)

  // Back to the narrowed view for the screenshot: results, facets, chart and panel together.
  await page.getByLabel('Search posts').fill('magpie #birds')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.locator('#summary').filter({ hasText: '3 posts match' }).waitFor()
  if (!existsSync(ARTIFACTS)) mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: new URL('search-page.png', ARTIFACTS).pathname, fullPage: true })

  assert.deepEqual(problems, [], 'no script errors or CSP violations in the page')
})

test('search page: the collection filter searches records of other lexicons', async () => {
  await page.goto(`${api.base}/search`)
  await page.getByLabel('in', { exact: true }).selectOption('*')
  await page.getByLabel('Search posts').fill('magpie')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.locator('#summary').filter({ hasText: '2 records match' }).waitFor()
  assert.equal(await page.locator('#results article.record').count(), 2)
  assert.equal(await page.locator('#histogram-panel').isHidden(), true, 'no post chart for records')
  assert.match(page.url(), /collection=\*/)

  // A blog card: its title, its passage with the match marked, the record's markup shown as text.
  const blog = page.locator('article.record[data-collection="com.whtwnd.blog.entry"]')
  assert.equal(await blog.locator('.title').textContent(), 'Magpie notes')
  assert.equal(await blog.locator('.text').textContent(), 'The magpie <i>hoards</i> spoons.')
  assert.deepEqual(await blog.locator('.text mark').allTextContents(), ['magpie'])
  assert.equal(await blog.locator('i').count(), 0)
  assert.match((await blog.locator('.handle').textContent()) ?? '', new RegExp(`@${acct.carol.handle}`))

  // The collection facet narrows to one lexicon and shows it in the filter.
  const facet = page.locator('button[data-facet="collections"][data-value="org.example.birdlog.sighting"]')
  assert.match((await facet.textContent()) ?? '', /org\.example\.birdlog\.sighting\s*1/)
  await facet.click()
  await page.locator('#summary').filter({ hasText: '1 record match' }).waitFor()
  assert.equal(await page.getByLabel('in', { exact: true }).inputValue(), 'org.example.birdlog.sighting')
  assert.deepEqual(await page.locator('#results article.record').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-collection'))), ['org.example.birdlog.sighting'])

  // Back to posts: the post search and its chart again.
  await page.getByLabel('in', { exact: true }).selectOption('')
  await page.locator('#summary').filter({ hasText: '6 posts match' }).waitFor()
  assert.equal(await page.locator('#histogram-panel').isVisible(), true)
  assert.deepEqual(problems, [], 'no script errors or CSP violations in the page')
})

test('status panel under a small world: its members, its records and the share of the firehose it keeps', async () => {
  const { alice, dave } = acct
  const statusAnswer = async () => ({ status: 200, body: (await (await fetch(`${api.base}/status`)).json()) as any })
  await page.goto(`${api.base}/search?statusEvery=1000`)
  await page.locator('#status [data-total="docs"]').waitFor()
  assert.equal(await page.locator('#status dd[data-status="small world"]').count(), 0, 'no world, no row')

  // The operator makes a world of alice alone, as `magpie world add` would.
  const defined = await fetch(`${api.base}/xrpc/net.magpie.admin.updateWorld`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ add: [alice.did] }),
  })
  assert.equal(defined.status, 200, await defined.text())
  await until('the ingest acts on the world', statusAnswer, (a) => a.body.world?.members === 1)
  // One post of a member (kept) and one of an outsider (not kept): the share kept is below 100 %.
  await post(alice, 'A magpie in a small world', 'en', 0)
  await post(dave, 'Dave posts outside the world', 'en', 0)
  await api.net.processAll()
  await liveIngestReached(api.client, api.prefix, api.net.firehoseUrl, await api.net.raw.pds.ctx.sequencer.curr())
  const { world } = (await statusAnswer()).body
  assert.ok(world.firehose.kept > 0 && world.firehose.kept < world.firehose.seen, JSON.stringify(world.firehose))

  const row = page.locator('#status dd[data-status="small world"]')
  const share = `${(world.firehose.keptShare * 100).toFixed(1)} % of the firehose kept`
  await row.filter({ hasText: share }).waitFor()
  // What a visitor reads: one member (not "1 members"), the records the index holds of it, the share kept.
  const text = (await row.textContent()) ?? ''
  const records = (await page.locator('#status [data-total="docs"]').textContent()) ?? ''
  assert.equal(text, `1 member, ${records} records, ${share}`)
  assert.deepEqual(problems, [], 'no script errors or CSP violations in the page')
})
