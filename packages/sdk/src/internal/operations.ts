/**
 * The five upload-session operations and their two streams, built once per client over its `Api`:
 * the resolve step and checks of each call (pure, failing once), its request, and how its answer is
 * read.
 *
 * @internal
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
import type { Service } from "../DeepsetClient.js"
import type * as Errors from "../Errors.js"
import * as Models from "../Models.js"
import * as Retry from "../Retry.js"
import type * as UploadSessions from "../UploadSessions.js"
import { type Api, execute, refuse } from "./execute.js"
import * as Paginate from "./paginate.js"
import * as Responses from "./responses.js"
import * as Validate from "./validate.js"

/** The page size of the streams unless told otherwise: the largest the API accepts. */
export const defaultPageSize = 100

const ATTR_WORKSPACE = "deepset.workspace"
const ATTR_SESSION_ID = "deepset.session_id"

// Decoders and constant bodies are built once, not per request.
const decodeUploadSession = Schema.decodeUnknownEither(Models.UploadSession)
const decodeSessionDetail = Schema.decodeUnknownEither(Models.SessionDetail)
const decodeSessionFilePage = Schema.decodeUnknownEither(Models.SessionFilePage)
const decodeSessionPage = Schema.decodeUnknownEither(Models.SessionPage)
const CLOSE_BODY = HttpBody.unsafeJson({ status: "closed" })

const sessionsPath = (workspace: string): string => `/workspaces/${encodeURIComponent(workspace)}/upload_sessions`
const sessionPath = (workspace: string, sessionId: string): string =>
  `${sessionsPath(workspace)}/${encodeURIComponent(sessionId)}`

/** Where a call goes once its workspace (and session) passed their checks, and what its span says. */
interface Target {
  readonly path: string
  readonly attributes: Readonly<Record<string, string>>
}

type Prepared = Either.Either<readonly [Target, HttpClientRequest.HttpClientRequest], Errors.InvalidInputError>

