import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { RouteName } from "../Inspection.js"
import { parseUuid } from "./ids.js"
import * as Inject from "./inject.js"
import * as Page from "./page.js"
import { presign } from "./policy.js"
import { CurrentEntry } from "./requestLog.js"
import * as Respond from "./respond.js"
import { authenticate, type EmulatorRuntime, userIdOf } from "./runtime.js"
import type { Session } from "./session.js"
import * as Validation from "./validation.js"

/**
 * The five operations of the upload-session API, under `/api/v1`.
 *
 * @internal
 */
const documentationUrl = "https://docs.cloud.deepset.ai/docs/upload-files-with-sessions"

/** @internal */
export const iso = (millis: number): string => new Date(millis).toISOString()

/** @internal */
export interface Call {
  readonly now: number
  readonly request: HttpServerRequest.HttpServerRequest
  readonly workspace: string
  readonly sessionId: string | undefined
  /** The route's path parameters, decoded. */
  readonly params: Readonly<Record<string, string | undefined>>
  readonly key: string
}

/** @internal */
export type Handler = (call: Call) => Effect.Effect<HttpServerResponse.HttpServerResponse>

const maxJsonBody = Option.some(1024 * 1024)

/**
 * Runs an operation the way the service does: faults first (they stand for the infrastructure in
 * front of it), then the key, then the workspace, then the operation with expiry settled.
 *
 * @internal
 */
export const operation = (runtime: EmulatorRuntime, route: RouteName, handler: Handler) =>
  Effect.gen(function*() {
    const entry = yield* CurrentEntry
    entry.route = route
    const fault = runtime.faults.next(route, undefined)
    if (fault !== undefined) {
      // A fault is logged when it strikes: these at once, the others (Inject.after) once the operation
      // took effect, so that a logged Hang is a request held with its work done.
      if (Inject.strikesBefore(fault)) entry.fault = fault._tag
      const instead = yield* Inject.before(fault, "json", runtime.clock, String(entry.id))
      if (instead !== undefined) return instead
    }
    const request = yield* HttpServerRequest.HttpServerRequest
    const keyIndex = authenticate(runtime, request.headers["authorization"])
    if (keyIndex < 0) return Respond.unauthorized
    const params = yield* HttpRouter.params
    const workspace = params["workspace"] ?? ""
    if (runtime.workspaces !== undefined && !runtime.workspaces.has(workspace)) {
      return Respond.notFound("Workspace not found")
    }
    const now = runtime.clock.unsafeCurrentTimeMillis()
    runtime.store.settle(now)
    const response = yield* handler({
      now,
      request,
      workspace,
      sessionId: params["session_id"],
      params,
      key: runtime.apiKeys[keyIndex]!
    })
    return fault === undefined ? response : yield* Inject.after(fault, response)
  })

const bodyError = (error: Validation.BodyError) =>
  error._tag === "UnsupportedMediaType" ? Respond.unsupportedMediaType : Respond.unprocessable(error.detail)

/** The request's body as `validate` reads it, or the answer that refuses it: 413, then 415 or 422. */
const readBody = <A>(
  call: Call,
  validate: (body: string, contentType: string | undefined) => Either.Either<A, Validation.BodyError>
) =>
  call.request.text.pipe(
    HttpIncomingMessage.withMaxBodySize(maxJsonBody),
    Effect.mapError(() => Respond.detail(413, "Request body too large")),
    Effect.flatMap((body) => Either.mapLeft(validate(body, call.request.headers["content-type"]), bodyError)),
    Effect.either
  )

const sessionNotFound = Respond.notFound("Upload session not found")

const findSession = (runtime: EmulatorRuntime, call: Call): Session | undefined => {
  const id = call.sessionId === undefined ? undefined : parseUuid(call.sessionId)
  return id === undefined ? undefined : runtime.store.find(call.workspace, id)
}

const create = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.gen(function*() {
    const asked = yield* readBody(call, Validation.createBody)
    if (Either.isLeft(asked)) return asked.left
    const session = runtime.store.create(
      call.workspace,
      asked.right.writeMode,
      call.now,
      userIdOf(call.key),
      asked.right.parallelProcessing
    )
    const workspace = runtime.store.workspace(call.workspace)
    return Respond.json(201, {
      session_id: session.id,
      documentation_url: documentationUrl,
      expires_at: iso(session.expiresAt),
      aws_prefixed_request_config: {
        url: runtime.urls.s3,
        fields: presign(runtime.signer, {
          prefix: `${runtime.organizationId}/${workspace.id}/${session.id}/`,
          now: session.createdAt,
          expiresAt: session.expiresAt,
          maxFileSize: runtime.maxFileSize
        })
      }
    })
  })

