/**
 * The document name of an S3 key's name part. Clients percent-encode the multipart `filename` (the
 * official Python client through aiohttp, `quote(name, safe="")`), so the service decodes it; this
 * decodes as Python's `urllib.parse.unquote` does, which the service is written in: each run of
 * `%XX` escapes becomes its UTF-8 text (bytes that are not UTF-8 become U+FFFD), a `%` that starts no
 * escape stays, and `+` stays `+`. A name sent raw (no `%`) is its own document name.
 *
 * @internal
 */
const escapes = /(?:%[0-9A-Fa-f]{2})+/g

/** @internal */
export const documentName = (keyName: string): string =>
  keyName.includes("%")
    ? keyName.replace(escapes, (run) => Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8"))
    : keyName
