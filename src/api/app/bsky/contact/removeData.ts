import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/app/bsky/contact/no-contacts.js'

/** Nothing to remove: Magpie never stored contact data (see no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactRemoveData, z.object({}), 'empty')
