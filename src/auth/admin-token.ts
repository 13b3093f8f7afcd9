import { createHash, timingSafeEqual } from 'node:crypto'
import { bearerToken } from '#/auth/service-auth.js'

/**
 * The operator's bearer token (MAGPIE_ADMIN_TOKEN), for what only the operator may see. Compared
 * in constant time (as digests, so not even the length shows); with no token configured, no
 * request is an admin's.
 */

export type AdminCheck = 'anonymous' | 'admin' | 'wrong-token' | 'not-configured'

export function adminTokenChecker(configured: string | undefined): (authorization: string | undefined) => AdminCheck {
  const expected = configured ? digest(configured) : undefined
  return (authorization) => {
    if (!authorization) return 'anonymous'
    if (!expected) return 'not-configured'
    const sent = bearerToken(authorization)
    return sent !== undefined && timingSafeEqual(digest(sent), expected) ? 'admin' : 'wrong-token'
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest()
