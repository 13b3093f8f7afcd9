import { loadConfig, type Config } from '#/config/env.js'

/**
 * The environment for Magpie against a local dev network: its PLC, handles resolved through
 * the PDS (the only resolver dev-env has), loopback fetches allowed, and one index prefix.
 */
export function devnetEnv(net: { plcUrl: string; pdsUrl?: string }, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    INDEX_PREFIX: prefix,
    PLC_URL: net.plcUrl,
    ...(net.pdsUrl ? { HANDLE_RESOLVER_URL: net.pdsUrl } : {}),
    HANDLE_RESOLUTION: 'xrpc',
    ALLOW_PRIVATE_NETWORK: 'true',
    ...extra,
  }
}

export function devnetConfig(net: { plcUrl: string; pdsUrl?: string }, prefix: string, extra: Record<string, string> = {}): Config {
  return loadConfig(devnetEnv(net, prefix, extra))
}
