/**
 * The identity services a replayed stream needs on loopback: a static PLC serving its accounts'
 * DID documents, and a `resolveHandle` service answering for the handles those documents claim
 * (HANDLE_RESOLUTION=xrpc), so that identity verification does its real work without the network.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startStaticPlc } from '#devnet/static-plc.js'

export interface IdentityServices {
  plcUrl: string
  handleResolverUrl: string
  close(): Promise<void>
}

export async function startIdentityServices(didDocs: Record<string, unknown>): Promise<IdentityServices> {
  const plc = await startStaticPlc({ docs: didDocs })
  const handles = new Map<string, string>()
  for (const [did, doc] of Object.entries(didDocs)) {
    const aka = (doc as { alsoKnownAs?: string[] }).alsoKnownAs?.[0]
    if (aka?.startsWith('at://')) handles.set(aka.slice(5), did)
  }
  const handleServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://resolver.invalid')
    const did = url.pathname === '/xrpc/com.atproto.identity.resolveHandle' ? handles.get(url.searchParams.get('handle') ?? '') : undefined
    res.writeHead(did ? 200 : 400, { 'content-type': 'application/json' })
    res.end(JSON.stringify(did ? { did } : { error: 'InvalidRequest', message: 'Unable to resolve handle' }))
  })
  await new Promise<void>((resolve) => handleServer.listen(0, '127.0.0.1', resolve))
  return {
    plcUrl: plc.url,
    handleResolverUrl: `http://127.0.0.1:${(handleServer.address() as AddressInfo).port}`,
    close: async () => {
      await plc.close()
      await new Promise<void>((resolve) => handleServer.close(() => resolve()))
    },
  }
}
