import * as Effect from "effect/Effect"
import type { Emulator } from "../src/index.js"

/**
 * Plain-HTTP helpers for the emulator's own tests: global fetch only, no SDK, so that the emulator
 * is checked against the contract rather than against a client that might share its mistakes.
 */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

export const json = <A = unknown>(reply: { readonly text: string }): A => JSON.parse(reply.text) as A

export const request = (url: string, init?: RequestInit): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, headers: response.headers, text: await response.text() }
  })

/** A request whose failure (reset, abort, cut body) is expected and returned. */
export const attempt = (url: string, init?: RequestInit): Effect.Effect<Reply, unknown> =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, init)
      return { status: response.status, headers: response.headers, text: await response.text() }
    },
    catch: (error) => error
  })

export interface ApiOptions {
  readonly method?: string
  readonly body?: unknown
  readonly rawBody?: string
  readonly contentType?: string
  readonly authorization?: string | null
  readonly query?: string
}

export const sessionsPath = (workspace: string) => `/api/v1/workspaces/${encodeURIComponent(workspace)}/upload_sessions`

export const api = (emulator: Emulator.Handle, path: string, options: ApiOptions = {}) => {
  const headers: Record<string, string> = { accept: "application/json" }
  if (options.authorization !== null) headers.authorization = options.authorization ?? `Bearer ${emulator.apiKey}`
  let body: string | undefined
  if (options.rawBody !== undefined) body = options.rawBody
  else if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json"
  const query = options.query === undefined ? "" : `?${options.query}`
  return request(`${emulator.apiUrl}${path}${query}`, {
    method: options.method ?? "GET",
    headers,
    ...(body === undefined ? {} : { body })
  })
}

export interface CreatedSession {
  readonly session_id: string
  readonly expires_at: string
  readonly aws_prefixed_request_config: { readonly url: string; readonly fields: Record<string, string> }
}

export const createSession = (emulator: Emulator.Handle, workspace = "default", writeMode?: string) =>
  Effect.map(
    api(emulator, sessionsPath(workspace), {
      method: "POST",
      body: writeMode === undefined ? {} : { write_mode: writeMode }
    }),
    (reply) => {
      if (reply.status !== 201) throw new Error(`create answered ${reply.status}: ${reply.text}`)
      return json<CreatedSession>(reply)
    }
  )

export const closeSession = (emulator: Emulator.Handle, sessionId: string, workspace = "default") =>
  api(emulator, `${sessionsPath(workspace)}/${sessionId}`, { method: "PUT", body: { status: "closed" } })

export interface UploadOptions {
  /** Fields to use instead of the session's (after overrides). */
  readonly fields?: Record<string, string>
  /** Extra fields appended after the session's. */
  readonly extra?: Record<string, string>
  /** Fields appended after the file part. */
  readonly trailing?: Record<string, string>
  readonly headers?: Record<string, string>
  readonly url?: string
  readonly fileField?: string
}

/** A presigned POST as a client sends it: every field verbatim, then the file last. */
export const uploadForm = (
  session: CreatedSession,
  name: string,
  content: string | Uint8Array<ArrayBuffer>,
  options: UploadOptions = {}
): FormData => {
  const form = new FormData()
  for (const [field, value] of Object.entries(options.fields ?? session.aws_prefixed_request_config.fields)) {
    form.append(field, value)
  }
  for (const [field, value] of Object.entries(options.extra ?? {})) form.append(field, value)
  form.append(options.fileField ?? "file", new Blob([content]), name)
  for (const [field, value] of Object.entries(options.trailing ?? {})) form.append(field, value)
  return form
}

export const upload = (
  session: CreatedSession,
  name: string,
  content: string | Uint8Array<ArrayBuffer>,
  options: UploadOptions = {}
) =>
  request(options.url ?? session.aws_prefixed_request_config.url, {
    method: "POST",
    body: uploadForm(session, name, content, options),
    ...(options.headers === undefined ? {} : { headers: options.headers })
  })

/** The `<Code>` of an S3 XML error body. */
export const s3Code = (reply: Reply): string | undefined => /<Code>([^<]*)<\/Code>/.exec(reply.text)?.[1]

export interface Paginated<A> {
  readonly data: ReadonlyArray<A>
  readonly has_more: boolean
  readonly total: number
}

export interface FileItem {
  readonly name: string
  readonly file_ingestion_id: string
  readonly ingestion_status: string
  readonly ingestion_status_reason?: string
}

export interface SessionItem {
  readonly session_id: string
  readonly status: string
  readonly write_mode: string
  readonly created_at: string
  readonly expires_at: string
}

export const listFiles = (emulator: Emulator.Handle, sessionId: string, query = "", workspace = "default") =>
  Effect.map(
    api(emulator, `${sessionsPath(workspace)}/${sessionId}/files`, { query }),
    (reply) => json<Paginated<FileItem>>(reply)
  )

export const listSessions = (emulator: Emulator.Handle, query = "", workspace = "default") =>
  Effect.map(api(emulator, sessionsPath(workspace), { query }), (reply) => json<Paginated<SessionItem>>(reply))

export interface StatusBody {
  readonly ingestion_status: { readonly failed_files: number; readonly finished_files: number }
}

export const getStatus = (emulator: Emulator.Handle, sessionId: string, workspace = "default") =>
  Effect.map(api(emulator, `${sessionsPath(workspace)}/${sessionId}`), (reply) => json<StatusBody>(reply))
