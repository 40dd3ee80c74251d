import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Api from "./api.js"
import * as Control from "./control.js"
import * as Files from "./files.js"
import { CurrentEntry, type Entry } from "./requestLog.js"
import * as Respond from "./respond.js"
import type { EmulatorRuntime } from "./runtime.js"
import * as S3 from "./s3.js"

/**
 * The whole server: the API, the S3 endpoint and the control routes, behind a layer that logs
 * every request that is not a control request and turns unknown paths into FastAPI's 404 and 405.
 *
 * @internal
 */
const known: ReadonlyArray<RegExp> = [
  /^\/api\/v1\/workspaces\/[^/]+\/upload_sessions(\/[^/]+(\/files)?)?$/,
  /^\/api\/v1\/workspaces\/[^/]+\/files(\/[^/]+(\/meta)?)?$/,
  /^\/s3\/[^/]+$/
]

const pathOf = (url: string): string => {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

const validEncoding = (path: string): boolean => {
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

/** @internal */
export const makeApp = (runtime: EmulatorRuntime) =>
  Effect.gen(function*() {
    const router = HttpRouter.concatAll(
      Api.router(runtime),
      Files.router(runtime),
      HttpRouter.empty.pipe(HttpRouter.post("/s3/:bucket", S3.upload(runtime))),
      Control.router(runtime)
    )
    const routed = yield* HttpRouter.toHttpApp(router).pipe(
      HttpRouter.withRouterConfig({ maxParamLength: 4096 })
    )
    const answer = (entry: Entry) =>
      routed.pipe(
        Effect.provideService(CurrentEntry, entry),
        Effect.catchTag("RouteNotFound", (error) =>
          Effect.succeed(
            known.some((pattern) => pattern.test(pathOf(error.request.url)))
              ? Respond.detail(405, "Method Not Allowed")
              : Respond.notFound()
          )),
        Effect.catchAllCause((cause) =>
          // An interruption is the client going away (or a fault resetting it): there is no one to answer.
          Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.as(
            Effect.logError("deepset emulator: a request failed", cause),
            HttpServerResponse.text("Internal Server Error", { status: 500 })
          )
        )
      )
    return Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = pathOf(request.url)
      if (!validEncoding(path)) return Respond.detail(400, "Invalid percent-encoding in the path")
      const now = runtime.clock.unsafeCurrentTimeMillis()
      if (path === "/_emulator" || path.startsWith("/_emulator/")) {
        return yield* answer(runtime.log.detached(now))
      }
      const incoming = NodeHttpServerRequest.toIncomingMessage(request)
      const entry = runtime.log.begin(
        { method: request.method, url: request.url, rawHeaders: incoming.rawHeaders },
        now
      )
      const response = yield* answer(entry)
      if (entry.status === undefined) entry.status = response.status
      if (runtime.logRequests) {
        yield* Effect.logInfo(`${entry.method} ${entry.path} → ${entry.status} (${entry.route})`)
      }
      return response
    })
  })
