// Magpie's search page: net.magpie.search.searchPostsFaceted (posts), searchRecords (records of
// other lexicons, chosen by the collection filter) and /status, drawn with DOM calls.
// Post text, names and handles come from strangers, so they only ever reach the page as text
// nodes or attribute values (textContent, setAttribute), never as HTML.
'use strict'

const FACETED = '/xrpc/net.magpie.search.searchPostsFaceted'
const RECORDS = '/xrpc/net.magpie.search.searchRecords'
/** The collection filter's value for every lexicon beyond app.bsky at once. */
const ALL_RECORDS = '*'
// A link may ask for faster polling (tests do), but never fast enough to make visitors hammer the server.
const MIN_STATUS_EVERY_MS = 2000
const STATUS_EVERY_MS = Math.max(MIN_STATUS_EVERY_MS, Number(new URLSearchParams(location.search).get('statusEvery')) || 5000)
const PAGE_SIZE = 25

const $ = (id) => document.getElementById(id)
const state = { q: '', hasMedia: undefined, cursor: undefined, handles: new Map() }

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value))
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(typeof child === 'string' ? document.createTextNode(child) : child)
  return node
}

function relativeTime(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000
  if (!Number.isFinite(seconds)) return ''
  const steps = [[60, 'second', 1], [3600, 'minute', 60], [86400, 'hour', 3600], [2592000, 'day', 86400], [31536000, 'month', 2592000], [Infinity, 'year', 31536000]]
  const [, unit, size] = steps.find(([limit]) => Math.abs(seconds) < limit)
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-Math.round(seconds / size), unit)
}

const number = (n) => new Intl.NumberFormat('en').format(n)
const count = (n = 0, one, many) => `${number(n)} ${n === 1 ? one : many}`

// ---- search ------------------------------------------------------------------------------------

/** The collection filter: '' searches posts, anything else records (ALL_RECORDS: of every collection). */
const collection = () => $('collection').value

/** A search of what the collection filter names; `more` fetches the next page. */
function search(opts = {}) {
  $('histogram-panel').hidden = collection() !== ''
  return collection() === '' ? searchPosts(opts) : searchRecords(opts)
}

/** The query (and collection) go in the address, so a search can be reloaded or shared. */
function rememberQuery() {
  const address = new URLSearchParams(location.search)
  address.set('q', state.q)
  if (collection()) address.set('collection', collection())
  else address.delete('collection')
  history.replaceState(null, '', `?${address}`)
}

/** Fetch one XRPC answer, or show its error in the summary and answer undefined. */
async function fetchAnswer(url) {
  $('summary').textContent = 'Searching…'
  let res, body
  try {
    res = await fetch(url)
    body = await res.json().catch(() => ({}))
  } catch (err) {
    body = { error: 'NetworkError', message: err.message }
  }
  if (res?.ok) return body
  $('summary').replaceChildren(el('span', { class: 'error' }, `${body.error ?? res.status}: ${body.message ?? 'search failed'}`))
  return undefined
}

/** A page of results: the count, the cards (after the others when `more`), and the cursor for the next. */
function showPage(body, cards, [one, many], more) {
  state.cursor = body.cursor
  $('summary').textContent = `${number(body.hitsTotal)} ${body.hitsTotal === 1 ? one : many} match`
  if (more) $('results').append(...cards)
  else $('results').replaceChildren(...cards)
  $('more').hidden = !body.cursor
}

async function searchPosts({ more = false } = {}) {
  const params = new URLSearchParams({ q: state.q, limit: String(PAGE_SIZE), facetLimit: '10' })
  if ($('sort-top').checked) params.set('sort', 'top')
  if (state.hasMedia !== undefined) params.set('hasMedia', String(state.hasMedia))
  if (more && state.cursor) params.set('cursor', state.cursor)
  if (!more) rememberQuery()
  const body = await fetchAnswer(`${FACETED}?${params}`)
  if (!body) return
  for (const post of body.posts) state.handles.set(post.author.did, post.author.handle)
  showPage(body, body.posts.map(postCard), ['post', 'posts'], more)
  if (!more) {
    renderFilters()
    renderFacets(body.facets)
    renderHistogram(body.histogram)
  }
}

