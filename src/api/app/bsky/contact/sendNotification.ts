import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/app/bsky/contact/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Refused: a system endpoint of a contact-matching service Magpie does not run (see no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactSendNotification, z.object({ from: input.did(), to: input.did() }), 'refuse')
