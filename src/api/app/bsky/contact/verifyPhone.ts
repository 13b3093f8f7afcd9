import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Refused: no code was ever sent (see api/no-contacts.ts). */
export default contactProcedure(ids.AppBskyContactVerifyPhone, z.object({ phone: input.string(64), code: input.string(64) }), 'refuse')
