/**
 * Every documented failure mode arrives as its typed error, over both transports.
 */
import type { Errors } from "@effect-deepset/sdk"
import { UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { assertTag } from "../support/Assertions.js"
import { client, runner, transports } from "../support/Clients.js"
import { closedPort, json, scripted, ScriptedServer } from "../support/ScriptedServer.js"

const SESSION = "5e55-10n"

const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.flip(effect), (error) => Effect.succeed(error))

for (const transport of transports) {
  describe(`errors over ${transport.name}`, () => {
    const run = runner(transport)

    it.layer(ScriptedServer.layer)((it) => {
      it.effect("404 is NotFoundError", () =>
        Effect.gen(function*() {
          const server = yield* scripted(json(404, { detail: "Session not found" }))
          const error = assertTag(
            yield* failure(run(UploadSessions.getStatus({ sessionId: SESSION }))),
            "NotFoundError"
          )
          assert.strictEqual(error.method, "GET")
          assert.strictEqual(error.url, `${server.url}/api/v1/workspaces/default/upload_sessions/${SESSION}`)
          assert.include(error.message, "Session not found")
        }))

      it.effect("422 is ValidationError with the decoded details", () =>
        Effect.gen(function*() {
          yield* scripted(json(422, {
            detail: [
              { loc: ["query", "limit"], msg: "ensure this value is less than or equal to 100", type: "value_error" },
              { loc: ["body", 0], msg: "bad", type: "type_error", input: 3 }
            ]
          }))
          const error = yield* failure(run(UploadSessions.getFiles({ sessionId: SESSION, limit: 500 })))
          assert.strictEqual(error._tag, "ValidationError")
          if (error._tag !== "ValidationError") return
          assert.deepStrictEqual(error.details.map((detail) => [detail.loc, detail.msg, detail.type]), [
            [["query", "limit"], "ensure this value is less than or equal to 100", "value_error"],
            [["body", 0], "bad", "type_error"]
          ])
          assert.include(error.message, "query.limit: ensure this value is less than or equal to 100")
        }))

      it.effect("422 with a plain string detail, or garbage, is still ValidationError", () =>
        Effect.gen(function*() {
          yield* scripted(json(422, { detail: "write_mode is invalid" }))
          const plain = yield* failure(run(UploadSessions.create()))
          assert.strictEqual(plain._tag, "ValidationError")
          if (plain._tag === "ValidationError") assert.strictEqual(plain.details[0].msg, "write_mode is invalid")
          yield* scripted({ status: 422, body: "<html>nope</html>" })
          const garbage = yield* failure(run(UploadSessions.list()))
          assert.strictEqual(garbage._tag, "ValidationError")
          if (garbage._tag === "ValidationError") {
            assert.deepStrictEqual(garbage.details, [])
            assert.strictEqual(garbage.body, "<html>nope</html>")
          }
        }))

      it.effect("415 on create is UnsupportedMediaTypeError", () =>
        Effect.gen(function*() {
          yield* scripted(json(415, { detail: "Unsupported Media Type" }))
          const error = assertTag(
            yield* failure(run(UploadSessions.create({ writeMode: "KEEP" }))),
            "UnsupportedMediaTypeError"
          )
          assert.strictEqual(error.method, "POST")
        }))

      it.effect("401 and 403 are AuthenticationError", () =>
        Effect.gen(function*() {
          for (const status of [401, 403] as const) {
            yield* scripted(json(status, { detail: "Not authenticated" }))
            const error = yield* failure(run(UploadSessions.list()))
            assert.strictEqual(error._tag, "AuthenticationError")
            if (error._tag === "AuthenticationError") assert.strictEqual(error.status, status)
          }
        }))

      it.effect("429 is RateLimitedError with the parsed Retry-After", () =>
        Effect.gen(function*() {
          yield* scripted(json(429, { detail: "slow down" }, { "retry-after": "7" }))
          const error = yield* failure(run(UploadSessions.close({ sessionId: SESSION })))
          assert.strictEqual(error._tag, "RateLimitedError")
          if (error._tag === "RateLimitedError") {
            assert.deepStrictEqual(error.retryAfter, Option.some(Duration.seconds(7)))
          }
          yield* scripted(json(429, {}))
          const bare = yield* failure(run(UploadSessions.close({ sessionId: SESSION })))
          if (bare._tag === "RateLimitedError") assert.isTrue(Option.isNone(bare.retryAfter))
          else assert.fail(bare._tag)
        }))

      it.effect("5xx is ServerError with its status", () =>
        Effect.gen(function*() {
          for (const status of [500, 502, 503, 504, 507]) {
            yield* scripted(json(status, { detail: "boom" }))
            const error = yield* failure(run(UploadSessions.getFiles({ sessionId: SESSION })))
            assert.strictEqual(error._tag, "ServerError")
            if (error._tag === "ServerError") assert.strictEqual(error.status, status)
          }
        }))

      it.effect("any other status is UnexpectedStatusError", () =>
        Effect.gen(function*() {
          for (const status of [400, 408, 409]) {
            yield* scripted({ status, body: "odd" })
            const error = yield* failure(run(UploadSessions.getStatus({ sessionId: SESSION })))
            assert.strictEqual(error._tag, "UnexpectedStatusError", `status ${status}`)
            if (error._tag === "UnexpectedStatusError") assert.strictEqual(error.status, status)
          }
        }))

      it.effect("an error body is read only up to the excerpt bound", () =>
        Effect.gen(function*() {
          yield* scripted({ status: 500, body: "x".repeat(4 * 1024 * 1024) })
          const error = yield* failure(run(UploadSessions.list()))
          assert.strictEqual(error._tag, "ServerError")
          if (error._tag === "ServerError") {
            assert.isAtMost(error.body.length, 1025)
            assert.isTrue(error.body.endsWith("…"))
          }
        }))

      it.effect("malformed JSON, an empty body and a schema mismatch are DecodeError", () =>
        Effect.gen(function*() {
          yield* scripted({ status: 200, body: "{\"data\": [", headers: { "content-type": "application/json" } })
          const malformed = yield* failure(run(UploadSessions.list()))
          assert.strictEqual(malformed._tag, "DecodeError")
          if (malformed._tag === "DecodeError") {
            assert.include(malformed.description, "malformed JSON")
            assert.strictEqual(malformed.body, "{\"data\": [")
            assert.strictEqual(malformed.status, 200)
          }
          yield* scripted({ status: 200 })
          const empty = yield* failure(run(UploadSessions.getStatus({ sessionId: SESSION })))
          assert.strictEqual(empty._tag, "DecodeError")
          yield* scripted(json(201, { session_id: 42 }))
          const mismatch = yield* failure(run(UploadSessions.create()))
          assert.strictEqual(mismatch._tag, "DecodeError")
          if (mismatch._tag === "DecodeError") assert.include(mismatch.description, "session_id")
          yield* scripted(json(200, { session_id: SESSION, expires_at: "2024-02-30T00:00:00Z" }))
          const badDate = yield* failure(run(UploadSessions.getStatus({ sessionId: SESSION })))
          assert.strictEqual(badDate._tag, "DecodeError")
        }))

      it.effect("JSON nested 100 000 deep is a DecodeError with a capped excerpt, not a defect", () =>
        Effect.gen(function*() {
          const deep = "[".repeat(100_000) + "]".repeat(100_000)
          const headers = { "content-type": "application/json" }
          yield* scripted({ status: 200, body: deep, headers })
          const whole = yield* failure(run(UploadSessions.getStatus({ sessionId: SESSION })))
          yield* scripted({ status: 200, body: `{"data":[${deep}],"has_more":false,"total":1}`, headers })
          const item = yield* failure(run(UploadSessions.list()))
          for (const error of [whole, item]) {
            const decode = assertTag(error, "DecodeError")
            assert.isAtMost(decode.body.length, 1025)
            assert.isAtMost(decode.description.length, 1025)
          }
          yield* scripted({ status: 422, body: `{"detail":${deep}}`, headers })
          const validation = assertTag(yield* failure(run(UploadSessions.list())), "ValidationError")
          assert.isAtMost(validation.body.length, 1025)
          assert.deepStrictEqual(validation.details, [])
        }))

      it.effect("a dropped connection is TransportError", () =>
        Effect.gen(function*() {
          yield* scripted({ _tag: "Destroy" })
          const error = yield* failure(run(UploadSessions.getStatus({ sessionId: SESSION })))
          assert.strictEqual(error._tag, "TransportError")
          if (error._tag === "TransportError") assert.isFalse(error.connectionRefused)
        }))

      it.effect("a refused connection is TransportError with ECONNREFUSED", () =>
        Effect.gen(function*() {
          const port = yield* closedPort
          const error = yield* failure(
            Effect.provide(UploadSessions.list(), Layer.orDie(client(`http://127.0.0.1:${port}`, transport)))
          )
          assert.strictEqual(error._tag, "TransportError")
          if (error._tag === "TransportError") {
            assert.strictEqual(error.code, "ECONNREFUSED")
            assert.isTrue(error.connectionRefused)
            assert.strictEqual(error.url, `http://127.0.0.1:${port}/api/v1/workspaces/default/upload_sessions`)
          }
        }))

      it.effect("an attempt that outlives the timeout is TimeoutError", () =>
        Effect.gen(function*() {
          const server = yield* scripted({ _tag: "Hang" })
          const fiber = yield* Effect.fork(
            failure(run(UploadSessions.getStatus({ sessionId: SESSION }), { timeout: "5 seconds" }))
          )
          yield* server.awaitRequests(1)
          yield* TestClock.adjust("5 seconds")
          const error: Errors.GetStatusError = yield* Fiber.join(fiber)
          assert.strictEqual(error._tag, "TimeoutError")
          if (error._tag === "TimeoutError") assert.deepStrictEqual(error.timeout, Duration.seconds(5))
        }))

      it.effect("the timeout covers the body: an answer that stops halfway is TimeoutError", () =>
        Effect.gen(function*() {
          const server = yield* scripted({ _tag: "Stall", status: 200 })
          const fiber = yield* Effect.fork(
            failure(run(UploadSessions.list(), { timeout: "5 seconds" }))
          )
          yield* server.awaitRequests(1)
          yield* TestClock.adjust("5 seconds")
          assertTag(yield* Fiber.join(fiber), "TimeoutError")
        }))

      it.effect("a timed-out attempt is retried, and the next one can succeed", () =>
        Effect.gen(function*() {
          const server = yield* scripted({ _tag: "Hang" })
          server.script(json(200, { session_id: SESSION, expires_at: "2024-01-01T00:00:00Z" }))
          const fiber = yield* Effect.fork(
            run(UploadSessions.getStatus({ sessionId: SESSION, retry: Schedule.recurs(1) }), { timeout: "5 seconds" })
          )
          yield* server.awaitRequests(1)
          yield* TestClock.adjust("5 seconds")
          const detail = yield* Fiber.join(fiber)
          assert.strictEqual(detail.sessionId, SESSION)
          assert.strictEqual(server.requests.length, 2)
        }))
    })
  })
}
