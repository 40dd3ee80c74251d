/**
 * A streaming `multipart/form-data` parser for the S3 endpoint: bytes in, parts out, no Effect
 * machinery per part. The platform's `multipartStream` runs every part through its own `Stream`
 * and costs about 2 ms of CPU per presigned POST, twenty times what the rest of the request
 * costs; this parser is plain code over `Buffer.indexOf`, fed one network chunk at a time.
 *
 * It reads forms the way multipasta (the platform's parser) does: a part is a file when it has a
 * filename or is `application/octet-stream`, its name is the filename (else the field name),
 * `filename*` (RFC 5987) wins over `filename`, quoted values are taken verbatim (clients
 * percent-encode quotes in filenames rather than escape them). Fields are UTF-8 text.
 *
 * @internal
 */
export interface FileInfo {
  /** The form field the part belongs to (`file` in a presigned POST). */
  readonly field: string
  /** The filename, or the field name when the part has none. */
  readonly name: string
  readonly contentType: string
}

/** What one chunk of the body produced, in order. @internal */
export type Event =
  | { readonly _tag: "Field"; readonly name: string; readonly value: string }
  | { readonly _tag: "FileStart"; readonly info: FileInfo }
  | { readonly _tag: "FileData"; readonly chunk: Uint8Array }
  | { readonly _tag: "FileEnd" }

/**
 * Why a body cannot be read: not multipart (`Malformed`), or more than `maxPreData` bytes of
 * fields before the first file (S3's `MaxPostPreDataLengthExceeded`).
 *
 * @internal
 */
export type Failure = "Malformed" | "PreDataTooLarge"

/** Part headers longer than this are refused, as multipasta does. */
const maxHeaderBytes = 16 * 1024

const CR = 13
const LF = 10
const DASH = 45
const empty = Buffer.alloc(0)
const headerEnd = Buffer.from("\r\n\r\n")

/**
 * The boundary of a `multipart/form-data` content type, or `undefined`.
 *
 * @internal
 */
export const boundaryOf = (contentType: string | undefined): string | undefined => {
  if (contentType === undefined) return undefined
  const semicolon = contentType.indexOf(";")
  if (semicolon === -1 || contentType.slice(0, semicolon).trim().toLowerCase() !== "multipart/form-data") {
    return undefined
  }
  const boundary = parameters(contentType.slice(semicolon)).get("boundary")
  // RFC 2046: 1 to 70 characters.
  return boundary !== undefined && boundary.length > 0 && boundary.length <= 70 ? boundary : undefined
}

/** `; key=value; key="quoted value"` as a map with lowercase keys; values are kept verbatim. */
const parameters = (text: string): Map<string, string> => {
  const out = new Map<string, string>()
  let i = 0
  while (i < text.length) {
    while (i < text.length && (text[i] === ";" || text[i] === " " || text[i] === "\t")) i++
    const equals = text.indexOf("=", i)
    if (equals === -1) break
    const key = text.slice(i, equals).trim().toLowerCase()
    i = equals + 1
    let value: string
    if (text[i] === "\"") {
      // Up to the closing quote; a backslash keeps the next character inside the value.
      let end = i + 1
      while (end < text.length && text[end] !== "\"") end += text[end] === "\\" ? 2 : 1
      value = text.slice(i + 1, Math.min(end, text.length))
      i = end + 1
    } else {
      const end = text.indexOf(";", i)
      value = text.slice(i, end === -1 ? text.length : end).trim()
      i = end === -1 ? text.length : end
    }
    if (key.length > 0 && !out.has(key)) out.set(key, value)
  }
  return out
}

const decodeExtended = (value: string): string | undefined => {
  const quote = value.indexOf("''")
  if (quote === -1) return undefined
  try {
    return decodeURIComponent(value.slice(quote + 2))
  } catch {
    return undefined
  }
}

/** The part's disposition and type, or `undefined` when its headers do not parse. */
const partHeaders = (block: string) => {
  let disposition: string | undefined
  let contentType = ""
  for (const line of block.split("\r\n")) {
    if (line.length === 0) continue
    const colon = line.indexOf(":")
    if (colon <= 0) return undefined
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === "content-disposition") disposition = value
    else if (name === "content-type") contentType = value.split(";")[0]!.trim().toLowerCase()
  }
  if (disposition === undefined) return undefined
  const semicolon = disposition.indexOf(";")
  if (semicolon === -1 || disposition.slice(0, semicolon).trim().toLowerCase() !== "form-data") return undefined
  const params = parameters(disposition.slice(semicolon))
  const field = params.get("name")
  if (field === undefined) return undefined
  const extended = params.get("filename*")
  const filename = (extended === undefined ? undefined : decodeExtended(extended)) ?? params.get("filename")
  return { field, filename, contentType }
}

const enum State {
  /** Before the first delimiter: ignored. */
  Preamble,
  /** After a delimiter: `--` ends the form, otherwise CRLF and the part's headers follow. */
  Headers,
  /** A part's content, up to the next delimiter. */
  Body,
  /** After the closing delimiter: ignored. */
  Done
}

/**
 * The parser: `write` each chunk of the body as it arrives, then `end`. Each call answers the
 * events of that chunk; a `Failure` is final, and later calls answer nothing. Events and fields
 * are views of the chunks written (no copies), so a chunk must not change once written.
 *
 * @internal
 */
