import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Start listening and resolve with the bound port (port 0 picks a free one). */
export async function listenOn(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}