const close = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.gen(function*() {
    const valid = yield* readBody(call, Validation.closeBody)
    if (Either.isLeft(valid)) return valid.left
    const session = findSession(runtime, call)
    if (session === undefined) return sessionNotFound
    runtime.store.close(session, call.now)
    return HttpServerResponse.empty({ status: 204 })
  })

const getStatus = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.sync(() => {
    const session = findSession(runtime, call)
    if (session === undefined) return sessionNotFound
    const counts = session.counts(call.now)
    return Respond.json(200, {
      session_id: session.id,
      documentation_url: documentationUrl,
      expires_at: iso(session.expiresAt),
      ingestion_status: { failed_files: counts.failed, finished_files: counts.finished }
    })
  })

const unknownCursor = (name: "after" | "before", input: string) =>
  Respond.unprocessable([{
    type: "value_error",
    loc: ["query", name],
    msg: "Value error, no item with this id in the listing",
    input
  }])

/** The page request a validated query asks for: a cursor wins over `page_number`, `after` over `before`. */
const pageRequest = (
  query: Validation.Paging,
  positionOf: (id: string) => number | undefined
): Either.Either<Page.Request, HttpServerResponse.HttpServerResponse> => {
  const cursor = query.after !== undefined
    ? { name: "after" as const, id: query.after }
    : query.before !== undefined
    ? { name: "before" as const, id: query.before }
    : undefined
  if (cursor === undefined) return Either.right({ _tag: "Page", page: query.pageNumber, limit: query.limit })
  const position = positionOf(cursor.id)
  if (position === undefined) return Either.left(unknownCursor(cursor.name, cursor.id))
  return Either.right({ _tag: cursor.name === "after" ? "After" : "Before", position, limit: query.limit })
}

/** @internal */
export const searchParams = (request: HttpServerRequest.HttpServerRequest): URLSearchParams => {
  const questionMark = request.url.indexOf("?")
  return new URLSearchParams(questionMark === -1 ? "" : request.url.slice(questionMark + 1))
}

const getFiles = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.sync(() => {
    const query = Validation.filesQuery(searchParams(call.request))
    if (Either.isLeft(query)) return Respond.unprocessable(query.left)
    const session = findSession(runtime, call)
    if (session === undefined) return sessionNotFound
    const request = pageRequest(query.right, (id) => session.positionOf(id))
    if (Either.isLeft(request)) return request.left
    const page = Page.paginate(session.files(call.now, query.right.ingestionStatus), request.right)
    return Respond.json(200, {
      data: page.positions.map((position) => {
        const file = session.fileAt(call.now, position)
        return {
          name: file.name,
          file_ingestion_id: file.fileIngestionId,
          ingestion_status: file.status,
          ...(file.reason === undefined ? {} : { ingestion_status_reason: file.reason })
        }
      }),
      has_more: page.hasMore,
      total: page.total
    })
  })

const list = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.sync(() => {
    const query = Validation.sessionsQuery(searchParams(call.request))
    if (Either.isLeft(query)) return Respond.unprocessable(query.left)
    // Reading a workspace never creates it: only `create` does.
    const workspace = runtime.store.workspaces.get(call.workspace)
    const request = pageRequest(query.right, (id) => workspace?.positionById.get(id))
    if (Either.isLeft(request)) return request.left
    const view = workspace === undefined ? Page.range(0, 0) : workspace.view(call.now, query.right.isExpired)
    const page = Page.paginate(view, request.right)
    const sessions = workspace?.sessions ?? []
    return Respond.json(200, {
      data: page.positions.map((position) => {
        const session = sessions[position]!
        return {
          session_id: session.id,
          created_at: iso(session.createdAt),
          created_by: { user_id: session.createdBy, given_name: "Emulator", family_name: "User" },
          expires_at: iso(session.expiresAt),
          write_mode: session.writeMode,
          status: session.status(call.now)
        }
      }),
      has_more: page.hasMore,
      total: page.total
    })
  })

/** @internal */
export const router = (runtime: EmulatorRuntime) => {
  const sessions = "/api/v1/workspaces/:workspace/upload_sessions"
  return HttpRouter.empty.pipe(
    HttpRouter.post(sessions, operation(runtime, "create", create(runtime))),
    HttpRouter.get(sessions, operation(runtime, "list", list(runtime))),
    HttpRouter.put(`${sessions}/:session_id`, operation(runtime, "close", close(runtime))),
    HttpRouter.get(`${sessions}/:session_id`, operation(runtime, "getStatus", getStatus(runtime))),
    HttpRouter.get(`${sessions}/:session_id/files`, operation(runtime, "getFiles", getFiles(runtime)))
  )
}
