/**
 * A `multipart/form-data` body for an S3 presigned POST, built by hand so that it can stream a file of
 * any size with an exact `Content-Length`: the policy fields verbatim and in order, then the file as the
 * last part, named `file`.
 *
 * The bytes before the file name and after the file's content are the same for every file of a session,
 * so they are encoded once per session (`make`); per file only the short part header is encoded.
 *
 * @internal
 */

import * as Stream from "effect/Stream"
import { wireName } from "./fileName.js"

const encoder = new TextEncoder()

const CRLF = "\r\n"

/** The form of one session: everything but the file's own part header and content. */
export interface Form {
  readonly boundary: string
  readonly contentType: string
  /** The field parts and the start of the file part, up to the opening quote of `filename="`. */
  readonly preamble: Uint8Array
  /** The end of the file part and the closing delimiter. */
  readonly epilogue: Uint8Array
}

/** The bytes around one file's content. */
export interface Envelope {
  /** The preamble plus this file's name and part headers. */
  readonly head: ReadonlyArray<Uint8Array>
  readonly headLength: number
  readonly tail: Uint8Array
  readonly contentType: string
}

// WHATWG's multipart/form-data encoding of field names: CR, LF and `"` are percent-encoded.
const escapeName = (name: string): string =>
  name.replace(/[\r\n"]/g, (c) => c === "\r" ? "%0D" : c === "\n" ? "%0A" : "%22")

/** A boundary that no file content is likely to hold: 24 random bytes in hex. */
export const randomBoundary = (): string => {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(24))
  let hex = ""
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0")
  return `----effect-deepset-${hex}`
}

/** Encodes the parts shared by every file of a session. */
export const make = (fields: Readonly<Record<string, string>>, boundary: string = randomBoundary()): Form => {
  let preamble = ""
  for (const [name, value] of Object.entries(fields)) {
    preamble += `--${boundary}${CRLF}Content-Disposition: form-data; name="${
      escapeName(name)
    }"${CRLF}${CRLF}${value}${CRLF}`
  }
  preamble += `--${boundary}${CRLF}Content-Disposition: form-data; name="file"; filename="`
  return {
    boundary,
    contentType: `multipart/form-data; boundary=${boundary}`,
    preamble: encoder.encode(preamble),
    epilogue: encoder.encode(`${CRLF}--${boundary}--${CRLF}`)
  }
}

/** The envelope of one file in a session's form; the name is sent percent-encoded (`wireName`). */
export const envelope = (form: Form, fileName: string): Envelope => {
  const header = encoder.encode(`${wireName(fileName)}"${CRLF}Content-Type: application/octet-stream${CRLF}${CRLF}`)
  return {
    head: [form.preamble, header],
    headLength: form.preamble.length + header.length,
    tail: form.epilogue,
    contentType: form.contentType
  }
}

/** The exact `Content-Length` of a file of `size` bytes in this envelope. */
export const contentLength = (envelope: Envelope, size: number): number =>
  envelope.headLength + size + envelope.tail.length

/**
 * One buffer holding the whole body, with `size` bytes left for the content at `contentOffset`;
 * for small contents, one write beats a stream of four chunks.
 */
export const allocate = (
  envelope: Envelope,
  size: number
): { readonly buffer: Uint8Array; readonly contentOffset: number } => {
  const buffer = new Uint8Array(contentLength(envelope, size))
  let offset = 0
  for (const part of envelope.head) {
    buffer.set(part, offset)
    offset += part.length
  }
  buffer.set(envelope.tail, offset + size)
  return { buffer, contentOffset: offset }
}

/** The whole body for content already in memory. */
export const concat = (envelope: Envelope, content: Uint8Array): Uint8Array => {
  const { buffer, contentOffset } = allocate(envelope, content.length)
  buffer.set(content, contentOffset)
  return buffer
}

/** The whole body as a stream around streamed content of a known size. */
export const stream = <E>(envelope: Envelope, content: Stream.Stream<Uint8Array, E>): Stream.Stream<Uint8Array, E> =>
  Stream.fromIterable(envelope.head).pipe(Stream.concat(content), Stream.concat(Stream.succeed(envelope.tail)))
