import { isAtUriString, isDatetimeString, isValidAtIdentifier } from '@atproto/syntax'
import { CID } from 'multiformats/cid'
import { z } from 'zod'

/**
 * Zod builders for procedure bodies (JSON, so values keep their types: no query-string
 * coercion), phrased to follow the field's path as parseInput reports it ("Input/actor must be …").
 */
export const input = {
  atIdentifier: () =>
    z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine(isValidAtIdentifier, 'must be a valid handle or DID'),
  atUri: () => z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine((v) => isAtUriString(v), 'must be a valid AT URI'),
  boolean: () => z.boolean({ invalid_type_error: 'must be a boolean' }),
  cid: () =>
    z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine((v) => {
      try {
        CID.parse(v)
        return true
      } catch {
        return false
      }
    }, 'must be a valid CID'),
  datetime: () =>
    z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine(isDatetimeString, 'must be a valid datetime'),
}
