/**
 * Making file names safe for the S3 key that a presigned POST builds from `${filename}`.
 *
 * @internal
 */
import * as Either from "effect/Either"

/**
 * The longest safe name, in UTF-8 bytes. S3 keys hold at most 1 024 bytes; the session's prefix
 * (`<org>/<workspace>/<session>/`) takes about 120 of them and a `.meta.json` companion adds 10 more,
 * so 255 (the usual file-system limit) leaves room and matches what users' disks allow anyway.
 */
export const maxNameBytes = 255

/** The suffix that marks a metadata companion of a document. */
export const metaSuffix = ".meta.json"

// Characters that S3 keys or URLs mangle (API.md), C0 and C1 control characters, and lone surrogates,
// which UTF-8 cannot carry and TextEncoder would silently turn into U+FFFD. Matching control characters is the
// point here, hence the exception to the lint rule.
const unsafe =
  // eslint-disable-next-line no-control-regex
  /[\\#%"'|<>{}`^[\]~\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const encoder = new TextEncoder()

/** The last segment of a path; both `/` and `\` count as separators so no traversal reaches the key. */
export const baseName = (name: string): string => {
  const slash = Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\"))
  return slash === -1 ? name : name.slice(slash + 1)
}

/**
 * The safe name for an input name, or why there is none. The name is NFC-normalised (so two spellings
 * of "é" cannot become two keys that look the same), reduced to its base name, and every unsafe
 * character becomes `_`.
 */
export const safeName = (name: string): Either.Either<string, string> => {
  const base = baseName(name.normalize("NFC"))
  if (base.length === 0) {
    return Either.left(name.length === 0 ? "the name is empty" : "the name has no base name (it ends in a separator)")
  }
  if (base === "." || base === "..") {
    return Either.left(`"${base}" names a directory, not a file`)
  }
  const safe = base.replace(unsafe, "_")
  const bytes = encoder.encode(safe).length
  if (bytes > maxNameBytes) {
    return Either.left(`the name is ${bytes} bytes long in UTF-8; at most ${maxNameBytes} are allowed`)
  }
  return Either.right(safe)
}

/** The name of the metadata companion of a document. */
export const metaName = (name: string): string => name + metaSuffix

/** Whether a name is a metadata companion's. */
export const isMetaName = (name: string): boolean => name.endsWith(metaSuffix) && name.length > metaSuffix.length

// encodeURIComponent leaves these five alone; Python's `quote(name, safe="")` encodes them.
const subDelims = /[!'()*]/g

/**
 * The name as it goes into the multipart `filename`: percent-encoded exactly as deepset's official
 * Python client sends it (aiohttp's `FormData(quote_fields=True)`, that is `urllib.parse.quote(name,
 * safe="")` on UTF-8), so that the service, which decodes the S3 key's last segment, shows the same
 * document name for either client. Only `A-Z a-z 0-9 _ . - ~` stay as they are, so `;`, `,`, `"` and
 * line breaks never reach a store's `Content-Disposition` parser. Takes a safe name (no lone surrogate).
 */
export const wireName = (name: string): string =>
  encodeURIComponent(name).replace(subDelims, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
