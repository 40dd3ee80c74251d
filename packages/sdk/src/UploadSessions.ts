/**
 * The five upload-session operations and the two streams over their pages.
 *
 * Every operation needs a `DeepsetClient`, runs in its own span (`UploadSessions.<op>`, annotated with
 * `deepset.workspace` and `deepset.session_id`), checks its input before sending anything, and fails
 * with exactly the errors it can meet. `workspaceName` falls back to the client's default workspace.
 *
 * @example
 * ```ts
 * import { UploadSessions } from "@effect-deepset/sdk"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const session = yield* UploadSessions.create({ writeMode: "OVERWRITE" })
 *   // … upload files to session.awsPrefixedRequestConfig …
 *   yield* UploadSessions.close({ sessionId: session.sessionId })
 *   return yield* UploadSessions.getStatus({ sessionId: session.sessionId })
 * }).pipe(
 *   Effect.catchTags({
 *     NotFoundError: () => Effect.succeed(undefined),
 *     RateLimitedError: (error) => Effect.logWarning(error.message)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { DeepsetClient } from "./DeepsetClient.js"
import type * as Errors from "./Errors.js"
import { execute } from "./internal/execute.js"
import * as Paginate from "./internal/paginate.js"
import * as Responses from "./internal/responses.js"
import * as Validate from "./internal/validate.js"
import * as Models from "./Models.js"
import * as Retry from "./Retry.js"

export type {
  /** @since 0.1.0 */
  CloseError,
  /** @since 0.1.0 */
  CreateError,
  /** @since 0.1.0 */
  GetFilesError,
  /** @since 0.1.0 */
  GetStatusError,
  /** @since 0.1.0 */
  ListError
} from "./Errors.js"

/**
 * What every call accepts besides its parameters.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  /** This call's retry policy instead of the client's; `false` turns retries off. */
  readonly retry?: Retry.Policy | false | undefined
}

/**
 * @since 0.1.0
 */
export interface CreateOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  readonly writeMode?: Models.KnownWriteMode | undefined
}

/**
 * @since 0.1.0
 */
export interface SessionOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  readonly sessionId: string
}

/**
 * @since 0.1.0
 */
export interface GetFilesOptions extends SessionOptions {
  readonly after?: string | undefined
  readonly before?: string | undefined
  readonly limit?: number | undefined
  readonly pageNumber?: number | undefined
  readonly ingestionStatus?: Models.IngestionStatus | undefined
}

/**
 * @since 0.1.0
 */
export interface ListOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  readonly after?: string | undefined
  readonly before?: string | undefined
  readonly isExpired?: boolean | undefined
  readonly limit?: number | undefined
  readonly pageNumber?: number | undefined
}

/**
 * Forward walks items in creation order; backward walks them nearest-first (newest first when
 * starting from the end).
 *
 * @since 0.1.0
 */
export type Direction = "forward" | "backward"

/**
 * How a stream walks the pages. Forward starts after `after` (or at the first item) and stops before
 * `before` if given; backward starts before `before` (or at the last item) and stops before `after`.
 *
 * @since 0.1.0
 */
export interface StreamOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  /** Items per request (the API accepts 1..100). Default {@link DEFAULT_PAGE_SIZE}. */
  readonly pageSize?: number | undefined
  readonly direction?: Direction | undefined
  readonly after?: string | undefined
  readonly before?: string | undefined
}

/**
 * @since 0.1.0
 */
export interface StreamFilesOptions extends StreamOptions {
  readonly sessionId: string
  readonly ingestionStatus?: Models.IngestionStatus | undefined
}

/**
 * @since 0.1.0
 */
export interface StreamListOptions extends StreamOptions {
  readonly isExpired?: boolean | undefined
}

/**
 * The page size of the streams unless told otherwise: the largest the API accepts.
 *
 * @since 0.1.0
 */
export const DEFAULT_PAGE_SIZE = 100