function postCard(post) {
  const { author, record } = post
  const rkey = post.uri.split('/').pop()
  const url = `https://bsky.app/profile/${encodeURIComponent(author.handle)}/post/${encodeURIComponent(rkey)}`
  const when = record.createdAt ?? post.indexedAt
  const avatar = author.avatar ? el('img', { class: 'avatar', src: author.avatar, alt: '', loading: 'lazy' }) : el('div', { class: 'avatar', 'aria-hidden': 'true' })
  return el('article', { class: 'post', 'data-uri': post.uri },
    avatar,
    el('div', {},
      el('div', {},
        el('span', { class: 'who' }, author.displayName || author.handle), ' ',
        el('span', { class: 'handle' }, `@${author.handle}`), ' · ',
        el('time', { datetime: when, title: when }, relativeTime(when))),
      el('div', { class: 'text' }, record.text ?? ''),
      el('div', { class: 'counts' },
        // Words, not emoji: a machine without an emoji font would show empty boxes.
        el('span', {}, count(post.replyCount, 'reply', 'replies')),
        el('span', {}, count(post.repostCount, 'repost', 'reposts')),
        el('span', {}, count(post.likeCount, 'like', 'likes')),
        el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'open on Bluesky'))))
}

// ---- records of other lexicons ----------------------------------------------------------------

async function searchRecords({ more = false } = {}) {
  const params = new URLSearchParams({ q: state.q, limit: String(PAGE_SIZE) })
  if (collection() !== ALL_RECORDS) params.set('collection', collection())
  if (more && state.cursor) params.set('cursor', state.cursor)
  if (!more) rememberQuery()
  const body = await fetchAnswer(`${RECORDS}?${params}`)
  if (!body) return
  showPage(body, body.records.map(recordCard), ['record', 'records'], more)
  if (!more) {
    $('filters').replaceChildren()
    renderCollectionFacet(body.facets.collections)
  }
}

function recordCard(hit) {
  const { author, record } = hit
  const collectionName = hit.uri.split('/')[3]
  const title = typeof record.title === 'string' ? record.title : typeof record.name === 'string' ? record.name : undefined
  const when = typeof record.createdAt === 'string' ? record.createdAt : undefined
  const avatar = author.avatar ? el('img', { class: 'avatar', src: author.avatar, alt: '', loading: 'lazy' }) : el('div', { class: 'avatar', 'aria-hidden': 'true' })
  const passages = hit.highlights.filter((h) => h.field === 'text').flatMap((h) => h.fragments)
  return el('article', { class: 'post record', 'data-uri': hit.uri, 'data-collection': collectionName },
    avatar,
    el('div', {},
      el('div', {},
        el('span', { class: 'who' }, author.displayName || author.handle), ' ',
        el('span', { class: 'handle' }, `@${author.handle}`), ' · ',
        el('span', { class: 'collection' }, collectionName),
        when ? [' · ', el('time', { datetime: when, title: when }, relativeTime(when))] : []),
      title ? el('div', { class: 'title' }, title) : undefined,
      passages.map((fragment) => el('div', { class: 'text' }, highlighted(fragment)))))
}

// What OpenSearch's html encoder escapes in a highlight.
const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'", '&#x2F;': '/' }

