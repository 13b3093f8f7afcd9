import { viewerDocId } from '#/dataplane/viewer-pages.js'
import { singleIndex } from '#/indexing/route.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Push registrations: private state Magpie keeps for each account (no repo holds them). One
 * document per (account, push service, platform, app, device token) in the `push-registrations`
 * index. Magpie has no push gateway: it stores what the app registers so that unregistering
 * works and a gateway added later has them, and sends nothing. Nothing reads them back through
 * the API; the API only ever passes the authenticated requester.
 */

export interface PushRegistration {
  serviceDid: string
  platform: string
  appId: string
  token: string
  ageRestricted?: boolean
}

const idOf = (viewer: string, r: PushRegistration) => viewerDocId(viewer, r.serviceDid, r.platform, r.appId, r.token)

/** Register (again: updates it); visible on return. */
export async function putPushRegistration(search: Searcher, viewer: string, registration: PushRegistration): Promise<void> {
  const now = new Date().toISOString()
  const doc = { ageRestricted: registration.ageRestricted ?? false, updatedAt: now }
  const { ageRestricted: _kept, ...key } = registration
  await search.client.update({
    index: singleIndex(search.prefix, 'push-registrations'),
    id: idOf(viewer, registration),
    refresh: 'wait_for',
    retry_on_conflict: 3,
    body: { doc, upsert: { viewer, ...key, createdAt: now, ...doc } },
  })
}

/** Remove a registration (nothing to remove is fine); visible on return. */
export async function deletePushRegistration(search: Searcher, viewer: string, registration: PushRegistration): Promise<void> {
  await search.client.delete({ index: singleIndex(search.prefix, 'push-registrations'), id: idOf(viewer, registration), refresh: 'wait_for' }, { ignore: [404] })
}
