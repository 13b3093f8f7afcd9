import type { DataPlane, StoredRecord } from '#/dataplane/index.js'
import { CONTENT_VISIBILITY, hidesFromRecommendations } from '#/dataplane/recommendation-opt-outs.js'
import type { ActorInfo } from '#/hydration/state.js'

/** The singleton records (rkey `self`) that make up an account's presentation. */
const PROFILE = 'app.bsky.actor.profile'
const CHAT_DECLARATION = 'chat.bsky.actor.declaration'
const NOTIF_DECLARATION = 'app.bsky.notification.declaration'
const LABELER = 'app.bsky.labeler.service'
const STATUS = 'app.bsky.actor.status'
const SINGLETONS = [PROFILE, CHAT_DECLARATION, NOTIF_DECLARATION, LABELER, STATUS, CONTENT_VISIBILITY]

export interface ActorHydrationOptions {
  /** Keep accounts that are not hosted (their views then say so, or an endpoint refuses them). */
  includeTakedowns: boolean
}

/**
 * Accounts with their singleton records, in two batched reads. Unknown and deleted accounts map
 * to null, as do accounts that are not hosted unless `includeTakedowns`.
 */
export async function getActorInfos(
  dataplane: DataPlane,
  dids: string[],
  opts: ActorHydrationOptions,
): Promise<Map<string, ActorInfo | null>> {
  const unique = [...new Set(dids)]
  const out = new Map<string, ActorInfo | null>()
  if (unique.length === 0) return out
  const [actors, records] = await Promise.all([
    dataplane.getActors(unique),
    dataplane.getRecords(unique.flatMap((did) => SINGLETONS.map((collection) => `at://${did}/${collection}/self`))),
  ])
  for (const did of unique) {
    const doc = actors.get(did)
    // A deleted account is gone for good: nothing of it is served, even where takedowns are.
    if (!doc || doc.status === 'deleted' || (!opts.includeTakedowns && doc.status !== 'active')) {
      out.set(did, null)
      continue
    }
    const self = (collection: string): StoredRecord | undefined => records.get(`at://${did}/${collection}/self`)
    out.set(did, {
      did,
      handle: doc.handle,
      hostingStatus: doc.status,
      profile: self(PROFILE),
      isLabeler: self(LABELER) !== undefined,
      chat: chatDeclaration(self(CHAT_DECLARATION)),
      allowSubscriptions: allowSubscriptions(self(NOTIF_DECLARATION)),
      statusRecord: self(STATUS),
      hideFromRecommendations: hidesFromRecommendations(self(CONTENT_VISIBILITY)),
    })
  }
  return out
}

function chatDeclaration(record: StoredRecord | undefined): ActorInfo['chat'] {
  const { allowIncoming, allowGroupInvites } = record?.record ?? {}
  if (typeof allowIncoming !== 'string' || allowIncoming === '') return undefined
  return { allowIncoming, allowGroupInvites: typeof allowGroupInvites === 'string' && allowGroupInvites ? allowGroupInvites : undefined }
}

/** The lexicon's default is `followers`, for accounts without a declaration or with an unknown value. */
function allowSubscriptions(record: StoredRecord | undefined): ActorInfo['allowSubscriptions'] {
  const value = record?.record.allowSubscriptions
  return value === 'mutuals' || value === 'none' || value === 'followers' ? value : 'followers'
}