export class FormParser {
  private state = State.Preamble
  /** `CRLF--boundary`; the first one may come without its CRLF, at the very start of the body. */
  private readonly delimiter: Buffer
  /** Bytes that may begin a delimiter (in `Preamble`/`Body`) or the unfinished headers (in `Headers`). */
  private pending: Buffer = empty
  /** Nothing read yet: the first delimiter may lack its CRLF. */
  private atStart = true
  private isFile = false
  private fieldName = ""
  /** The field's content so far: views of the chunks written, which the caller must not reuse. */
  private fieldChunks: Array<Buffer> = []
  private preData = 0
  private filesSeen = 0
  failure: Failure | undefined = undefined

  constructor(boundary: string, private readonly maxPreData: number) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1")
  }

  /** True once the closing delimiter has been read. */
  get complete(): boolean {
    return this.state === State.Done
  }

  write(chunk: Uint8Array): ReadonlyArray<Event> {
    const events: Array<Event> = []
    if (this.failure !== undefined || this.state === State.Done || chunk.length === 0) return events
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    let data = this.pending.length === 0 ? incoming : Buffer.concat([this.pending, incoming])
    this.pending = empty
    let position = 0
    if (this.atStart) {
      if (data.length < this.delimiter.length - 2 && this.delimiter.subarray(2).subarray(0, data.length).equals(data)) {
        // Too short to tell whether the body opens with the first delimiter.
        this.pending = Buffer.from(data)
        return events
      }
      this.atStart = false
      if (data.subarray(0, this.delimiter.length - 2).equals(this.delimiter.subarray(2))) {
        this.state = State.Headers
        position = this.delimiter.length - 2
      }
    }
    while (position < data.length && this.failure === undefined) {
      switch (this.state) {
        case State.Preamble:
        case State.Body: {
          const found = data.indexOf(this.delimiter, position)
          if (found === -1) {
            const keep = this.partialDelimiter(data, position)
            this.content(data.subarray(position, data.length - keep), events)
            this.pending = Buffer.from(data.subarray(data.length - keep))
            position = data.length
          } else {
            this.content(data.subarray(position, found), events)
            this.endPart(events)
            this.state = State.Headers
            position = found + this.delimiter.length
          }
          break
        }
        case State.Headers: {
          const rest = data.subarray(position)
          if (rest.length < 2) {
            this.pending = Buffer.from(rest)
            position = data.length
            break
          }
          if (rest[0] === DASH && rest[1] === DASH) {
            this.state = State.Done
            position = data.length
            break
          }
          if (rest[0] !== CR || rest[1] !== LF) {
            this.failure = "Malformed"
            break
          }
          const end = rest.indexOf(headerEnd)
          if (end === -1) {
            if (rest.length > maxHeaderBytes) this.failure = "Malformed"
            else this.pending = Buffer.from(rest)
            position = data.length
            break
          }
          if (end > maxHeaderBytes) {
            this.failure = "Malformed"
            break
          }
          this.startPart(rest.subarray(2, end).toString("utf8"), events)
          // Whatever follows the headers is content: go on with it as a fresh buffer.
          data = rest
          position = end + headerEnd.length
          break
        }
        case State.Done:
          position = data.length
          break
      }
    }
    return this.failure === undefined ? events : []
  }

  /** The end of the body: anything but a closed form is malformed. */
  end(): ReadonlyArray<Event> {
    if (this.failure === undefined && this.state !== State.Done) this.failure = "Malformed"
    return []
  }

  /** How many bytes at the end of `data` (from `from`) could be the start of a delimiter. */
  private partialDelimiter(data: Buffer, from: number): number {
    const start = Math.max(from, data.length - this.delimiter.length + 1)
    for (let i = data.indexOf(CR, start); i !== -1; i = data.indexOf(CR, i + 1)) {
      if (this.delimiter.subarray(0, data.length - i).equals(data.subarray(i))) return data.length - i
    }
    return 0
  }

  private content(bytes: Buffer, events: Array<Event>): void {
    if (bytes.length === 0 || this.state === State.Preamble) return
    if (this.isFile) {
      events.push({ _tag: "FileData", chunk: bytes })
      return
    }
    if (this.filesSeen === 0) {
      this.preData += bytes.length
      if (this.preData > this.maxPreData) {
        this.failure = "PreDataTooLarge"
        return
      }
    }
    this.fieldChunks.push(bytes)
  }

  private startPart(block: string, events: Array<Event>): void {
    const headers = partHeaders(block)
    if (headers === undefined) {
      this.failure = "Malformed"
      return
    }
    this.state = State.Body
    this.isFile = headers.filename !== undefined || headers.contentType === "application/octet-stream"
    if (this.isFile) {
      this.filesSeen++
      events.push({
        _tag: "FileStart",
        info: {
          field: headers.field,
          name: headers.filename ?? headers.field,
          contentType: headers.contentType === "" ? "application/octet-stream" : headers.contentType
        }
      })
    } else {
      this.fieldName = headers.field
      this.fieldChunks = []
    }
  }

  private endPart(events: Array<Event>): void {
    if (this.state !== State.Body) return
    if (this.isFile) {
      events.push({ _tag: "FileEnd" })
    } else {
      const chunks = this.fieldChunks
      const value = chunks.length === 0
        ? ""
        : chunks.length === 1
        ? chunks[0]!.toString("utf8")
        : Buffer.concat(chunks).toString("utf8")
      events.push({ _tag: "Field", name: this.fieldName, value })
      this.fieldChunks = []
    }
  }
}
