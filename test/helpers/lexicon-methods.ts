import { lexicons } from '@atproto/api'

/** The NSIDs of every query and procedure in @atproto/api's lexicons, sorted. */
export function lexiconMethods(): string[] {
  const nsids: string[] = []
  for (const doc of lexicons.docs.values()) {
    const type = doc.defs.main?.type
    if (type === 'query' || type === 'procedure') nsids.push(doc.id)
  }
  return nsids.sort()
}
