import { lexicons } from '@atproto/api'
import { isAtUriString, isDatetimeString, isValidAtIdentifier, isValidDid, isValidTid } from '@atproto/syntax'
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
  did: () => z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine(isValidDid, 'must be a valid DID'),
  tid: () => z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine(isValidTid, 'must be a valid TID'),
  /** A string of at most `max` characters (every free-text field is bounded). */
  string: (max: number) =>
    z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).max(max, `must not be longer than ${max} characters`),
  /**
   * A value checked against a lexicon definition (`nsid#def`) with all its limits (lengths,
   * graphemes, formats, unions), for nested objects a hand-written schema would only copy.
   */
  lexicon: (ref: string) =>
    z.unknown().superRefine((value, ctx) => {
      if (value === undefined) return ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is required' })
      // The lexicon validator answers most problems, but throws for some (a string where its
      // definition is an object): both are the caller's mistake.
      let problem: string | undefined
      try {
        const checked = lexicons.validate(ref, value)
        if (!checked.success) problem = checked.error.message
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err)
      }
      if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem.replace(/^Object\b\/?/, '').trim() || 'is invalid' })
    }) as z.ZodType<Record<string, unknown>>,
  datetime: () =>
    z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).refine(isDatetimeString, 'must be a valid datetime'),
}
