import { ids } from '@atproto/api'
import { recordMuteProcedure } from '#/api/record-mutes.js'

export default recordMuteProcedure({ nsid: ids.AppBskyGraphUnmuteActorList, kind: 'list', field: 'list', collection: 'app.bsky.graph.list', mute: false })
