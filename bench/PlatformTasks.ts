/**
 * The floors of the ablation (`pnpm bench --ablation`): each workload written as the least an Effect
 * program on `@effect/platform` can do, with no SDK: `HttpClient` on `NodeHttpClient.layerUndici` with
 * the same headers, `JSON.parse` without validation, and for uploads `FileSystem` reads into the same
 * multipart bytes the baseline builds (`Baseline.formBytes`). What the SDK costs above these is its own; what they cost above the
 * baseline is the platform's.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { basename } from "node:path"
import * as Baseline from "./Baseline.js"
import type { Target } from "./Task.js"

const platform = Layer.merge(NodeHttpClient.layerUndici, NodeFileSystem.layer)

// The API client as a user of the platform alone would write it: the SDK's three headers on every request.
const apiClient = (target: Target) =>
  Effect.map(HttpClient.HttpClient, (client) => ({
    client: client.pipe(
      HttpClient.mapRequest(HttpClientRequest.setHeaders({
        authorization: `Bearer ${target.apiKey}`,
        accept: "application/json",
        "user-agent": target.userAgent
      }))
    ),
    sessions: `${target.baseUrl}/api/v1/workspaces/${encodeURIComponent(target.workspace)}/upload_sessions`
  }))

const json = (request: Effect.Effect<{ readonly text: Effect.Effect<string, unknown> }, unknown>) =>
  Effect.flatMap(
    Effect.flatMap(request, (response) => response.text),
    (text) => Effect.sync(() => (text === "" ? undefined : JSON.parse(text)) as unknown)
  )

/**
 * `count` sequential `getStatus` calls.
 *
 * @since 0.1.0
 */
export const getStatusTimes = (target: Target, sessionId: string, count: number): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    const { client, sessions } = yield* apiClient(target)
    const url = `${sessions}/${encodeURIComponent(sessionId)}`
    for (let i = 0; i < count; i++) yield* json(client.get(url))
  }).pipe(Effect.provide(platform))

interface FilesPage {
  readonly data: ReadonlyArray<{ readonly file_ingestion_id: string }>
  readonly has_more: boolean
}

/**
 * Every file of a session, forward by the `after` cursor, counted.
 *
 * @since 0.1.0
 */
export const countFiles = (target: Target, sessionId: string, pageSize: number): Effect.Effect<number, unknown> =>
  Effect.gen(function*() {
    const { client, sessions } = yield* apiClient(target)
    const url = `${sessions}/${encodeURIComponent(sessionId)}/files`
    let after: string | undefined
    let count = 0
    while (true) {
      const query = after === undefined ? `limit=${pageSize}` : `after=${encodeURIComponent(after)}&limit=${pageSize}`
      const page = (yield* json(client.get(`${url}?${query}`))) as FilesPage
      count += page.data.length
      if (!page.has_more || page.data.length === 0) return count
      after = page.data[page.data.length - 1]!.file_ingestion_id
    }
  }).pipe(Effect.provide(platform))

interface CreatedSession {
  readonly session_id: string
  readonly aws_prefixed_request_config: { readonly url: string; readonly fields: Readonly<Record<string, string>> }
}

/**
 * Opens a session, sends every file from disk with `concurrency` in flight (`stat`, `open`, one `read`
 * into the body, one presigned POST whose answer is read), and closes the session. Small files only, as
 * scenario 4 sends.
 *
 * @since 0.1.0
 */
export const upload = (
  target: Target,
  paths: ReadonlyArray<string>,
  concurrency: number
): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    const { client, sessions } = yield* apiClient(target)
    const fs = yield* FileSystem.FileSystem
    // The platform's `http.client` span is off, as the SDK has it for S3: a span per file is not the floor.
    const transfer = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true)
    const session = (yield* json(
      HttpClientRequest.post(sessions).pipe(HttpClientRequest.bodyUnsafeJson({ write_mode: "KEEP" }), client.execute)
    )) as CreatedSession
    const { fields, url } = session.aws_prefixed_request_config
    // The same bytes as the baseline's and the SDK's form.
    const { contentType, epilogue, preamble } = Baseline.formBytes(fields)

    const send = (path: string) =>
      Effect.scoped(Effect.gen(function*() {
        const size = Number((yield* fs.stat(path)).size)
        const head = Buffer.concat([preamble, Buffer.from(Baseline.partHeader(basename(path)))])
        const body = Buffer.allocUnsafe(head.length + size + epilogue.length)
        head.copy(body, 0)
        epilogue.copy(body, head.length + size)
        const file = yield* fs.open(path)
        yield* file.read(body.subarray(head.length, head.length + size))
        const response = yield* transfer.execute(
          HttpClientRequest.setBody(HttpClientRequest.post(url), HttpBody.uint8Array(body, contentType))
        )
        yield* response.arrayBuffer
        if (response.status < 200 || response.status >= 300) {
          return yield* Effect.dieMessage(`S3 POST ${path}: ${response.status}`)
        }
      }))

    yield* Effect.forEach(paths, send, { concurrency, discard: true })
    yield* json(
      HttpClientRequest.put(`${sessions}/${encodeURIComponent(session.session_id)}`).pipe(
        HttpClientRequest.bodyUnsafeJson({ status: "closed" }),
        client.execute
      )
    )
  }).pipe(Effect.provide(platform))
