/**
 * The five upload-session operations and the two streams over their pages.
 *
 * Each function here calls the operation of the `DeepsetClient` service in context (see
 * `DeepsetClient.Service`), so a test can provide a fake with `Layer.succeed(DeepsetClient.DeepsetClient, …)`.
 * Every operation runs in its own span (`UploadSessions.<op>`, annotated with
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
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { DeepsetClient } from "./DeepsetClient.js"
import type * as Errors from "./Errors.js"
import * as Operations from "./internal/operations.js"
import type * as Models from "./Models.js"
import type * as Retry from "./Retry.js"

export type {
  /**
   * @since 0.1.0
   * @category errors
   */
  CloseError,
  /**
   * @since 0.1.0
   * @category errors
   */
  CreateError,
  /**
   * @since 0.1.0
   * @category errors
   */
  GetFilesError,
  /**
   * @since 0.1.0
   * @category errors
   */
  GetStatusError,
  /**
   * @since 0.1.0
   * @category errors
   */
  ListError
} from "./Errors.js"

/**
 * What every call accepts besides its parameters.
 *
 * @since 0.1.0
 * @category options
 */
export interface CallOptions {
  /** This call's retry policy instead of the client's; `false` turns retries off. */
  readonly retry?: Retry.Policy | false | undefined
}

/**
 * @since 0.1.0
 * @category options
 */
export interface CreateOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  readonly writeMode?: Models.KnownWriteMode | undefined
  /**
   * Sent as `parallel_processing_enabled` only when given. The service's own caution: "If `True`,
   * deepset ingests the files in parallel. Use this to speed up the upload process and if you are not
   * running concurrent uploads for the same files."
   */
  readonly parallelProcessing?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category options
 */
export interface SessionOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  readonly sessionId: string
}

/**
 * @since 0.1.0
 * @category options
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
 * @category options
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
 * @category options
 */
export type Direction = "forward" | "backward"

/**
 * How a stream walks the pages. Forward starts after `after` (or at the first item) and stops before
 * `before` if given; backward starts before `before` (or at the last item) and stops before `after`.
 *
 * @since 0.1.0
 * @category options
 */
export interface StreamOptions extends CallOptions {
  readonly workspaceName?: string | undefined
  /** Items per request (the API accepts 1..100). Default {@link defaultPageSize}. */
  readonly pageSize?: number | undefined
  readonly direction?: Direction | undefined
  readonly after?: string | undefined
  readonly before?: string | undefined
}

/**
 * @since 0.1.0
 * @category options
 */
export interface StreamFilesOptions extends StreamOptions {
  readonly sessionId: string
  readonly ingestionStatus?: Models.IngestionStatus | undefined
}

/**
 * @since 0.1.0
 * @category options
 */
export interface StreamListOptions extends StreamOptions {
  readonly isExpired?: boolean | undefined
}

/**
 * The page size of the streams unless told otherwise: the largest the API accepts.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPageSize: number = Operations.defaultPageSize

/**
 * Opens an upload session. `create` is not idempotent, so it is retried only after failures that prove
 * the server did not act (429, 503 with `Retry-After`, connection refused; see
 * `Retry.isProvablyUnprocessed`): a retry after a timeout could open a second session.
 *
 * @since 0.1.0
 * @category operations
 */
export const create = (
  options: CreateOptions = {}
): Effect.Effect<Models.UploadSession, Errors.CreateError, DeepsetClient> =>
  Effect.flatMap(DeepsetClient, (client) => client.create(options))

/**
 * Closes a session (sends `{"status":"closed"}`), which starts the ingestion of its files. Closing a
 * closed session succeeds again.
 *
 * @since 0.1.0
 * @category operations
 */
export const close = (options: SessionOptions): Effect.Effect<void, Errors.CloseError, DeepsetClient> =>
  Effect.flatMap(DeepsetClient, (client) => client.close(options))

/**
 * Reads a session's state: its expiry and how many files were ingested or failed so far.
 *
 * @since 0.1.0
 * @category operations
 */
export const getStatus = (
  options: SessionOptions
): Effect.Effect<Models.SessionDetail, Errors.GetStatusError, DeepsetClient> =>
  Effect.flatMap(DeepsetClient, (client) => client.getStatus(options))

/**
 * Reads one page of a session's files, optionally only those in one ingestion state.
 *
 * @since 0.1.0
 * @category operations
 */
export const getFiles = (
  options: GetFilesOptions
): Effect.Effect<Models.Page<Models.SessionFile>, Errors.GetFilesError, DeepsetClient> =>
  Effect.flatMap(DeepsetClient, (client) => client.getFiles(options))

/**
 * Reads one page of the workspace's sessions. `isExpired: false` is sent as `is_expired=false`.
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (
  options: ListOptions = {}
): Effect.Effect<Models.Page<Models.Session>, Errors.ListError, DeepsetClient> =>
  Effect.flatMap(DeepsetClient, (client) => client.list(options))

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
 * @category streams
 */
export const streamFiles = (
  options: StreamFilesOptions
): Stream.Stream<Models.SessionFile, Errors.GetFilesError, DeepsetClient> =>
  Stream.unwrap(Effect.map(DeepsetClient, (client) => client.streamFiles(options)))

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
 * @category streams
 */
export const streamList = (
  options: StreamListOptions = {}
): Stream.Stream<Models.Session, Errors.ListError, DeepsetClient> =>
  Stream.unwrap(Effect.map(DeepsetClient, (client) => client.streamList(options)))
