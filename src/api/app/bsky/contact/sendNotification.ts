import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Refused: a system endpoint of a contact-matching service Magpie does not run (see api/no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactSendNotification, z.object({ from: input.did(), to: input.did() }), 'refuse')