type Handler<A, E> = (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>

type Failure<E> = E | Errors.InvalidInputError | Errors.TransportError | Errors.TimeoutError

/** Builds the operations of one client. */
export const make = (api: Api): Service => {
  const { redact } = api

  /**
   * The one resolve step of every operation: the workspace (or the client's default) and, for the
   * operations on one session, the session id, checked as path segments.
   */
  const resolve = (
    operation: string,
    options: { readonly workspaceName?: string | undefined; readonly sessionId?: string | undefined },
    session: boolean
  ): Either.Either<Target, Errors.InvalidInputError> =>
    Either.flatMap(Validate.workspace(operation, api.workspace, options.workspaceName), (workspace) =>
      session
        ? Either.map(Validate.pathSegment(operation, "sessionId", options.sessionId), (sessionId) => ({
          path: sessionPath(workspace, sessionId),
          attributes: { [ATTR_WORKSPACE]: workspace, [ATTR_SESSION_ID]: sessionId }
        }))
        : Either.right({ path: sessionsPath(workspace), attributes: { [ATTR_WORKSPACE]: workspace } }))

  /** A page request: the resolve step, the cursor and size checks, and the operation's filters. */
  const pageRequest = (
    operation: string,
    options: Validate.PageInput & { readonly workspaceName?: string | undefined; readonly sessionId?: string },
    session: boolean,
    path: (base: string) => string,
    filters: UrlParams.CoercibleRecord
  ): Prepared =>
    Either.zipWith(
      resolve(operation, options, session),
      Validate.pageParams(operation, options),
      (target, params) => [target, HttpClientRequest.get(path(target.path), { urlParams: { ...params, ...filters } })]
    )

  /** The statuses every operation answers alike (404, 422, the common failures) around its own 2xx. */
  const answer = <A, E>(ok: Handler<A, E>) => (response: HttpClientResponse.HttpClientResponse) =>
    HttpClientResponse.matchStatus(response, {
      "2xx": ok,
      404: (response) => Responses.notFound(response, redact),
      422: (response) => Responses.validation(response, redact),
      ...Responses.commonCases(redact)
    })

  /** The answer of an operation whose 2xx body is decoded by `decode`. */
  const decoded = <A>(decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>) =>
    answer((response) => Responses.json(response, decode, redact))

  /** Runs one operation: its checks, then the request in the operation's span. */
  const call = <A, E extends Errors.ApiError>(
    operation: string,
    options: UploadSessions.CallOptions,
    retryable: Predicate.Predicate<Errors.ApiError>,
    prepared: Prepared,
    handle: Handler<A, E>
  ): Effect.Effect<A, Failure<E>> => {
    if (Either.isLeft(prepared)) return refuse({ span: operation, attributes: {} }, prepared.left)
    const [target, request] = prepared.right
    return execute(api, request, handle, {
      span: operation,
      attributes: target.attributes,
      retry: options.retry,
      retryable
    })
  }

  const createAnswer = decoded(decodeUploadSession)
  const create: Service["create"] = (options = {}) =>
    call(
      "UploadSessions.create",
      options,
      Retry.isProvablyUnprocessed,
      Either.map(resolve("UploadSessions.create", options, false), (target) => {
        const body = HttpBody.unsafeJson({
          ...(options.writeMode === undefined ? {} : { write_mode: options.writeMode }),
          ...(options.parallelProcessing === undefined
            ? {}
            : { parallel_processing_enabled: options.parallelProcessing })
        })
        return [target, HttpClientRequest.post(target.path, { body })] as const
      }),
      (response): Effect.Effect<Models.UploadSession, Exclude<Errors.CreateError, Errors.InvalidInputError>> =>
        response.status === 415 ? Responses.unsupportedMediaType(response, redact) : createAnswer(response)
    )

  // Reading the (empty) body hands the connection back to the pool at once.
  const closeAnswer = answer((response) => Effect.ignore(response.arrayBuffer))
  const close: Service["close"] = (options) =>
    call(
      "UploadSessions.close",
      options,
      Retry.isTransient,
      Either.map(
        resolve("UploadSessions.close", options, true),
        (target) => [target, HttpClientRequest.put(target.path, { body: CLOSE_BODY })] as const
      ),
      closeAnswer
    )

  const statusAnswer = decoded(decodeSessionDetail)
  const getStatus: Service["getStatus"] = (options) =>
    call(
      "UploadSessions.getStatus",
      options,
      Retry.isTransient,
      Either.map(
        resolve("UploadSessions.getStatus", options, true),
        (target) => [target, HttpClientRequest.get(target.path)] as const
      ),
      statusAnswer
    )

  const filesAnswer = decoded(decodeSessionFilePage)
  const getFiles: Service["getFiles"] = (options) =>
    call(
      "UploadSessions.getFiles",
      options,
      Retry.isTransient,
      pageRequest("UploadSessions.getFiles", options, true, (path) => `${path}/files`, {
        ingestion_status: options.ingestionStatus
      }),
      filesAnswer
    )

  const listAnswer = decoded(decodeSessionPage)
  const list: Service["list"] = (options = {}) =>
    call(
      "UploadSessions.list",
      options,
      Retry.isTransient,
      pageRequest("UploadSessions.list", options, false, (path) => path, { is_expired: options.isExpired }),
      listAnswer
    )

  /** A walk over the pages of `fetch`, after the checks of the stream's own options, in the stream's span. */
  const walk = <A, E>(
    operation: string,
    options: UploadSessions.StreamOptions & { readonly sessionId?: string },
    session: boolean,
    fetch: (workspaceName: string, query: Paginate.Query) => Effect.Effect<Models.Page<A>, E>,
    idOf: (item: A) => string | undefined,
    pagePath: (target: Target) => string
  ): Stream.Stream<A, E | Errors.DecodeError | Errors.InvalidInputError> =>
    Stream.unwrap(Effect.gen(function*() {
      const target = yield* resolve(operation, options, session)
      const workspaceName = target.attributes[ATTR_WORKSPACE]
      const pageSize = yield* Validate.positiveInt(operation, "pageSize", options.pageSize ?? defaultPageSize)
      return Paginate.paginate<A, E | Errors.DecodeError, never>({
        direction: options.direction ?? "forward",
        pageSize,
        after: yield* Validate.cursor(operation, "after", options.after),
        before: yield* Validate.cursor(operation, "before", options.before),
        fetch: (query) => fetch(workspaceName, query),
        idOf,
        stuck: (query) => Responses.walkStuck(api.baseUrl, pagePath(target), query)
      }).pipe(Stream.withSpan(operation, { attributes: target.attributes }))
    }))

  const streamFiles: Service["streamFiles"] = (options) =>
    walk(
      "UploadSessions.streamFiles",
      options,
      true,
      (workspaceName, query) =>
        getFiles({
          ...query,
          workspaceName,
          sessionId: options.sessionId,
          ingestionStatus: options.ingestionStatus,
          retry: options.retry
        }),
      (file) => file.fileIngestionId,
      (target) => `${target.path}/files`
    )

  const streamList: Service["streamList"] = (options = {}) =>
    walk(
      "UploadSessions.streamList",
      options,
      false,
      (workspaceName, query) => list({ ...query, workspaceName, isExpired: options.isExpired, retry: options.retry }),
      (session) => session.sessionId,
      (target) => target.path
    )

  return { create, close, getStatus, getFiles, list, streamFiles, streamList }
}
