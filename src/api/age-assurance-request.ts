import { z } from 'zod'
import { input } from '#/api/xrpc/inputs.js'

/** What the app sends to start age assurance (begin, and the older unspecced initAgeAssurance), bounded. */
export const ageAssuranceRequest = z.object({
  email: input.string(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address'),
  language: input.string(35).min(2, 'must be a language code'),
  countryCode: input.string(2).regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
})