const ATTR_WORKSPACE = "deepset.workspace"
const ATTR_SESSION_ID = "deepset.session_id"

// Decoders and constant bodies are built once, not per request.
const decodeUploadSession = Schema.decodeUnknownEither(Models.UploadSession)
const decodeSessionDetail = Schema.decodeUnknownEither(Models.SessionDetail)
const decodeSessionFilePage = Schema.decodeUnknownEither(Models.SessionFilePage)
const decodeSessionPage = Schema.decodeUnknownEither(Models.SessionPage)
const CLOSE_BODY = HttpBody.unsafeJson({ status: "closed" })
const EMPTY_CREATE_BODY = HttpBody.unsafeJson({})

const sessionsPath = (workspace: string): string => `/workspaces/${encodeURIComponent(workspace)}/upload_sessions`
const sessionPath = (workspace: string, sessionId: string): string =>
  `${sessionsPath(workspace)}/${encodeURIComponent(sessionId)}`

/**
 * Opens an upload session. `create` is not idempotent, so it is retried only after failures that prove
 * the server did not act (429, 503 with `Retry-After`, connection refused; see
 * `Retry.isProvablyUnprocessed`): a retry after a timeout could open a second session.
 *
 * @since 0.1.0
 */
export const create: (
  options?: CreateOptions
) => Effect.Effect<Models.UploadSession, Errors.CreateError, DeepsetClient> = Effect.fn("UploadSessions.create")(
  function*(options: CreateOptions = {}) {
    const client = yield* DeepsetClient
    const workspace = yield* Validate.workspace("UploadSessions.create", client, options.workspaceName)
    yield* Effect.annotateCurrentSpan(ATTR_WORKSPACE, workspace)
    const body = options.writeMode === undefined ? EMPTY_CREATE_BODY : HttpBody.unsafeJson({
      write_mode: options.writeMode
    })
    const { redact } = client
    return yield* execute(
      client,
      HttpClientRequest.post(sessionsPath(workspace), { body }),
      (response) =>
        HttpClientResponse.matchStatus(response, {
          "2xx": (response) => Responses.json(response, decodeUploadSession, redact),
          404: (response) => Responses.notFound(response, redact),
          415: (response) => Responses.unsupportedMediaType(response, redact),
          422: (response) => Responses.validation(response, redact),
          ...Responses.commonCases(redact)
        }),
      { retry: options.retry, retryable: Retry.isProvablyUnprocessed }
    )
  }
)

/**
 * Closes a session (sends `{"status":"closed"}`), which starts the ingestion of its files. Closing a
 * closed session succeeds again.
 *
 * @since 0.1.0
 */
export const close: (options: SessionOptions) => Effect.Effect<void, Errors.CloseError, DeepsetClient> = Effect.fn(
  "UploadSessions.close"
)(function*(options: SessionOptions) {
  const client = yield* DeepsetClient
  const workspace = yield* Validate.workspace("UploadSessions.close", client, options.workspaceName)
  const sessionId = yield* Validate.pathSegment("UploadSessions.close", "sessionId", options.sessionId)
  yield* Effect.annotateCurrentSpan({ [ATTR_WORKSPACE]: workspace, [ATTR_SESSION_ID]: sessionId })
  const { redact } = client
  return yield* execute(
    client,
    HttpClientRequest.put(sessionPath(workspace, sessionId), { body: CLOSE_BODY }),
    (response) =>
      HttpClientResponse.matchStatus(response, {
        // Reading the (empty) body hands the connection back to the pool at once.
        "2xx": (response) => Effect.ignore(response.arrayBuffer),
        404: (response) => Responses.notFound(response, redact),
        422: (response) => Responses.validation(response, redact),
        ...Responses.commonCases(redact)
      }),
    { retry: options.retry, retryable: Retry.isTransient }
  )
})

/**
 * Reads a session's state: its expiry and how many files were ingested or failed so far.
 *
 * @since 0.1.0
 */
