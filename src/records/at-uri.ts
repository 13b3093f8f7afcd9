/**
 * The parts of an AT URI (`at://<did>/<collection>/<rkey>`), read without parsing or validating
 * it: for URIs Magpie stored or built itself. A URI from outside is checked where it comes in
 * (XRPC parameters, lexicon validation of records).
 */

const POST = 'app.bsky.feed.post'

/** The repo a URI points into ('' for an empty string). */
export function didOfUri(uri: string): string {
  return uri.slice('at://'.length).split('/')[0] ?? ''
}

/** The collection a URI names, or undefined when it is no `at://` URI. */
export function collectionOfUri(uri: string): string | undefined {
  return uri.startsWith('at://') ? uri.slice('at://'.length).split('/')[1] : undefined
}

export function isPostUri(uri: string): boolean {
  return collectionOfUri(uri) === POST
}

