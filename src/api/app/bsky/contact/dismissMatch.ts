import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Nothing to dismiss: Magpie never makes contact matches (see api/no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactDismissMatch, z.object({ subject: input.did() }), 'empty')