/** A highlight fragment (escaped text, matches in <em>) as text nodes and <mark>s: never parsed as HTML. */
function highlighted(fragment) {
  let marked = false
  return fragment.split(/(<em>|<\/em>)/).flatMap((part) => {
    if (part === '<em>' || part === '</em>') {
      marked = part === '<em>'
      return []
    }
    const text = part.replace(/&(amp|lt|gt|quot|#x27|#39|#x2F);/g, (entity) => ENTITIES[entity])
    return text ? [marked ? el('mark', {}, text) : text] : []
  })
}

function renderCollectionFacet(buckets) {
  const items = buckets.filter((b) => b.count > 0).map((b) => {
    const button = el('button', { type: 'button', 'data-facet': 'collections', 'data-value': b.value, 'aria-label': `Collection: ${b.value}, ${b.count} records` },
      el('span', {}, b.value), el('span', { class: 'count' }, number(b.count)))
    button.addEventListener('click', () => { chooseCollection(b.value); search() })
    return el('li', {}, button)
  })
  $('facets').replaceChildren(items.length ? el('section', { class: 'panel', 'data-facet-group': 'collections' }, el('h2', {}, 'Collections'), el('ul', { class: 'facet' }, items)) : '')
}

/** Select a collection in the filter, adding it as an option when the list does not have it. */
function chooseCollection(value) {
  const select = $('collection')
  if (![...select.options].some((o) => o.value === value)) select.append(el('option', { value }, value))
  select.value = value
}

// ---- facets ------------------------------------------------------------------------------------

/** How a click on each facet's value narrows the query: an operator added to the text, or a parameter. */
const FACETS = [
  { key: 'languages', title: 'Languages', label: (v) => v, refine: (v) => addToQuery(`lang:${v}`) },
  { key: 'hashtags', title: 'Hashtags', label: (v) => `#${v}`, refine: (v) => addToQuery(`#${v}`) },
  { key: 'authors', title: 'Authors', label: (v) => (state.handles.has(v) ? `@${state.handles.get(v)}` : v), refine: (v) => addToQuery(`from:${state.handles.get(v) ?? v}`) },
  { key: 'domains', title: 'Domains', label: (v) => v, refine: (v) => addToQuery(`domain:${v}`) },
  { key: 'hasMedia', title: 'Media', label: (v) => (v === 'true' ? 'with media' : 'without media'), refine: (v) => { state.hasMedia = v === 'true' } },
]

function addToQuery(term) {
  // Quote a value with spaces so the parser reads it as one operand.
  const operand = /\s/.test(term) ? term.replace(/:(.*)$/, (_, v) => `:"${v}"`) : term
  if (!state.q.split(/\s+/).includes(operand)) state.q = `${state.q} ${operand}`.trim()
  $('q').value = state.q
}

function renderFacets(facets) {
  const sections = FACETS.map(({ key, title, label, refine }) => {
    const buckets = (facets[key] ?? []).filter((b) => b.count > 0)
    if (buckets.length === 0) return undefined
    const items = buckets.map((b) => {
      const button = el('button', { type: 'button', 'data-facet': key, 'data-value': b.value, 'aria-label': `${title}: ${label(b.value)}, ${b.count} posts` },
        el('span', {}, label(b.value)), el('span', { class: 'count' }, number(b.count)))
      button.addEventListener('click', () => { refine(b.value); search() })
      return el('li', {}, button)
    })
    return el('section', { class: 'panel', 'data-facet-group': key }, el('h2', {}, title), el('ul', { class: 'facet' }, items))
  })
  $('facets').replaceChildren(...sections.filter(Boolean))
}

function renderFilters() {
  if (state.hasMedia === undefined) return $('filters').replaceChildren()
  const clear = el('button', { type: 'button', class: 'link', 'aria-label': 'Remove the media filter' }, '×')
  clear.addEventListener('click', () => { state.hasMedia = undefined; search() })
  $('filters').replaceChildren(el('span', {}, state.hasMedia ? 'with media' : 'without media', clear))
}

// ---- histogram ---------------------------------------------------------------------------------

function renderHistogram(histogram) {
  const buckets = histogram?.buckets ?? []
  if (buckets.length === 0) return $('histogram').replaceChildren(el('p', { class: 'summary' }, 'No posts to chart.'))
  const width = 600, height = 140, top = 14, bottom = 18
  const max = Math.max(1, ...buckets.map((b) => b.count))
  const slot = width / buckets.length
  const barWidth = Math.max(1, slot * 0.8)
  const day = (iso) => iso.slice(0, 10)
  const bars = buckets.map((b, i) => {
    const h = ((height - top - bottom) * b.count) / max
    const x = i * slot + (slot - barWidth) / 2
    return el('svg:rect', { class: 'bar', x: x.toFixed(1), y: (height - bottom - h).toFixed(1), width: barWidth.toFixed(1), height: h.toFixed(1), 'data-start': b.start, 'data-count': b.count },
      el('svg:title', {}, `${day(b.start)}: ${b.count} posts`))
  })
  const labels = [
    el('svg:text', { x: 0, y: height - 4 }, day(buckets[0].start)),
    el('svg:text', { x: width, y: height - 4, 'text-anchor': 'end' }, `${day(buckets[buckets.length - 1].start)} (${histogram.interval} bars)`),
    el('svg:text', { x: 0, y: 10 }, `max ${number(max)}`),
  ]
  const svg = el('svg:svg', { class: 'histogram', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `Matching posts per ${histogram.interval}` }, bars, labels)
  $('histogram').replaceChildren(svg)
}

// ---- ingest status -----------------------------------------------------------------------------

async function refreshStatus() {
  try {
    const res = await fetch('/status', { cache: 'no-store' })
    if (!res.ok) throw new Error(`status ${res.status}`)
    renderStatus(await res.json())
  } catch (err) {
    $('status-body').replaceChildren(el('span', { class: 'error' }, `status unavailable: ${err.message}`))
  }
}

function renderStatus(status) {
  const { ingest, indices } = status
  const rows = [
    ['events/s', `${ingest.eventsPerSecond} (over ${Math.round(ingest.windowSeconds)} s)`],
    ['record ops/s', String(ingest.recordOpsPerSecond)],
    ['events', number(ingest.events)],
    ['lag', ingest.lagSeconds === null ? '—' : `${ingest.lagSeconds.toFixed(1)} s`],
    ['last event', ingest.lastEventTime ? relativeTime(ingest.lastEventTime) : '—'],
    ['cursor', ingest.cursor === null ? '—' : String(ingest.cursor)],
  ]
  // A small world: its size, the records it holds, and how much of the firehose it keeps (since this process started).
  const world = status.world
  if (world?.active) {
    const members = world.members === null ? 'members not counted yet'
      : world.hostSelectors ? `${number(world.members)}+ members` : count(world.members, 'member', 'members')
    const records = world.records === null ? '' : `, ${count(world.records, 'record', 'records')}`
    const share = world.firehose.keptShare === null ? '' : `, ${(world.firehose.keptShare * 100).toFixed(1)} % of the firehose kept`
    rows.push(['small world', `${members}${records}${share}`])
  }
  const list = el('dl', { class: 'status' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-status': k }, v)]))
  let table
  if ('error' in indices) table = el('p', { class: 'error' }, `indices: ${indices.error}`)
  else {
    table = el('table', { class: 'indices' },
      el('caption', { class: 'visually-hidden' }, 'Records per index family'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'index'), el('th', { scope: 'col', class: 'n' }, 'records'))),
      el('tbody', {}, indices.families.map((f) =>
        el('tr', { 'data-family': f.family }, el('td', {}, f.family), el('td', { class: 'n' }, number(f.docs))))),
      el('tfoot', {}, el('tr', {}, el('th', { scope: 'row' }, 'total'), el('td', { class: 'n', 'data-total': 'docs' }, number(indices.totalDocs)))))
  }
  $('status-body').replaceChildren(list, table)
}

// ---- wiring ------------------------------------------------------------------------------------

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault()
  state.q = $('q').value.trim()
  state.hasMedia = undefined
  search()
})
$('sort-top').addEventListener('change', () => { if (state.q) search() })
$('collection').addEventListener('change', () => { state.cursor = undefined; if (state.q) search() })
$('more').addEventListener('click', () => search({ more: true }))

const initial = new URLSearchParams(location.search).get('q')
const initialCollection = new URLSearchParams(location.search).get('collection')
if (initialCollection) chooseCollection(initialCollection)
if (initial) {
  $('q').value = initial
  state.q = initial
  search()
}
refreshStatus()
setInterval(refreshStatus, STATUS_EVERY_MS)
