/**
 * The API key never shows: not in any error's message, string form, JSON, inspection or pretty cause,
 * not in spans. The server here is hostile: it echoes the Authorization header into every body.
 */
import { DeepsetClient, type Errors, Retry, UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"
import { client, TEST_API_KEY, transports } from "../support/Clients.js"
import { closedPort, ScriptedServer } from "../support/ScriptedServer.js"
import { awaitSleeps } from "../support/TestTime.js"

type AnyError = Errors.ApiError | Errors.InvalidInputError | Errors.ConfigurationError

const renderings = (error: AnyError): ReadonlyArray<string> => [
  error.message,
  String(error),
  JSON.stringify(error),
  inspect(error, { depth: 10 }),
  Cause.pretty(Cause.fail(error)),
  Cause.pretty(Cause.fail(error), { renderErrorCause: true }),
  error.stack ?? ""
]

for (const transport of transports) {
  describe(`secrets over ${transport.name}`, () => {
    it.layer(ScriptedServer.layer)((it) => {
      it.effect("no error of any type renders the API key", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          const echo = (status: number) => () => ({
            status,
            body: `{"detail": "you sent ${server.requests.at(-1)?.headers.authorization}"}`
          })
          const layer = Layer.orDie(client(server.url, transport))
          const fail = <A, E extends AnyError>(effect: Effect.Effect<A, E, DeepsetClient.DeepsetClient>) =>
            Effect.flip(Effect.provide(effect, layer))

          const errors: Array<AnyError> = []
          for (const status of [404, 415, 422, 401, 403, 429, 500, 503, 400]) {
            server.handle(echo(status))
            errors.push(yield* fail(UploadSessions.create()))
          }
          server.handle(echo(200))
          errors.push(yield* fail(UploadSessions.getStatus({ sessionId: "s" })))
          errors.push(yield* fail(UploadSessions.getStatus({ sessionId: "" })))
          const port = yield* closedPort
          errors.push(
            yield* Effect.flip(
              Effect.provide(UploadSessions.list(), Layer.orDie(client(`http://127.0.0.1:${port}`, transport)))
            )
          )
          server.handle(() => ({ _tag: "Hang" }))
          const hanging = yield* Effect.fork(fail(UploadSessions.list()))
          yield* server.awaitRequests(server.requests.length + 1)
          yield* TestClock.adjust("1 minute")
          errors.push(yield* Fiber.join(hanging))
          errors.push(
            yield* Effect.flip(
              Effect.provide(
                DeepsetClient.DeepsetClient,
                DeepsetClient.layer({
                  apiKey: Redacted.make(TEST_API_KEY),
                  baseUrl: `https://user:${TEST_API_KEY}@example.com`
                }).pipe(Layer.provide(transport.layer))
              )
            )
          )
          errors.push(
            yield* Effect.flip(
              Effect.provide(
                DeepsetClient.DeepsetClient,
                DeepsetClient.layer({ apiKey: Redacted.make(TEST_API_KEY), baseUrl: "http://example.com" }).pipe(
                  Layer.provide(transport.layer)
                )
              )
            )
          )

          const tags = new Set(errors.map((error) => error._tag))
          assert.deepStrictEqual([...tags].sort(), [
            "AuthenticationError",
            "ConfigurationError",
            "DecodeError",
            "InvalidInputError",
            "NotFoundError",
            "RateLimitedError",
            "ServerError",
            "TimeoutError",
            "TransportError",
            "UnexpectedStatusError",
            "UnsupportedMediaTypeError",
            "ValidationError"
          ])
          for (const error of errors) {
            assert.notStrictEqual(error.message, "", error._tag)
            assert.notMatch(error.message, /^\{/, `${error._tag} has a readable message`)
            for (const text of renderings(error)) {
              assert.notInclude(text, TEST_API_KEY, `${error._tag} leaks the key`)
            }
          }
          // The hostile echo did reach the SDK: it was redacted, not missed.
          const notFound = errors.find((error) => error._tag === "NotFoundError")
          assert.include(notFound?.message, "[REDACTED]")
        }))

      it.effect("every attempt is a child span and every retry an event, and no span holds the key", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script({ status: 503, body: { detail: "busy" } }, { status: 204 })
          const base = yield* Effect.tracer
          const spans: Array<Tracer.Span> = []
          const events: Array<readonly [string, string, Record<string, unknown>]> = []
          const recording = Tracer.make({
            span: (...args) => {
              const span = base.span(...args)
              spans.push(span)
              const event = span.event.bind(span)
              return Object.assign(span, {
                event: (name: string, startTime: bigint, attributes?: Record<string, unknown>) => {
                  events.push([span.name, name, attributes ?? {}])
                  event(name, startTime, attributes)
                }
              })
            },
            context: base.context
          })
          const call = yield* UploadSessions.close({ workspaceName: "team", sessionId: "s-1" }).pipe(
            Effect.provide(Layer.orDie(client(server.url, transport, { retry: Retry.policy({ base: "1 second" }) }))),
            Effect.withTracer(recording),
            Effect.fork
          )
          yield* server.awaitRequests(1)
          yield* awaitSleeps(1)
          yield* TestClock.adjust("1 second")
          yield* Fiber.join(call)
          const operation = spans.find((span) => span.name === "UploadSessions.close")
          assert.isDefined(operation)
          assert.strictEqual(operation?.attributes.get("deepset.workspace"), "team")
          assert.strictEqual(operation?.attributes.get("deepset.session_id"), "s-1")
          assert.strictEqual(operation?.attributes.get("http.request.method"), "PUT")
          assert.strictEqual(
            operation?.attributes.get("url.full"),
            `${server.url}/api/v1/workspaces/team/upload_sessions/s-1`
          )
          assert.strictEqual(operation?.attributes.get("http.request.resend_count"), 1)
          // Each attempt is the platform's http.client span, a child of the operation's span, with its status;
          // each request propagates its attempt's span.
          const attempts = spans.filter((span) => span.name.startsWith("http.client"))
          assert.deepStrictEqual(attempts.map((span) => span.attributes.get("http.response.status_code")), [503, 204])
          for (const [index, attempt] of attempts.entries()) {
            assert.strictEqual(Option.getOrUndefined(attempt.parent)?.spanId, operation?.spanId)
            assert.include(server.requests[index].headers["traceparent"], `-${attempt.spanId}-`)
          }
          const retries = events.filter(([, name]) => name === "retry")
          assert.strictEqual(retries.length, 1)
          const [spanName, , attributes] = retries[0]
          assert.strictEqual(spanName, "UploadSessions.close")
          assert.strictEqual(attributes["http.request.resend_count"], 1)
          assert.strictEqual(attributes["http.response.status_code"], 503)
          assert.strictEqual(attributes["error.type"], "ServerError")
          assert.isNumber(attributes["retry.wait_ms"])
          for (const span of spans) {
            for (const [name, value] of span.attributes) {
              assert.notInclude(String(value), TEST_API_KEY, `span ${span.name} attribute ${name}`)
            }
          }
          for (const [span, name, attributes] of events) {
            assert.notInclude(JSON.stringify(attributes), TEST_API_KEY, `span ${span} event ${name}`)
          }
        }))
    })
  })
}
