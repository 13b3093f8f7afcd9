import type { ReferenceNetwork } from '#devnet/reference-network.js'

/**
 * The network's moderation service (dev-env's Ozone) at work in the parity scenario: labels and
 * takedowns are made through Ozone's own API, so they reach Magpie the real way (Ozone's
 * com.atproto.label.subscribeLabels). The reference AppView has no label ingester in dev-env
 * (production runs one beside it), so its label table is filled from Ozone's labels here, as
 * that ingester would: a label is added, a negation removes it.
 */

export type ModerationSubject = { uri: string; cid: string } | { did: string }

export async function labelSubject(net: ReferenceNetwork, subject: ModerationSubject, vals: string[]): Promise<void> {
  await net.network.ozone.getModClient().emitEvent({
    event: { $type: 'tools.ozone.moderation.defs#modEventLabel', createLabelVals: vals, negateLabelVals: [] },
    subject: subjectRef(subject),
  })
  await net.processAll()
}

/** Ozone labels the subject !takedown and tells the AppView and the PDS. */
export async function takedownSubject(net: ReferenceNetwork, subject: ModerationSubject): Promise<void> {
  await net.network.ozone.getModClient().performTakedown({ subject: subjectRef(subject) })
  await net.processAll()
}

/** What the reference AppView's label ingester would have written by now. */
export async function mirrorLabelsToReference(net: ReferenceNetwork): Promise<void> {
  const ozoneDb = (net.network.ozone.ctx.db as any).db
  const bskyDb = (net.network.bsky.db as any).db
  const rows: { src: string; uri: string; cid: string; val: string; neg: boolean; cts: string; exp: string | null }[] =
    await ozoneDb.selectFrom('label').select(['src', 'uri', 'cid', 'val', 'neg', 'cts', 'exp']).orderBy('id', 'asc').execute()
  for (const row of rows) {
    const key = (qb: any) => qb.where('src', '=', row.src).where('uri', '=', row.uri).where('cid', '=', row.cid).where('val', '=', row.val)
    await key(bskyDb.deleteFrom('label')).execute()
    if (!row.neg) await bskyDb.insertInto('label').values({ ...row, neg: false }).execute()
  }
}

function subjectRef(subject: ModerationSubject) {
  return 'did' in subject
    ? { $type: 'com.atproto.admin.defs#repoRef', did: subject.did }
    : { $type: 'com.atproto.repo.strongRef', uri: subject.uri, cid: subject.cid }
}
