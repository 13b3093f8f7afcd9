import { ids } from '@atproto/api'
import { recordMuteProcedure } from '#/api/record-mutes.js'

/** Mute every account on a list (a mod list; other lists are stored but mute no one, as in the reference AppView). */
export default recordMuteProcedure({ nsid: ids.AppBskyGraphMuteActorList, kind: 'list', field: 'list', collection: 'app.bsky.graph.list', mute: true })
