import { ids } from '@atproto/api'
import { recordMuteProcedure } from '#/api/record-mutes.js'

export default recordMuteProcedure({ nsid: ids.AppBskyGraphUnmuteThread, kind: 'thread', field: 'root', collection: 'app.bsky.feed.post', mute: false })
