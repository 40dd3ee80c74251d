/**
 * The baseline: a minimal hand-written client on `undici`, the yardstick the SDK is measured against.
 *
 * It sends the same requests with the same headers (`Authorization: Bearer`, `Accept: application/json`,
 * the same `User-Agent`), parses JSON with `JSON.parse` and no validation, builds the same multipart
 * bodies for the S3 presigned POST (fields verbatim and in order, the file last, an exact
 * `Content-Length`), and uses one keep-alive `undici.Agent` as `NodeHttpClient.layerUndici` does. It has
 * no retries, no timeouts, no spans: what is left is the cost of the wire.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { createReadStream } from "node:fs"
import { open } from "node:fs/promises"
import { Readable } from "node:stream"
import { Agent } from "undici"

/**
 * What the baseline needs to know: the API base URL (with or without `/api/v1`), the key, the user agent.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly baseUrl: string
  readonly apiKey: string
  readonly workspace: string
  readonly userAgent: string
}

/**
 * A page of `getFiles`, as the wire has it.
 *
 * @since 0.1.0
 */
export interface FilesPage {
  readonly data: ReadonlyArray<{ readonly name: string; readonly file_ingestion_id?: string }>
  readonly has_more: boolean
  readonly total: number
}

/**
 * A session as `create` answers it, as the wire has it.
 *
 * @since 0.1.0
 */
export interface CreatedSession {
  readonly session_id: string
  readonly aws_prefixed_request_config: { readonly url: string; readonly fields: Readonly<Record<string, string>> }
}

/**
 * A file to upload: a name and either bytes in memory or a path on disk (its size is taken when it is
 * opened). Names are plain ASCII here, so the form needs none of the escaping the SDK does for `"`, CR
 * and LF: the bytes on the wire are the same.
 *
 * @since 0.1.0
 */
export type UploadFile =
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly path: string }

/**
 * The bytes of a presigned POST's form around every file: the policy fields verbatim and in order, then
 * the file part up to the opening quote of its `filename="`; after the file, the closing delimiter.
 *
 * @since 0.1.0
 */
export interface FormBytes {
  readonly contentType: string
  readonly preamble: Buffer
  readonly epilogue: Buffer
}

interface Form extends FormBytes {
  readonly origin: string
  readonly path: string
}

const CRLF = "\r\n"

/**
 * Encodes a form's fields once, with a fresh boundary.
 *
 * @since 0.1.0
 */
export const formBytes = (fields: Readonly<Record<string, string>>): FormBytes => {
  const boundary = `----effect-deepset-${randomBytes(24).toString("hex")}`
  let preamble = ""
  for (const [name, value] of Object.entries(fields)) {
    preamble += `--${boundary}${CRLF}Content-Disposition: form-data; name="${name}"${CRLF}${CRLF}${value}${CRLF}`
  }
  preamble += `--${boundary}${CRLF}Content-Disposition: form-data; name="file"; filename="`
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    preamble: Buffer.from(preamble),
    epilogue: Buffer.from(`${CRLF}--${boundary}--${CRLF}`)
  }
}

/**
 * A file's part header, after the preamble: its name, closing the `filename="` quote, and its type.
 *
 * @since 0.1.0
 */
export const partHeader = (name: string): string =>
  `${name}"${CRLF}Content-Type: application/octet-stream${CRLF}${CRLF}`

/** The same chunk size the SDK streams files with, so both sides make the same writes. */
const chunkSize = 2 * 1024 * 1024

/** Files up to this size are sent as one buffer, as the SDK does. */
const bufferedLimit = 256 * 1024

/**
 * The baseline client.
 *
 * @since 0.1.0
 */
export class Client {
  readonly agent = new Agent()
  private readonly origin: string
  private readonly prefix: string
  private readonly headers: Record<string, string>

  constructor(readonly options: Options) {
    const url = new URL(options.baseUrl)
    this.origin = url.origin
    const path = url.pathname.replace(/\/+$/, "")
    this.prefix = path.endsWith("/api/v1") ? path : `${path}/api/v1`
    this.headers = {
      authorization: `Bearer ${options.apiKey}`,
      accept: "application/json",
      "user-agent": options.userAgent
    }
  }

  private sessionsPath(): string {
    return `${this.prefix}/workspaces/${encodeURIComponent(this.options.workspace)}/upload_sessions`
  }

