import { ids } from '@atproto/api'
import { recordMuteProcedure } from '#/api/app/bsky/graph/record-mute.js'

export default recordMuteProcedure({ nsid: ids.AppBskyGraphUnmuteActorList, kind: 'list', field: 'list', collection: 'app.bsky.graph.list', mute: false })
