import { ids } from '@atproto/api'
import { z } from 'zod'
import { contactProcedure } from '#/api/no-contacts.js'
import { input } from '#/api/xrpc/inputs.js'

/** Refused: Magpie matches no phone numbers (see api/no-contacts.ts). */
export default contactProcedure(
  ids.AppBskyContactImportContacts,
  z.object({ token: input.string(4096), contacts: z.array(input.string(64)).min(1, 'must not be empty').max(1000, 'must not have more than 1000 items') }),
  'refuse',
)
