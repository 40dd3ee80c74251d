/**
 * The platform's floor under the SDK (issue 18): the workloads of scenarios 1, 2 and 4 written as the least
 * an Effect program on `@effect/platform` does for the same work, with no SDK. `HttpClient` on
 * `NodeHttpClient.layerUndici` with the SDK's base URL and three headers mapped once, the same requests, the
 * status checked, `JSON.parse` and the same `Schema` decode with the SDK's `Models` (`SessionDetail`,
 * `SessionFilePage`, `UploadSession`), the tracer on as the SDK has it (the platform's `http.client` span per
 * request; trace headers on API requests, none on S3 posts); for uploads `FileSystem` `stat`, `open` and one
 * `read` into the same multipart bytes (`Baseline.formBytes`). Each workload is one fiber on a runtime built
 * once, no `runPromise` per call. No per-attempt timeout, no retry, no events, no report: what the SDK costs
 * above this is its own; what this costs above the baseline is the platform's.
 *
 * @since 0.1.0
 */
import { Models } from "@effect-deepset/sdk"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { basename } from "node:path"
import * as Baseline from "./Baseline.js"
import type { Target } from "./Task.js"

/**
 * The floor's workloads on one runtime.
 *
 * @since 0.1.0
 */
export interface Floor {
  /** `count` sequential `getStatus` calls. */
  readonly getStatus: (sessionId: string, count: number) => Promise<void>
  /** Every file of a session, forward by the `after` cursor, counted. */
  readonly countFiles: (sessionId: string, pageSize: number) => Promise<number>
  /** Opens a session, sends every (small) file from disk with `concurrency` in flight, closes the session. */
  readonly upload: (paths: ReadonlyArray<string>, concurrency: number) => Promise<void>
  readonly dispose: () => Promise<void>
}

const decodeDetail = Schema.decodeUnknownEither(Models.SessionDetail)
const decodePage = Schema.decodeUnknownEither(Models.SessionFilePage)
const decodeCreated = Schema.decodeUnknownEither(Models.UploadSession)

const checked = (response: HttpClientResponse.HttpClientResponse, what: string) =>
  response.status >= 200 && response.status < 300
    ? Effect.succeed(response)
    : Effect.dieMessage(`${what}: status ${response.status}`)

const decoded = <A>(
  request: Effect.Effect<HttpClientResponse.HttpClientResponse, unknown>,
  decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>,
  what: string
) =>
  request.pipe(
    Effect.flatMap((response) => checked(response, what)),
    Effect.flatMap((response) => response.text),
    Effect.flatMap((text) => Either.match(decode(JSON.parse(text)), { onLeft: Effect.die, onRight: Effect.succeed }))
  )

/**
 * The floor on a fresh runtime for `target`.
 *
 * @since 0.1.0
 */
export const make = (target: Target): Floor => {
  const runtime = ManagedRuntime.make(Layer.merge(NodeHttpClient.layerUndici, NodeFileSystem.layer))
  const outer = runtime.runSync(HttpClient.HttpClient)
  const fs = runtime.runSync(FileSystem.FileSystem)
  const apiBase = `${target.baseUrl}/api/v1`
  const headers = {
    authorization: `Bearer ${target.apiKey}`,
    accept: "application/json",
    "user-agent": target.userAgent
  }
  const api = outer.pipe(
    HttpClient.mapRequestInput((request) =>
      HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, apiBase), headers)
    )
  )
  // As the SDK posts to S3: the client from outside, without trace headers.
  const transfer = HttpClient.withTracerPropagation(outer, false)
  const sessions = `/workspaces/${encodeURIComponent(target.workspace)}/upload_sessions`
  const sessionPath = (sessionId: string) => `${sessions}/${encodeURIComponent(sessionId)}`

  const getStatus = (sessionId: string, count: number) =>
    Effect.gen(function*() {
      const path = sessionPath(sessionId)
      for (let i = 0; i < count; i++) yield* decoded(api.get(path), decodeDetail, "getStatus")
    })

  const countFiles = (sessionId: string, pageSize: number) =>
    Effect.gen(function*() {
      const path = `${sessionPath(sessionId)}/files`
      let after: string | undefined
      let count = 0
      while (true) {
        const urlParams = after === undefined ? { limit: pageSize } : { after, limit: pageSize }
        const page = yield* decoded(api.get(path, { urlParams }), decodePage, "getFiles")
        count += page.data.length
        const last = page.data[page.data.length - 1]?.fileIngestionId
        if (!page.hasMore || last === undefined) return count
        after = last
      }
    })

  const upload = (paths: ReadonlyArray<string>, concurrency: number) =>
    Effect.gen(function*() {
      const session = yield* decoded(
        api.post(sessions, { body: HttpBody.unsafeJson({ write_mode: "KEEP" }) }),
        decodeCreated,
        "create"
      )
      const { fields, url } = session.awsPrefixedRequestConfig
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
            HttpClientRequest.post(url, { body: HttpBody.uint8Array(body, contentType) })
          )
          yield* response.arrayBuffer
          yield* checked(response, `S3 POST ${path}`)
        }))
      yield* Effect.forEach(paths, send, { concurrency, discard: true })
      const closed = yield* api.put(sessionPath(session.sessionId), {
        body: HttpBody.unsafeJson({ status: "closed" })
      })
      yield* closed.arrayBuffer
      yield* checked(closed, "close")
    })

  return {
    getStatus: (sessionId, count) => runtime.runPromise(getStatus(sessionId, count)),
    countFiles: (sessionId, pageSize) => runtime.runPromise(countFiles(sessionId, pageSize)),
    upload: (paths, concurrency) => runtime.runPromise(upload(paths, concurrency)),
    dispose: () => runtime.dispose()
  }
}
