import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/no-contacts.js'

/** Nothing to remove: Magpie never stored contact data (see api/no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactRemoveData, z.object({}), 'empty')
