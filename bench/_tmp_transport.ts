import { Pool } from 'undici'
import { createOpenSearchClient } from '#/store/client.js'
const url = 'http://127.0.0.1:9260'
const client = createOpenSearchClient(url)
const pool = new Pool(url, { connections: 8 })
const body = [
  { index: 'prof-mutes', ignore_unavailable: true }, { size: 10, query: { bool: { filter: [{ term: { viewer: 'did:plc:x' } }] } } },
  { index: 'prof-blocks', ignore_unavailable: true }, { size: 10, query: { bool: { filter: [{ terms: { did: ['did:plc:a', 'did:plc:b'] } }] } } },
  { index: 'prof-actors', ignore_unavailable: true }, { size: 20, query: { match_all: {} } },
]
const nd = body.map((b) => JSON.stringify(b)).join('\n') + '\n'
async function viaClient() { const r = await client.msearch({ body } as any); return (r.body as any).responses.length }
async function viaUndici() {
  const r = await pool.request({ method: 'POST', path: '/_msearch', headers: { 'content-type': 'application/x-ndjson' }, body: nd })
  const text = await r.body.text(); return JSON.parse(text).responses.length
}
async function run(name: string, f: () => Promise<number>, n: number) {
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < n; i += 4) await Promise.all([f(), f(), f(), f()])
  const c = process.cpuUsage(c0); const t = performance.now() - t0
  console.log(name, 'cpu µs/call', Math.round((c.user + c.system) / n), 'wall ms', Math.round(t))
}
for (let k = 0; k < 3; k++) { await run('client', viaClient, 2000); await run('undici', viaUndici, 2000) }
await client.close(); await pool.close()
