import { z } from 'zod'
import { input } from '#/api/xrpc/inputs.js'

/**
 * The body registerPush and unregisterPush share: which push service, device token, platform and
 * app. The platforms are the lexicon's known values, the only ones a push service delivers to.
 */
export const pushRegistrationInput = z.object({
  serviceDid: input.did(),
  token: input.string(4096).min(1, 'must not be empty'),
  platform: z.enum(['ios', 'android', 'web'], { errorMap: () => ({ message: 'must be one of ios, android, web' }) }),
  appId: input.string(256).min(1, 'must not be empty'),
})
