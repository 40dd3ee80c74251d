import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import type * as Fault from "../Fault.js"
import { s3Error as s3ErrorBody } from "./policy.js"
import { CurrentEntry } from "./requestLog.js"
import * as Respond from "./respond.js"

/**
 * Turning a fault into what the client sees. Status faults answer instead of the handler (the
 * request has no effect); `Delay` holds the request back first; the others damage or withhold
 * the handler's answer after the request took effect, which is what makes them ambiguous to a
 * client.
 *
 * @internal
 */
export type Style = "json" | "xml"

const proxyPage = (status: 502 | 504): string => {
  const title = status === 502 ? "502 Bad Gateway" : "504 Gateway Time-out"
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
}

/** The HTTP date `seconds` from `now`, rounded up so that it is never earlier than promised. */
const httpDate = (now: number, seconds: number): string =>
  new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString()

const serverError = (status: 500 | 502 | 503 | 504, style: Style, requestId: string) => {
  if (style === "xml") {
    const code = status === 503 ? "ServiceUnavailable" : "InternalError"
    const message = status === 503
      ? "Please reduce your request rate."
      : "We encountered an internal error. Please try again."
    return Respond.s3Error(s3ErrorBody(status, code, message), requestId)
  }
  switch (status) {
    case 500:
      return HttpServerResponse.text("Internal Server Error", { status })
    case 503:
      return Respond.detail(503, "Service Unavailable")
    default:
      return HttpServerResponse.text(proxyPage(status), { status, contentType: "text/html" })
  }
}

/**
 * Whether `fault` acts before the operation (instead of it, or by holding it back) rather than on its
 * answer.
 *
 * @internal
 */
export const strikesBefore = (fault: Fault.Fault): boolean => {
  switch (fault._tag) {
    case "TooManyRequests":
    case "ServerError":
    case "RequestTimeout":
    case "SlowDown":
    case "Delay":
      return true
    default:
      return false
  }
}

/**
 * The answer a fault gives in place of the handler's, `undefined` when the handler is to run
 * (after a `Delay`, which this effect sleeps through on the emulator's clock).
 *
 * @internal
 */
export const before = (
  fault: Fault.Fault | undefined,
  style: Style,
  clock: Clock.Clock,
  requestId: string
): Effect.Effect<HttpServerResponse.HttpServerResponse | undefined> => {
  if (fault === undefined) return Effect.succeed(undefined)
  switch (fault._tag) {
    case "TooManyRequests":
      return Effect.map(clock.currentTimeMillis, (now) => {
        const seconds = fault.retryAfter ?? 1
        const format = fault.format ?? "seconds"
        const headers: Record<string, string> = format === "none" ?
          {} :
          { "retry-after": format === "date" ? httpDate(now, seconds) : String(seconds) }
        return style === "xml"
          ? HttpServerResponse.setHeaders(
            Respond.s3Error(s3ErrorBody(429, "TooManyRequests", "Please reduce your request rate."), requestId),
            headers
          )
          : Respond.detail(429, "Too Many Requests", headers)
      })
    case "ServerError":
      return Effect.succeed(serverError(fault.status, style, requestId))
    case "RequestTimeout":
      return Effect.succeed(Respond.s3Error(
        s3ErrorBody(
          400,
          "RequestTimeout",
          "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."
        ),
        requestId
      ))
    case "SlowDown":
      return Effect.succeed(
        Respond.s3Error(s3ErrorBody(503, "SlowDown", "Please reduce your request rate."), requestId)
      )
    case "Delay":
      return Effect.as(clock.sleep(Duration.millis(fault.millis)), undefined)
    default:
      return Effect.succeed(undefined)
  }
}

const socketOf = (request: HttpServerRequest.HttpServerRequest) =>
  NodeHttpServerRequest.toServerResponse(request).socket

/**
 * Resets the connection (a TCP RST where the platform allows it) and waits for the server to
 * notice the client is gone, which interrupts this request.
 *
 * @internal
 */
export const reset: Effect.Effect<never, never, HttpServerRequest.HttpServerRequest | CurrentEntry> = Effect.gen(
  function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const socket = socketOf(request)
    if (socket !== null) {
      if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
      else socket.destroy()
    }
    return yield* Effect.never
  }
)

const truncate = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const entry = yield* CurrentEntry
    const body = response.body._tag === "Uint8Array" && response.body.body.length > 1
      ? response.body.body
      : new TextEncoder().encode(JSON.stringify({ detail: "this body is cut short by the emulator" }))
    const status = response.status === 204 ? 200 : response.status
    const contentType = response.body._tag === "Uint8Array" ? response.body.contentType : "application/json"
    entry.status = status
    const socket = socketOf(request)
    if (socket !== null) {
      // Written on the socket itself: Node's response object would refuse a body shorter than its length.
      const head = [
        `HTTP/1.1 ${status} ${Http.STATUS_CODES[status] ?? "OK"}`,
        `Content-Type: ${contentType}`,
        `Content-Length: ${body.length}`,
        "Connection: close",
        "",
        ""
      ].join("\r\n")
      socket.write(Buffer.concat([Buffer.from(head, "latin1"), body.subarray(0, Math.floor(body.length / 2))]), () =>
        socket.destroy())
    }
    return yield* Effect.never
  })

/** A body that starts like the real one and stops being JSON halfway through. */
const malformed = "{\"session_id\": \"0b7a0a5e-emulator\", \"data\": [{\"name\": \"broken.txt\", \"ingestion_status\": "

const wrongShape = { unexpected: true, session_id: 12345, data: "not-a-list", has_more: "maybe", total: null }

/**
 * The handler's answer as the fault leaves it: reset, withheld, unparsable, cut short, or of the
 * wrong shape, logged as struck now. Faults that `before` handles pass the response through.
 *
 * @internal
 */
export const after = (
  fault: Fault.Fault | undefined,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | CurrentEntry> => {
  if (fault === undefined || strikesBefore(fault)) return Effect.succeed(response)
  return Effect.flatMap(CurrentEntry, (entry) => {
    entry.fault = fault._tag
    return damage(fault, response)
  })
}

const damage = (
  fault: Fault.Fault,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest | CurrentEntry> => {
  const status = response.status >= 200 && response.status < 300 && response.status !== 204 ? response.status : 200
  switch (fault._tag) {
    case "ConnectionReset":
      return reset
    case "Hang":
      return Effect.never
    case "MalformedJson":
      return Effect.succeed(HttpServerResponse.text(malformed, { status, contentType: "application/json" }))
    case "WrongShape":
      return Effect.succeed(Respond.json(status, wrongShape))
    case "TruncatedBody":
      return truncate(response)
    default:
      return Effect.succeed(response)
  }
}
