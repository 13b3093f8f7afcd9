// A real local AT Protocol network (PLC directory + PDS with its firehose)
// built on @atproto/dev-env, for integration tests and the offline demo.
//
// Facts worth knowing (checked against dev-env 0.6 / pds 0.5):
// - Both services bind all interfaces on an ephemeral port chosen by dev-env's
//   get-port wrapper (a lock dir under os.tmpdir() avoids clashes between
//   parallel test processes); their public URLs are http://localhost:<port>.
// - atproto's loggers stay silent unless LOG_ENABLED=true (LOG_LEVEL and
//   LOG_DESTINATION are honoured when they are on).
// - Handles live under `.test`. DNS and HTTPS cannot resolve them, but the PDS
//   answers `com.atproto.identity.resolveHandle` for its own accounts from its
//   database (and `/.well-known/atproto-did` when the Host header is the
//   handle), so a resolver pointed at `pdsUrl` verifies them.
// - @atproto/identity's default fetch refuses private addresses (SSRF guard):
//   resolving DIDs against this PLC needs `new IdResolver({ plcUrl, fetch })`
//   with a plain fetch. The dev PLC serves legacy-shaped documents
//   (EcdsaSecp256k1VerificationKey2019, id '#atproto'), unlike plc.directory's
//   Multikey ones; @atproto/identity parses both.
// - Every write, account creation and status change is on the firehose:
//   createAccount -> #identity, #account(active), #commit (empty), #sync;
//   updateHandle -> #identity; deactivate -> #account(deactivated);
//   activate -> #account(active), #identity, #sync; takedown ->
//   #account(takendown); untakedown -> #account(active); admin delete ->
//   #account(deleted).
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AtpAgent } from '@atproto/api'
import type { TestNetworkNoAppView, TestPlc } from '@atproto/dev-env'

export type DevAccount = {
  did: string
  handle: string
  password: string
  agent: AtpAgent
}

export type DevNetworkOptions = {
  /** PDS port; 0 or unset picks a free one. */
  port?: number
  /** PLC directory port; 0 or unset picks a free one. */
  plcPort?: number
  /**
   * The AppView the PDS proxies app.bsky.* to (its own bskyAppView setting), as a real PDS
   * names api.bsky.app; unset keeps dev-env's placeholder, which answers nothing.
   */
  appView?: { url: string; did: string }
}

export type DevNetwork = {
  pdsUrl: string
  plcUrl: string
  /** ws:// URL of the PDS; append nothing, @atproto/sync adds the XRPC path. */
  firehoseUrl: string
  /** Full subscribeRepos endpoint, for raw WebSocket clients. */
  subscribeReposUrl: string
  /** The PDS's did:web, which the PLC documents name as their service. */
  pdsDid: string
  adminPassword: string
  /** Basic auth headers for com.atproto.admin.* calls. */
  adminHeaders: Record<string, string>
  /** Underlying dev-env network, for anything not wrapped here. */
  raw: TestNetworkNoAppView
  accounts: Map<string, DevAccount>
  /** Creates `<handleShort>.test` (a full handle ending in `.test` is kept as is). */
  createAccount(handleShort: string): Promise<DevAccount>
  /** An agent logged in as the account (created through this network). */
  agentFor(did: string): AtpAgent
  /** Emits `#identity` (PLC op + handle change). */
  changeHandle(did: string, newHandle: string): Promise<void>
  /** Emits `#account` active=false status=deactivated. */
  deactivate(did: string): Promise<void>
  /** Emits `#account` active=true. */
  activate(did: string): Promise<void>
  /** Emits `#account` active=false status=takendown. */
  takedown(did: string, ref?: string): Promise<void>
  /** Emits `#account` active=true. */
  untakedown(did: string): Promise<void>
  /** Admin deletion: emits `#account` active=false status=deleted. */
  deleteAccount(did: string): Promise<void>
  /** Waits for the PDS's background queue (e.g. sequencing side effects). */
  processAll(): Promise<void>
  close(): Promise<void>
}

const REPO_REF = 'com.atproto.admin.defs#repoRef'

// Data directories of networks not closed yet, removed if the process exits
// (e.g. on an uncaught error) so crashed runs do not litter os.tmpdir().
const liveDirs = new Set<string>()
let exitHookInstalled = false
function trackDir (dir: string): void {
  liveDirs.add(dir)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const d of liveDirs) {
      try { rmSync(d, { recursive: true, force: true }) } catch { /* best effort while exiting */ }
    }
  })
}

/** A fresh directory for a network's files, removed at exit if not before. */
export async function makeDataRoot (prefix = 'magpie-devnet-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  trackDir(dir)
  return dir
}

export async function removeDataRoot (dir: string): Promise<void> {
  // Retries cover sqlite side files that vanish or appear while the
  // directory is being walked.
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  liveDirs.delete(dir)
}

