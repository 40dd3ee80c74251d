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
import { type Api, execute, refuse, retries } from "./execute.js"
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

type Handler<A, E> = (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>

type Failure<E> = E | Errors.InvalidInputError | Errors.TransportError | Errors.TimeoutError

/** Builds the operations of one client. */
export const make = (api: Api): Service => {
  const { redact } = api
  const retryOf = retries(api)
  const common = Responses.commonCases(redact)

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

  /**
   * The statuses every operation answers alike (404, 422, the common failures) around its own 2xx; the
   * table is built once per operation, not per answer.
   */
  const answer = <A, E>(ok: Handler<A, E>) => {
    const cases = {
      "2xx": ok,
      404: (response: HttpClientResponse.HttpClientResponse) => Responses.notFound(response, redact),
      422: (response: HttpClientResponse.HttpClientResponse) => Responses.validation(response, redact),
      ...common
    }
    return (response: HttpClientResponse.HttpClientResponse) => HttpClientResponse.matchStatus(response, cases)
  }

  /** The answer of an operation whose 2xx body is decoded by `decode`. */
  const decoded = <A>(decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>) =>
    answer((response) => Responses.json(response, decode, redact))

  /**
   * Runs one operation: the resolve step and the checks of its request (pure, failing once, sending
   * nothing), then the request in the operation's span.
   */
  const call = <A, E extends Errors.ApiError>(
    name: string,
    options: UploadSessions.CallOptions & {
      readonly workspaceName?: string | undefined
      readonly sessionId?: string | undefined
    },
    session: boolean,
    request: (target: Target) => Either.Either<HttpClientRequest.HttpClientRequest, Errors.InvalidInputError>,
    handle: Handler<A, E>,
    retryable: Predicate.Predicate<Errors.ApiError> = Retry.isTransient
  ): Effect.Effect<A, Failure<E>> => {
    const operation = `UploadSessions.${name}`
    const prepared = Either.flatMap(
      resolve(operation, options, session),
      (target) => Either.map(request(target), (request) => [target, request] as const)
    )
    if (Either.isLeft(prepared)) return refuse({ span: operation, attributes: {} }, prepared.left)
    const [target, built] = prepared.right
    return execute(api, built, handle, {
      span: operation,
      attributes: target.attributes,
      retry: retryOf(options.retry, retryable)
    })
  }

  /** A page request: the cursor and size checks, and the operation's filters. */
  const page = (
    name: string,
    options: Validate.PageInput,
    path: (target: Target) => string,
    filters: UrlParams.CoercibleRecord
  ) =>
  (target: Target) =>
    Either.map(
      Validate.pageParams(`UploadSessions.${name}`, options),
      (params) => HttpClientRequest.get(path(target), { urlParams: { ...params, ...filters } })
    )

  const createAnswer = decoded(decodeUploadSession)
  const create: Service["create"] = (options = {}) =>
    call(
      "create",
      options,
      false,
      (target) =>
        Either.right(HttpClientRequest.post(target.path, {
          body: HttpBody.unsafeJson({
            ...(options.writeMode === undefined ? {} : { write_mode: options.writeMode }),
            ...(options.parallelProcessing === undefined
              ? {}
              : { parallel_processing_enabled: options.parallelProcessing })
          })
        })),
      (response): Effect.Effect<Models.UploadSession, Exclude<Errors.CreateError, Errors.InvalidInputError>> =>
        response.status === 415 ? Responses.unsupportedMediaType(response, redact) : createAnswer(response),
      Retry.isProvablyUnprocessed
    )

  // Reading the (empty) body hands the connection back to the pool at once.
  const closeAnswer = answer((response) => Effect.ignore(response.arrayBuffer))
  const close: Service["close"] = (options) =>
    call(
      "close",
      options,
      true,
      (target) => Either.right(HttpClientRequest.put(target.path, { body: CLOSE_BODY })),
      closeAnswer
    )

  const statusAnswer = decoded(decodeSessionDetail)
  const getStatus: Service["getStatus"] = (options) =>
    call("getStatus", options, true, (target) => Either.right(HttpClientRequest.get(target.path)), statusAnswer)

  const filesAnswer = decoded(decodeSessionFilePage)
  const getFiles: Service["getFiles"] = (options) =>
    call(
      "getFiles",
      options,
      true,
      page("getFiles", options, (target) => `${target.path}/files`, { ingestion_status: options.ingestionStatus }),
      filesAnswer
    )

  const listAnswer = decoded(decodeSessionPage)
  const list: Service["list"] = (options = {}) =>
    call(
      "list",
      options,
      false,
      page("list", options, (target) => target.path, { is_expired: options.isExpired }),
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
