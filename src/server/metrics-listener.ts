import http from 'node:http'
import type { Logger } from '#/log.js'
import { registry } from '#/metrics.js'
import { listenOn } from '#/server/listen.js'

/**
 * `GET /metrics` and nothing else, for the processes that have no API port (`ingest`,
 * `backfill`): Prometheus scrapes each process, since every process counts only its own work.
 * Bound to HOST like the API, so it is on loopback unless the operator says otherwise.
 */
export async function startMetricsListener(port: number, host: string, log: Logger): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err) => {
        log.error({ err }, 'collecting metrics failed')
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n')
      },
    )
  })
  const bound = await listenOn(server, port, host)
  // Unref'd: a process that finished its work exits without waiting for the next scrape.
  server.unref()
  log.info({ url: `http://${host}:${bound}/metrics` }, 'metrics listening')
  return server
}

/** Starts the listener when METRICS_PORT is set; the returned function closes it. */
export async function metricsListenerFor(config: { METRICS_PORT?: number; HOST: string }, log: Logger): Promise<() => Promise<void>> {
  if (config.METRICS_PORT === undefined) return async () => undefined
  const server = await startMetricsListener(config.METRICS_PORT, config.HOST, log)
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      // A scraper's kept-alive connection would hold the close up until it timed out.
      server.closeAllConnections()
    })
}
