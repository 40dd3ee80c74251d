import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Fault from "../Fault.js"
import * as Inspect from "./inspect.js"
import * as Respond from "./respond.js"
import type { EmulatorRuntime } from "./runtime.js"
import * as Seed from "./seed.js"

/**
 * The control API under `/_emulator/`: inspection and fault injection over HTTP, for tests that do
 * not run in the emulator's process. It needs no key and is no part of the real API.
 *
 * @internal
 */
const FaultsBody = Schema.Union(
  Schema.Array(Schema.Union(Schema.String, Fault.Rule)),
  Schema.Struct({ rules: Schema.Array(Schema.Union(Schema.String, Fault.Rule)) })
)

/** Rules given as objects or in the command line's syntax. @internal */
export const decodeRules = (body: unknown): Either.Either<ReadonlyArray<Fault.Rule>, string> =>
  Either.flatMap(
    Either.mapLeft(
      Schema.decodeUnknownEither(FaultsBody)(body),
      (error) => ParseResult.TreeFormatter.formatErrorSync(error)
    ),
    (decoded) => {
      const items = Array.isArray(decoded) ? decoded : "rules" in decoded ? decoded.rules : []
      return Either.all(items.map((item) => typeof item === "string" ? Fault.parse(item) : Either.right(item)))
    }
  )

const noContent = HttpServerResponse.empty({ status: 204 })

const query = (request: HttpServerRequest.HttpServerRequest): URLSearchParams => {
  const questionMark = request.url.indexOf("?")
  return new URLSearchParams(questionMark === -1 ? "" : request.url.slice(questionMark + 1))
}

/** @internal */
export const router = (runtime: EmulatorRuntime) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/_emulator",
      Effect.sync(() =>
        Respond.json(200, {
          apiUrl: runtime.urls.origin,
          apiBase: `${runtime.urls.origin}/api/v1`,
          s3Url: runtime.urls.s3,
          organizationId: runtime.organizationId,
          storageDir: runtime.storageDir
        })
      )
    ),
    HttpRouter.get(
      "/_emulator/requests",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const route = query(request).get("route")
        const requests = runtime.log.snapshot()
        return Respond.json(200, route === null ? requests : requests.filter((r) => r.route === route))
      })
    ),
    HttpRouter.del("/_emulator/requests", Effect.sync(() => runtime.log.clear()).pipe(Effect.as(noContent))),
    HttpRouter.get(
      "/_emulator/objects",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const sessionId = query(request).get("session_id")
        return Respond.json(200, yield* Inspect.objects(runtime, sessionId ?? undefined))
      })
    ),
    HttpRouter.get("/_emulator/sessions", Effect.map(Inspect.sessions(runtime), (s) => Respond.json(200, s))),
    HttpRouter.get(
      "/_emulator/workspaces/:workspace/files",
      Effect.gen(function*() {
        const params = yield* HttpRouter.params
        return Respond.json(200, yield* Inspect.workspaceFiles(runtime, params["workspace"] ?? ""))
      })
    ),
    HttpRouter.get("/_emulator/faults", Effect.sync(() => Respond.json(200, runtime.faults.current()))),
    HttpRouter.post(
      "/_emulator/faults",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* Effect.either(request.json)
        if (Either.isLeft(body)) return Respond.detail(400, "The body must be JSON: an array of fault rules or specs")
        const rules = decodeRules(body.right)
        if (Either.isLeft(rules)) return Respond.detail(400, rules.left)
        if (query(request).get("append") === "true") runtime.faults.add(rules.right)
        else runtime.faults.set(rules.right)
        return Respond.json(200, runtime.faults.current())
      })
    ),
    HttpRouter.del("/_emulator/faults", Effect.sync(() => runtime.faults.set([])).pipe(Effect.as(noContent))),
    HttpRouter.post("/_emulator/reset", Effect.as(Inspect.reset(runtime), noContent)),
    HttpRouter.post(
      "/_emulator/seed",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* Effect.either(request.json)
        if (Either.isLeft(body)) {
          return Respond.detail(400, "The body must be JSON: {\"workspace\", \"files\", \"close\"?, \"name_prefix\"?}")
        }
        const seed = Seed.decodeSeedBody(body.right)
        if (Either.isLeft(seed)) return Respond.detail(400, seed.left)
        const sessionId = yield* Effect.either(Seed.seed(runtime, seed.right))
        return Either.isLeft(sessionId)
          ? Respond.detail(400, sessionId.left)
          : Respond.json(201, { session_id: sessionId.right })
      })
    )
  )
