import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/**
 * Contact import (app.bsky.contact.*) matches phone numbers, and Magpie holds none. None of the
 * lexicons defines an error for "not offered here", and their own errors would mislead
 * (InvalidPhone says the number is wrong; InternalError, that something broke). So:
 * - what reads or clears an account's contact state answers truthfully that there is none
 *   (no sync status, no matches, nothing to remove or dismiss), which the app shows as a
 *   feature not used yet instead of an error screen;
 * - what would take a phone number or a contact list is refused with 400 InvalidRequest and a
 *   message saying why, which the app shows as it is.
 */
export const NO_PHONE_NUMBERS = 'Contact import is not offered by this AppView: Magpie holds no phone numbers'

/**
 * A contact procedure, for an authenticated caller once its input is checked: `refuse` for one
 * that would need phone numbers, `empty` for one about state Magpie never has (nothing to do, done).
 */
export function contactProcedure<I extends z.ZodTypeAny>(nsid: string, input: I, answer: 'refuse' | 'empty') {
  return defineProcedure({
    nsid,
    params: z.object({}),
    input,
    auth: 'required',
    async handler({ viewer }) {
      requester(viewer)
      if (answer === 'refuse') throw new InvalidRequestError(NO_PHONE_NUMBERS)
      return {}
    },
  })
}
