import type { RecordDocument, RecordFamily, RecordInput } from '#/indexing/family.js'
import { extractLinks, linkKey, linkPlace, type ExtractedLinks } from '#/indexing/links.js'

/**
 * The document a record is written as: its family's transform, plus the links it holds
 * (`linksTo`, and their places `linkPlaces`; see links.ts) for every family alike. Shared by
 * the writer and `magpie reindex`, which derives the documents again from what `_source` kept.
 */
export function recordDocument(family: RecordFamily, input: RecordInput): { doc: RecordDocument; bounded?: ExtractedLinks['bounded'] } {
  const doc = family.transform(input)
  // In doc values only (not in _source): a hit's URI without reading its stored id (dataplane/ids-from-values.ts).
  doc.rkey = input.rkey
  const { links, bounded } = extractLinks(input.record)
  if (links.length > 0) {
    doc.linksTo = links.map((link) => linkKey(link.subject, input.collection, link.path))
    doc.linkPlaces = [...new Set(links.map((link) => linkPlace(input.collection, link.path)))]
  }
  return bounded ? { doc, bounded } : { doc }
}