export async function startDevNetwork (opts: DevNetworkOptions = {}): Promise<DevNetwork> {
  // Loaded on demand: dev-env pulls in the PDS, AppView and Ozone packages
  // (~4 s of imports), which commands other than `demo` should not pay for.
  const { TestNetworkNoAppView, TestPds, TestPlc, mockNetworkUtilities } =
    await import('@atproto/dev-env')
  // dev-env leaves its sqlite files and blobs in os.tmpdir(); give the PDS a
  // directory of ours so close() can remove it.
  const dataRoot = await makeDataRoot()
  // Assembled here rather than with TestNetworkNoAppView.create, which leaks
  // the running PLC server when the PDS then fails to start.
  let plc: TestPlc | undefined
  let raw: TestNetworkNoAppView
  try {
    await mkdir(path.join(dataRoot, 'data'))
    plc = await TestPlc.create(opts.plcPort ? { port: opts.plcPort } : {})
    const pds = await TestPds.create({
      didPlcUrl: plc.url,
      ...(opts.port ? { port: opts.port } : {}),
      dataDirectory: path.join(dataRoot, 'data'),
      blobstoreDiskLocation: path.join(dataRoot, 'blobs'),
      ...(opts.appView ? { bskyAppViewUrl: opts.appView.url, bskyAppViewDid: opts.appView.did } : {})
    })
    // Makes the PDS's own resolver map its public URL to localhost and resolve
    // `.test` handles against itself, as dev-env's network does.
    mockNetworkUtilities(pds)
    raw = new TestNetworkNoAppView(plc, pds)
  } catch (err) {
    await plc?.close().catch(() => {})
    await removeDataRoot(dataRoot)
    throw err
  }
  return wrapDevNetwork(raw, dataRoot)
}

/**
 * The DevNetwork helpers around a started dev-env network (with or without
 * the AppView: `raw.processAll()` and `raw.close()` are the subclass's).
 * close() closes `raw`, then runs `afterClose`, then removes `dataRoot`.
 */
export async function wrapDevNetwork (
  raw: TestNetworkNoAppView,
  dataRoot: string,
  afterClose?: () => Promise<void>
): Promise<DevNetwork> {
  const { ADMIN_PASSWORD } = await import('@atproto/dev-env')
  const pdsUrl = raw.pds.url
  const plcUrl = raw.plc.url
  const firehoseUrl = pdsUrl.replace(/^http/, 'ws')
  const adminHeaders = raw.pds.adminAuthHeaders()
  const admin = new AtpAgent({ service: pdsUrl })
  const accounts = new Map<string, DevAccount>()

  const agentFor = (did: string): AtpAgent => {
    const acct = accounts.get(did)
    if (!acct) throw new Error(`unknown dev account ${did}`)
    return acct.agent
  }

  const repoRef = (did: string) => ({ $type: REPO_REF, did })

  let closed = false
  let emailSeq = 0
  const net: DevNetwork = {
    pdsUrl,
    plcUrl,
    firehoseUrl,
    subscribeReposUrl: `${firehoseUrl}/xrpc/com.atproto.sync.subscribeRepos`,
    pdsDid: raw.pds.ctx.cfg.service.did,
    adminPassword: ADMIN_PASSWORD,
    adminHeaders,
    raw,
    accounts,
    agentFor,

    async createAccount (handleShort) {
      const handle = handleShort.endsWith('.test') ? handleShort : `${handleShort}.test`
      const password = `pw-${handle}`
      const agent = new AtpAgent({ service: pdsUrl })
      const res = await agent.createAccount({
        handle,
        password,
        // Unique even when a handle is reused after a rename.
        email: `${handle.replace(/\./g, '-')}-${++emailSeq}@magpie.invalid`
      })
      const acct: DevAccount = { did: res.data.did, handle: res.data.handle, password, agent }
      accounts.set(acct.did, acct)
      return acct
    },

    async changeHandle (did, newHandle) {
      const handle = newHandle.includes('.') ? newHandle : `${newHandle}.test`
      const acct = accounts.get(did)
      if (acct) {
        await acct.agent.com.atproto.identity.updateHandle({ handle })
        acct.handle = handle
      } else {
        await admin.com.atproto.admin.updateAccountHandle({ did, handle }, { headers: adminHeaders })
      }
    },

    async deactivate (did) {
      await agentFor(did).com.atproto.server.deactivateAccount({})
    },

    async activate (did) {
      await agentFor(did).com.atproto.server.activateAccount()
    },

    async takedown (did, ref = 'magpie-devnet') {
      await admin.com.atproto.admin.updateSubjectStatus(
        { subject: repoRef(did), takedown: { applied: true, ref } },
        { headers: adminHeaders }
      )
    },

    async untakedown (did) {
      await admin.com.atproto.admin.updateSubjectStatus(
        { subject: repoRef(did), takedown: { applied: false } },
        { headers: adminHeaders }
      )
    },

    async deleteAccount (did) {
      await admin.com.atproto.admin.deleteAccount({ did }, { headers: adminHeaders })
      accounts.delete(did)
    },

    async processAll () {
      await raw.processAll()
    },

    async close () {
      if (closed) return
      closed = true
      try {
        await raw.processAll().catch(() => {})
        await raw.close()
      } finally {
        try {
          await afterClose?.()
        } finally {
          await removeDataRoot(dataRoot)
        }
      }
    }
  }
  return net
}
