import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { connectRedis, redisReady } from '#/store/shared-cache.js'

/** A free loopback port (nothing listens on it once this returns). */
export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

/** A real, throwaway redis-server on loopback (scripts/test installs Debian's package when it is missing). */
export async function startRedis(): Promise<{ url: string; process: ChildProcess; stop(): void }> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const probe = connectRedis(url)
  const up = await redisReady(probe, 10_000)
  probe.disconnect()
  if (!up) {
    child.kill('SIGTERM')
    throw new Error('redis-server did not start')
  }
  return { url, process: child, stop: () => void child.kill('SIGTERM') }
}