export const getStatus: (
  options: SessionOptions
) => Effect.Effect<Models.SessionDetail, Errors.GetStatusError, DeepsetClient> = Effect.fn(
  "UploadSessions.getStatus"
)(function*(options: SessionOptions) {
  const client = yield* DeepsetClient
  const workspace = yield* Validate.workspace("UploadSessions.getStatus", client, options.workspaceName)
  const sessionId = yield* Validate.pathSegment("UploadSessions.getStatus", "sessionId", options.sessionId)
  yield* Effect.annotateCurrentSpan({ [ATTR_WORKSPACE]: workspace, [ATTR_SESSION_ID]: sessionId })
  const { redact } = client
  return yield* execute(
    client,
    HttpClientRequest.get(sessionPath(workspace, sessionId)),
    (response) =>
      HttpClientResponse.matchStatus(response, {
        "2xx": (response) => Responses.json(response, decodeSessionDetail, redact),
        404: (response) => Responses.notFound(response, redact),
        422: (response) => Responses.validation(response, redact),
        ...Responses.commonCases(redact)
      }),
    { retry: options.retry, retryable: Retry.isTransient }
  )
})

/**
 * Reads one page of a session's files, optionally only those in one ingestion state.
 *
 * @since 0.1.0
 */
export const getFiles: (
  options: GetFilesOptions
) => Effect.Effect<Models.Page<Models.SessionFile>, Errors.GetFilesError, DeepsetClient> = Effect.fn(
  "UploadSessions.getFiles"
)(function*(options: GetFilesOptions) {
  const operation = "UploadSessions.getFiles"
  const client = yield* DeepsetClient
  const workspace = yield* Validate.workspace(operation, client, options.workspaceName)
  const sessionId = yield* Validate.pathSegment(operation, "sessionId", options.sessionId)
  yield* Effect.annotateCurrentSpan({ [ATTR_WORKSPACE]: workspace, [ATTR_SESSION_ID]: sessionId })
  const urlParams = {
    after: yield* Validate.cursor(operation, "after", options.after),
    before: yield* Validate.cursor(operation, "before", options.before),
    limit: yield* Validate.positiveInt(operation, "limit", options.limit),
    page_number: yield* Validate.positiveInt(operation, "pageNumber", options.pageNumber),
    ingestion_status: options.ingestionStatus
  }
  const { redact } = client
  return yield* execute(
    client,
    HttpClientRequest.get(`${sessionPath(workspace, sessionId)}/files`, { urlParams }),
    (response) =>
      HttpClientResponse.matchStatus(response, {
        "2xx": (response) => Responses.json(response, decodeSessionFilePage, redact),
        404: (response) => Responses.notFound(response, redact),
        422: (response) => Responses.validation(response, redact),
        ...Responses.commonCases(redact)
      }),
    { retry: options.retry, retryable: Retry.isTransient }
  )
})

/**
 * Reads one page of the workspace's sessions. `isExpired: false` is sent as `is_expired=false`.
 *
 * @since 0.1.0
 */
export const list: (
  options?: ListOptions
) => Effect.Effect<Models.Page<Models.Session>, Errors.ListError, DeepsetClient> = Effect.fn("UploadSessions.list")(
  function*(options: ListOptions = {}) {
    const operation = "UploadSessions.list"
    const client = yield* DeepsetClient
    const workspace = yield* Validate.workspace(operation, client, options.workspaceName)
    yield* Effect.annotateCurrentSpan(ATTR_WORKSPACE, workspace)
    const urlParams = {
      after: yield* Validate.cursor(operation, "after", options.after),
      before: yield* Validate.cursor(operation, "before", options.before),
      is_expired: options.isExpired,
      limit: yield* Validate.positiveInt(operation, "limit", options.limit),
      page_number: yield* Validate.positiveInt(operation, "pageNumber", options.pageNumber)
    }
    const { redact } = client
    return yield* execute(
      client,
      HttpClientRequest.get(sessionsPath(workspace), { urlParams }),
      (response) =>
        HttpClientResponse.matchStatus(response, {
          "2xx": (response) => Responses.json(response, decodeSessionPage, redact),
          404: (response) => Responses.notFound(response, redact),
          422: (response) => Responses.validation(response, redact),
          ...Responses.commonCases(redact)
        }),
      { retry: options.retry, retryable: Retry.isTransient }
    )
  }
)

