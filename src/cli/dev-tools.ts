import { UsageError } from '#/cli/usage-error.js'

/**
 * The local AT Protocol network of `magpie demo` lives in the top-level `devnet/` folder and runs
 * on `@atproto/dev-env` (PLC, PDS, relay), a development dependency: a production install
 * (`npm ci --omit=dev`) does not have it. So nothing under `src/` imports it statically; the
 * commands that need it load it through here and, when it cannot be found, say what to install
 * instead of failing with a bare module-resolution stack.
 */
export async function loadDevTools<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (err) {
    if (!isModuleNotFound(err)) throw err
    throw new UsageError(
      `\`magpie ${command}\` needs the development dependencies (@atproto/dev-env runs its local PLC, PDS and relay), ` +
        'and they are not installed here. Install them with `npm install --include=dev` (or `npm ci --include=dev`) ' +
        `in the Magpie folder, then run \`magpie ${command}\` again. (${(err as Error).message.split('\n')[0]})`,
    )
  }
}

/** ESM says ERR_MODULE_NOT_FOUND; a CommonJS package (dev-env is one) missing its own dependency says MODULE_NOT_FOUND. */
function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

/**
 * The demo network and its activity generator. The network loads dev-env itself only when it
 * starts; loading it here too (the same module, so no extra cost) makes a missing package fail
 * now, with the message above.
 */
export function loadDemoNetwork() {
  return loadDevTools('demo', async () => {
    const [network, activity] = await Promise.all([
      import('#devnet/network.js'),
      import('#devnet/activity.js'),
      import('@atproto/dev-env'),
    ])
    return { startDevNetwork: network.startDevNetwork, runActivity: activity.runActivity }
  })
}
