import { Client } from '@opensearch-project/opensearch'

/**
 * The one OpenSearch client of a process. Requests are time-bounded; the transport retries dead
 * connections. `url` may name several nodes, comma-separated (a cluster): requests go round them,
 * and a node that stops answering is set aside and tried again later, so losing one node does not
 * cut Magpie off from the others.
 */
export function createOpenSearchClient(url: string): Client {
  return new Client({
    nodes: url.split(',').map((u) => u.trim()).filter(Boolean),
    requestTimeout: 60_000,
    maxRetries: 3,
    suggestCompression: false,
    // Answers are parsed with plain JSON.parse: the client's "prototype poisoning" scan runs two
    // regular expressions over every answer (a share of each read's CPU) and turns any stored
    // document holding a `__proto__` key into a failed read. JSON.parse only ever makes such a
    // key an own property, and Magpie never copies documents into objects by assignment.
    disablePrototypePoisoningProtection: true,
  })
}

/** Wait until the cluster answers and is at least yellow. */
export async function waitForCluster(client: Client, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' })
      return
    } catch (err) {
      lastError = err
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
  throw new Error(`OpenSearch did not become ready within ${timeoutMs} ms: ${String(lastError)}`)
}