/**
 * Every file of a session, page by page, lazily: taking the first items fetches only the pages they
 * are on, and memory holds one page whatever the session's size.
 *
 * @example
 * ```ts
 * import { UploadSessions } from "@effect-deepset/sdk"
 * import * as Stream from "effect/Stream"
 *
 * const failed = (sessionId: string) =>
 *   UploadSessions.streamFiles({ sessionId, ingestionStatus: "FAILED" }).pipe(Stream.runCollect)
 * ```
 *
 * @since 0.1.0
 */
export const streamFiles = (
  options: StreamFilesOptions
): Stream.Stream<Models.SessionFile, Errors.GetFilesError, DeepsetClient> =>
  Stream.unwrap(Effect.gen(function*() {
    const operation = "UploadSessions.streamFiles"
    const client = yield* DeepsetClient
    const workspaceName = yield* Validate.workspace(operation, client, options.workspaceName)
    const sessionId = yield* Validate.pathSegment(operation, "sessionId", options.sessionId)
    const pageSize = yield* Validate.positiveInt(operation, "pageSize", options.pageSize ?? DEFAULT_PAGE_SIZE)
    return Paginate.paginate({
      direction: options.direction ?? "forward",
      pageSize,
      after: yield* Validate.cursor(operation, "after", options.after),
      before: yield* Validate.cursor(operation, "before", options.before),
      fetch: (query) =>
        getFiles({
          ...query,
          workspaceName,
          sessionId,
          ingestionStatus: options.ingestionStatus,
          retry: options.retry
        }),
      idOf: (file) => file.fileIngestionId,
      stuck: (query) => Responses.walkStuck(client.baseUrl, `${sessionPath(workspaceName, sessionId)}/files`, query)
    }).pipe(
      Stream.withSpan(operation, { attributes: { [ATTR_WORKSPACE]: workspaceName, [ATTR_SESSION_ID]: sessionId } })
    )
  }))

/**
 * Every session of the workspace, page by page, lazily and in constant memory.
 *
 * @example
 * ```ts
 * import { UploadSessions } from "@effect-deepset/sdk"
 * import * as Stream from "effect/Stream"
 *
 * // The five most recent open sessions.
 * const recent = UploadSessions.streamList({ direction: "backward", isExpired: false }).pipe(
 *   Stream.take(5),
 *   Stream.runCollect
 * )
 * ```
 *
 * @since 0.1.0
 */
export const streamList = (
  options: StreamListOptions = {}
): Stream.Stream<Models.Session, Errors.ListError, DeepsetClient> =>
  Stream.unwrap(Effect.gen(function*() {
    const operation = "UploadSessions.streamList"
    const client = yield* DeepsetClient
    const workspaceName = yield* Validate.workspace(operation, client, options.workspaceName)
    const pageSize = yield* Validate.positiveInt(operation, "pageSize", options.pageSize ?? DEFAULT_PAGE_SIZE)
    return Paginate.paginate({
      direction: options.direction ?? "forward",
      pageSize,
      after: yield* Validate.cursor(operation, "after", options.after),
      before: yield* Validate.cursor(operation, "before", options.before),
      fetch: (query) => list({ ...query, workspaceName, isExpired: options.isExpired, retry: options.retry }),
      idOf: (session) => session.sessionId,
      stuck: (query) => Responses.walkStuck(client.baseUrl, sessionsPath(workspaceName), query)
    }).pipe(Stream.withSpan(operation, { attributes: { [ATTR_WORKSPACE]: workspaceName } }))
  }))
