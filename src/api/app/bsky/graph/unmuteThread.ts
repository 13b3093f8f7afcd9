import { ids } from '@atproto/api'
import { recordMuteProcedure } from '#/api/app/bsky/graph/record-mute.js'

export default recordMuteProcedure({ nsid: ids.AppBskyGraphUnmuteThread, kind: 'thread', field: 'root', collection: 'app.bsky.feed.post', mute: false })
