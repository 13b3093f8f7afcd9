import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/app/bsky/contact/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Nothing to dismiss: Magpie never makes contact matches (see no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactDismissMatch, z.object({ subject: input.did() }), 'empty')
