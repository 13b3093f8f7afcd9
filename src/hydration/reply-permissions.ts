import type { DataPlane, StoredRecord } from '#/dataplane/index.js'
import { mentionedDids } from '#/records/post-record.js'
import type { ReplyRestriction } from '#/records/gates.js'

/**
 * Whether accounts may reply in gated threads: the mention rule is answered from the root
 * post, the follower/following/list rules with two batched lookups for every check of a page.
 * (The reference AppView decides this once, when a reply is indexed; Magpie decides it when
 * reading, with the follows and lists of now, for replies made after the gate.)
 */

export interface ReplyCheck {
  did: string
  /** The thread's root post. */
  root: string
}

export const replyKey = (did: string, root: string) => `${did} ${root}`

/** `"<did> <root>"` → may reply, for every check whose thread restricts replies. */
export async function loadReplyPermissions(
  dataplane: DataPlane,
  checks: ReplyCheck[],
  restrictions: Map<string, ReplyRestriction>,
  roots: Map<string, StoredRecord | null>,
): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>()
  const open: { key: string; did: string; rule: ReplyRestriction }[] = []
  const pending = new Set<string>()
  const mentions = new Map<string, Set<string>>()
  for (const { did, root } of checks) {
    const rule = restrictions.get(root)
    const key = replyKey(did, root)
    if (!rule || out.has(key) || pending.has(key)) continue
    if (did === rule.owner) {
      out.set(key, true)
      continue
    }
    if (rule.mention) {
      if (!mentions.has(root)) mentions.set(root, mentionedDids(roots.get(root)))
      if (mentions.get(root)!.has(did)) {
        out.set(key, true)
        continue
      }
    }
    pending.add(key)
    open.push({ key, did, rule })
  }
  if (open.length === 0) return out
  const follows: [string, string][] = []
  const members: [string, string][] = []
  for (const { did, rule } of open) {
    if (rule.follower) follows.push([did, rule.owner])
    if (rule.following) follows.push([rule.owner, did])
    for (const list of rule.lists) members.push([list, did])
  }
  const [followPairs, memberPairs] = await Promise.all([
    follows.length ? dataplane.getFollowPairs(follows) : new Set<string>(),
    members.length ? dataplane.getListMemberships(members) : new Set<string>(),
  ])
  for (const { key, did, rule } of open) {
    const allowed =
      (rule.follower && followPairs.has(`${did} ${rule.owner}`)) ||
      (rule.following && followPairs.has(`${rule.owner} ${did}`)) ||
      rule.lists.some((list) => memberPairs.has(`${list} ${did}`))
    out.set(key, allowed)
  }
  return out
}
