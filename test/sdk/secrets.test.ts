/**
 * The API key never shows: not in any error's message, string form, JSON, inspection or pretty cause,
 * not in spans. The server here is hostile: it echoes the Authorization header into every body.
 */
import { DeepsetClient, type Errors, UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"
import { client, TEST_API_KEY, transports } from "../support/Clients.js"
import { closedPort, ScriptedServer } from "../support/ScriptedServer.js"

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

      it.effect("the operation span carries the workspace, session id and HTTP attributes but never the key", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.handle(() => ({ status: 204 }))
          const base = yield* Effect.tracer
          const spans: Array<Tracer.Span> = []
          const recording = Tracer.make({
            span: (...args) => {
              const span = base.span(...args)
              spans.push(span)
              return span
            },
            context: base.context
          })
          yield* UploadSessions.close({ workspaceName: "team", sessionId: "s-1" }).pipe(
            Effect.provide(Layer.orDie(client(server.url, transport))),
            Effect.withTracer(recording)
          )
          const operation = spans.find((span) => span.name === "UploadSessions.close")
          assert.isDefined(operation)
          assert.strictEqual(operation?.attributes.get("deepset.workspace"), "team")
          assert.strictEqual(operation?.attributes.get("deepset.session_id"), "s-1")
          // One span per call: it carries the HTTP attributes, and the request propagates it.
          assert.isFalse(spans.some((span) => span.name.startsWith("http.client")))
          assert.strictEqual(operation?.attributes.get("http.request.method"), "PUT")
          assert.strictEqual(
            operation?.attributes.get("url.full"),
            `${server.url}/api/v1/workspaces/team/upload_sessions/s-1`
          )
          assert.strictEqual(operation?.attributes.get("http.response.status_code"), 204)
          assert.include(server.requests[0].headers["traceparent"], `-${operation?.spanId}-`)
          for (const span of spans) {
            for (const [name, value] of span.attributes) {
              assert.notInclude(String(value), TEST_API_KEY, `span ${span.name} attribute ${name}`)
            }
          }
        }))
    })
  })
}
