import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Refused: Magpie sends no codes and keeps no phone numbers (see api/no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactStartPhoneVerification, z.object({ phone: input.string(64) }), 'refuse')