  private async json<A>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<A> {
    const response = await this.agent.request({
      origin: this.origin,
      path,
      method,
      headers: body === undefined ? this.headers : { ...this.headers, "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body)
    })
    const text = await response.body.text()
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${method} ${path}: ${response.statusCode} ${text.slice(0, 200)}`)
    }
    return (text.length === 0 ? undefined : JSON.parse(text)) as A
  }

  /** `POST …/upload_sessions`. */
  create(writeMode: "KEEP" | "OVERWRITE" | "FAIL" = "KEEP"): Promise<CreatedSession> {
    return this.json("POST", this.sessionsPath(), { write_mode: writeMode })
  }

  /** `PUT …/upload_sessions/{id}` with `{"status":"closed"}`. */
  close(sessionId: string): Promise<void> {
    return this.json("PUT", `${this.sessionsPath()}/${encodeURIComponent(sessionId)}`, { status: "closed" })
  }

  /** `GET …/upload_sessions/{id}`. */
  getStatus(sessionId: string): Promise<unknown> {
    return this.json("GET", `${this.sessionsPath()}/${encodeURIComponent(sessionId)}`)
  }

  /** `GET …/upload_sessions/{id}/files` with a forward cursor. */
  getFiles(sessionId: string, limit: number, after: string | undefined): Promise<FilesPage> {
    const query = after === undefined ? `limit=${limit}` : `after=${encodeURIComponent(after)}&limit=${limit}`
    return this.json("GET", `${this.sessionsPath()}/${encodeURIComponent(sessionId)}/files?${query}`)
  }

  /** Every file of a session, forward, one page at a time; nothing is kept beyond the current page. */
  async *streamFiles(sessionId: string, pageSize: number): AsyncGenerator<FilesPage["data"][number]> {
    let after: string | undefined = undefined
    let pageNumber = 1
    for (;;) {
      const page: FilesPage = after === undefined && pageNumber > 1
        ? await this.json(
          "GET",
          `${this.sessionsPath()}/${encodeURIComponent(sessionId)}/files?limit=${pageSize}&page_number=${pageNumber}`
        )
        : await this.getFiles(sessionId, pageSize, after)
      yield* page.data
      if (!page.has_more || page.data.length === 0) return
      after = page.data[page.data.length - 1]!.file_ingestion_id
      pageNumber++
    }
  }

  /**
   * One S3 presigned POST: the policy fields verbatim and in order, then the file, named `file`, last. The
   * fields are encoded once per session, as the SDK does; a small file is read into one buffer with its
   * envelope, a large one is streamed in chunks of the SDK's read size.
   */
  async upload(session: CreatedSession, file: UploadFile): Promise<void> {
    const form = this.form(session)
    const head = Buffer.concat([
      form.preamble,
      Buffer.from(partHeader(file.name))
    ])
    let body: Buffer | Readable
    let size: number
    if ("bytes" in file) {
      size = file.bytes.length
      body = Buffer.concat([head, file.bytes, form.epilogue])
    } else {
      const handle = await open(file.path, "r")
      try {
        size = (await handle.stat()).size
        if (size <= bufferedLimit) {
          const buffer = Buffer.allocUnsafe(head.length + size + form.epilogue.length)
          head.copy(buffer, 0)
          await handle.read(buffer, head.length, size, 0)
          form.epilogue.copy(buffer, head.length + size)
          body = buffer
        } else {
          body = Readable.from(framed(head, file.path, form.epilogue), { objectMode: false })
        }
      } finally {
        await handle.close()
      }
    }
    const response = await this.agent.request({
      origin: form.origin,
      path: form.path,
      method: "POST",
      headers: {
        "content-type": form.contentType,
        "content-length": String(head.length + size + form.epilogue.length)
      },
      body
    })
    const text = await response.body.text()
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`S3 POST ${file.name}: ${response.statusCode} ${text.slice(0, 200)}`)
    }
  }

  private readonly forms = new WeakMap<CreatedSession, Form>()

  private form(session: CreatedSession): Form {
    let form = this.forms.get(session)
    if (form === undefined) {
      const { fields, url } = session.aws_prefixed_request_config
      const target = new URL(url)
      form = { ...formBytes(fields), origin: target.origin, path: target.pathname + target.search }
      this.forms.set(session, form)
    }
    return form
  }

  /** Closes the keep-alive connections. */
  destroy(): Promise<void> {
    return this.agent.destroy()
  }
}

async function* framed(head: Buffer, path: string, tail: Buffer): AsyncGenerator<Buffer> {
  yield head
  for await (const chunk of createReadStream(path, { highWaterMark: chunkSize })) {
    yield chunk as Buffer
  }
  yield tail
}

/**
 * Runs `task` over `items` with at most `concurrency` in flight, in order of `items`.
 *
 * @since 0.1.0
 */
export const forEachConcurrent = async <A>(
  items: ReadonlyArray<A>,
  concurrency: number,
  task: (item: A) => Promise<void>
): Promise<void> => {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!
      await task(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}
