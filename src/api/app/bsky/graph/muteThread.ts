import { ids } from '@atproto/api'
import { recordMuteProcedure } from '#/api/record-mutes.js'

/** Mute a thread by its root post (post views then say `viewer.threadMuted`). */
export default recordMuteProcedure({ nsid: ids.AppBskyGraphMuteThread, kind: 'thread', field: 'root', collection: 'app.bsky.feed.post', mute: true })
