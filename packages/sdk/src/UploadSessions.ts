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
import type * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import type * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { DeepsetClient, type Service } from "./DeepsetClient.js"
import type * as Errors from "./Errors.js"
import { execute, refuse } from "./internal/execute.js"
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

/** Where a call goes once its workspace (and session) passed their checks, and what its span says. */
interface Target {
  readonly path: string
  readonly attributes: Readonly<Record<string, string>>
}

/**
 * The one resolve step of every operation: the workspace (or the client's default) and, for the
 * operations on one session, the session id, checked as path segments.
 */
const resolve = (
  operation: string,
  client: Service,
  options: { readonly workspaceName?: string | undefined; readonly sessionId?: string | undefined },
  session: boolean
): Either.Either<Target, Errors.InvalidInputError> =>
  Either.flatMap(Validate.workspace(operation, client, options.workspaceName), (workspace) =>
    session
      ? Either.map(Validate.pathSegment(operation, "sessionId", options.sessionId), (sessionId) => ({
        path: sessionPath(workspace, sessionId),
        attributes: { [ATTR_WORKSPACE]: workspace, [ATTR_SESSION_ID]: sessionId }
      }))
      : Either.right({ path: sessionsPath(workspace), attributes: { [ATTR_WORKSPACE]: workspace } }))

/** A page request: the resolve step, the cursor and size checks, and the operation's filters. */
const pageRequest = (
  operation: string,
  client: Service,
  options: Validate.PageInput & { readonly workspaceName?: string | undefined; readonly sessionId?: string },
  session: boolean,
  path: (base: string) => string,
  filters: UrlParams.CoercibleRecord
): Either.Either<readonly [Target, HttpClientRequest.HttpClientRequest], Errors.InvalidInputError> =>
  Either.zipWith(
    resolve(operation, client, options, session),
    Validate.pageParams(operation, options),
    (target, params) => [target, HttpClientRequest.get(path(target.path), { urlParams: { ...params, ...filters } })]
  )

type Handler<A, E> = (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>

/** The statuses every operation answers alike (404, 422, the common failures) around its own 2xx. */
const answer =
  <A, E>(redact: Responses.Redact, ok: Handler<A, E>) => (response: HttpClientResponse.HttpClientResponse) =>
    HttpClientResponse.matchStatus(response, {
      "2xx": ok,
      404: (response) => Responses.notFound(response, redact),
      422: (response) => Responses.validation(response, redact),
      ...Responses.commonCases(redact)
    })

/** The answer of an operation whose 2xx body is decoded by `decode`. */
const decoded =
  <A>(decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>) => (redact: Responses.Redact) =>
    answer(redact, (response) => Responses.json(response, decode, redact))

/**
 * Runs one operation: its checks (pure, failing once), then the request in the operation's span, which
 * carries the workspace, the session id and the HTTP attributes.
 */
const call = <A, E extends Errors.ApiError>(
  operation: string,
  options: CallOptions,
  retryable: Predicate.Predicate<Errors.ApiError>,
  prepare: (client: Service) => Either.Either<
    readonly [Target, HttpClientRequest.HttpClientRequest],
    Errors.InvalidInputError
  >,
  handle: (redact: Responses.Redact) => Handler<A, E>
): Effect.Effect<A, E | Errors.InvalidInputError | Errors.TransportError | Errors.TimeoutError, DeepsetClient> =>
  Effect.flatMap(DeepsetClient, (client): Effect.Effect<
    A,
    E | Errors.InvalidInputError | Errors.TransportError | Errors.TimeoutError
  > => {
    const prepared = prepare(client)
    if (Either.isLeft(prepared)) return refuse({ span: operation, attributes: {} }, prepared.left)
    const [target, request] = prepared.right
    return execute(client, request, handle(client.redact), {
      span: operation,
      attributes: target.attributes,
      retry: options.retry,
      retryable
    })
  })

/**
 * Opens an upload session. `create` is not idempotent, so it is retried only after failures that prove
 * the server did not act (429, 503 with `Retry-After`, connection refused; see
 * `Retry.isProvablyUnprocessed`): a retry after a timeout could open a second session.
 *
 * @since 0.1.0
 */
export const create = (
  options: CreateOptions = {}
): Effect.Effect<Models.UploadSession, Errors.CreateError, DeepsetClient> =>
  call(
    "UploadSessions.create",
    options,
    Retry.isProvablyUnprocessed,
    (client) =>
      Either.map(resolve("UploadSessions.create", client, options, false), (target) => {
        const body = options.writeMode === undefined
          ? EMPTY_CREATE_BODY
          : HttpBody.unsafeJson({ write_mode: options.writeMode })
        return [target, HttpClientRequest.post(target.path, { body })] as const
      }),
    (redact) => {
      const others = decoded(decodeUploadSession)(redact)
      return (response): Effect.Effect<Models.UploadSession, Exclude<Errors.CreateError, Errors.InvalidInputError>> =>
        response.status === 415 ? Responses.unsupportedMediaType(response, redact) : others(response)
    }
  )

/**
 * Closes a session (sends `{"status":"closed"}`), which starts the ingestion of its files. Closing a
 * closed session succeeds again.
 *
 * @since 0.1.0
 */
export const close = (options: SessionOptions): Effect.Effect<void, Errors.CloseError, DeepsetClient> =>
  call(
    "UploadSessions.close",
    options,
    Retry.isTransient,
    (client) =>
      Either.map(
        resolve("UploadSessions.close", client, options, true),
        (target) => [target, HttpClientRequest.put(target.path, { body: CLOSE_BODY })] as const
      ),
    // Reading the (empty) body hands the connection back to the pool at once.
    (redact) => answer(redact, (response) => Effect.ignore(response.arrayBuffer))
  )

/**
 * Reads a session's state: its expiry and how many files were ingested or failed so far.
 *
 * @since 0.1.0
 */
export const getStatus = (
  options: SessionOptions
): Effect.Effect<Models.SessionDetail, Errors.GetStatusError, DeepsetClient> =>
  call(
    "UploadSessions.getStatus",
    options,
    Retry.isTransient,
    (client) =>
      Either.map(
        resolve("UploadSessions.getStatus", client, options, true),
        (target) => [target, HttpClientRequest.get(target.path)] as const
      ),
    decoded(decodeSessionDetail)
  )

/**
 * Reads one page of a session's files, optionally only those in one ingestion state.
 *
 * @since 0.1.0
 */
export const getFiles = (
  options: GetFilesOptions
): Effect.Effect<Models.Page<Models.SessionFile>, Errors.GetFilesError, DeepsetClient> =>
  call(
    "UploadSessions.getFiles",
    options,
    Retry.isTransient,
    (client) =>
      pageRequest("UploadSessions.getFiles", client, options, true, (path) => `${path}/files`, {
        ingestion_status: options.ingestionStatus
      }),
    decoded(decodeSessionFilePage)
  )

/**
 * Reads one page of the workspace's sessions. `isExpired: false` is sent as `is_expired=false`.
 *
 * @since 0.1.0
 */
export const list = (
  options: ListOptions = {}
): Effect.Effect<Models.Page<Models.Session>, Errors.ListError, DeepsetClient> =>
  call(
    "UploadSessions.list",
    options,
    Retry.isTransient,
    (client) =>
      pageRequest("UploadSessions.list", client, options, false, (path) => path, { is_expired: options.isExpired }),
    decoded(decodeSessionPage)
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
