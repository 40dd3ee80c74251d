/**
 * Retries on the wire: which failures are retried, for which operations, and when (TestClock).
 */
import { Retry, UploadSessions } from "@effect-deepset/sdk"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { assertTag } from "../support/Assertions.js"
import { client, runner, transports } from "../support/Clients.js"
import { closedPort, json, scripted, ScriptedServer } from "../support/ScriptedServer.js"
import { awaitSleeps } from "../support/TestTime.js"

const SESSION = "s-1"
const detail = { session_id: SESSION, expires_at: "2024-01-01T00:00:00Z" }
const emptyPage = { data: [], has_more: false, total: 0 }
const created = {
  session_id: SESSION,
  expires_at: "2024-01-01T00:00:00Z",
  aws_prefixed_request_config: { url: "https://s3.example.com", fields: {} }
}
/** Retries everything three times without waiting: only the SDK's own gate can stop it. */
const eager = Schedule.recurs(3)

for (const transport of transports) {
  describe(`retries over ${transport.name}`, () => {
    const run = runner(transport)
    // The default policy, and no per-attempt timeout so that the only sleeps are the retry waits.
    const withDefaultPolicy = { retry: Retry.defaultPolicy, timeout: Duration.infinity }

    // Each test gets its own server and TestClock: sleeps of one test must not show up in another.
    const test = <E>(name: string, body: () => Effect.Effect<void, E, ScriptedServer>) =>
      it.effect(name, () => Effect.provide(body(), ScriptedServer.layer))

    test("a Retry-After in seconds is waited out, not less", () =>
      Effect.gen(function*() {
        const now = yield* TestClock.currentTimeMillis
        const server = yield* scripted(json(429, {}, { "retry-after": "10" }), json(200, emptyPage))
        const fiber = yield* Effect.fork(run(UploadSessions.list(), withDefaultPolicy))
        const [wakeUp] = yield* awaitSleeps(1)
        assert.strictEqual(wakeUp - now, 10_000)
        yield* TestClock.adjust(Duration.millis(9_999))
        assert.strictEqual(server.requests.length, 1)
        yield* TestClock.adjust(Duration.millis(1))
        const page = yield* Fiber.join(fiber)
        assert.strictEqual(page.total, 0)
        assert.strictEqual(server.requests.length, 2)
      }))

    test("a Retry-After as an HTTP date is waited out, on a 503 too", () =>
      Effect.gen(function*() {
        const now = yield* TestClock.currentTimeMillis
        const at = new Date(now + 20_000).toUTCString()
        const server = yield* scripted(json(503, {}, { "retry-after": at }), json(200, detail))
        const fiber = yield* Effect.fork(run(UploadSessions.getStatus({ sessionId: SESSION }), withDefaultPolicy))
        const [wakeUp] = yield* awaitSleeps(1)
        assert.strictEqual(wakeUp, now + 20_000)
        yield* TestClock.adjust("20 seconds")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.sessionId, SESSION)
        assert.strictEqual(server.requests.length, 2)
      }))

    test("a Retry-After longer than the longest wait fails at once, carrying it", () =>
      Effect.gen(function*() {
        const server = yield* scripted(json(429, {}, { "retry-after": "120" }), json(200, emptyPage))
        const error = assertTag(
          yield* Effect.flip(run(UploadSessions.list(), withDefaultPolicy)),
          "RateLimitedError"
        )
        assert.deepStrictEqual(error.retryAfter, Option.some(Duration.seconds(120)))
        assert.strictEqual(server.requests.length, 1)
      }))

    test("transient failures are retried until success", () =>
      Effect.gen(function*() {
        const server = yield* scripted(
          json(503, {}),
          json(502, {}),
          { _tag: "Destroy" },
          json(408, {}),
          json(200, detail)
        )
        const result = yield* run(UploadSessions.getStatus({ sessionId: SESSION }), { retry: Schedule.recurs(5) })
        assert.strictEqual(result.sessionId, SESSION)
        assert.strictEqual(server.requests.length, 5)
      }))

    test("the default policy backs off between transient failures", () =>
      Effect.gen(function*() {
        const now = yield* TestClock.currentTimeMillis
        const server = yield* scripted(json(500, {}), json(200, emptyPage))
        const fiber = yield* Effect.fork(run(UploadSessions.list(), withDefaultPolicy))
        const [wakeUp] = yield* awaitSleeps(1)
        // The first wait is the base (250 millis) with jitter between half and all of it.
        assert.isAtLeast(wakeUp - now, 125)
        assert.isAtMost(wakeUp - now, 250)
        yield* TestClock.adjust("250 millis")
        yield* Fiber.join(fiber)
        assert.strictEqual(server.requests.length, 2)
      }))

    test("404 and 422 are never retried, whatever the policy", () =>
      Effect.gen(function*() {
        const server = yield* scripted(json(404, {}), json(200, detail))
        assertTag(
          yield* Effect.flip(run(UploadSessions.getStatus({ sessionId: SESSION }), { retry: eager })),
          "NotFoundError"
        )
        assert.strictEqual(server.requests.length, 1)
        yield* scripted(json(422, { detail: [] }), json(200, emptyPage))
        assertTag(yield* Effect.flip(run(UploadSessions.list(), withDefaultPolicy)), "ValidationError")
        assert.strictEqual(server.requests.length, 1)
      }))

    test("create is not retried where the server may have acted", () =>
      Effect.gen(function*() {
        for (const action of [json(500, {}), json(502, {}), json(503, {}), { _tag: "Destroy" } as const]) {
          const server = yield* scripted(action, json(201, created))
          yield* Effect.flip(run(UploadSessions.create(), { retry: eager }))
          assert.strictEqual(server.requests.length, 1, JSON.stringify(action))
        }
      }))

    test("create is retried after 429 and after 503 with Retry-After", () =>
      Effect.gen(function*() {
        const server = yield* scripted(
          json(429, {}),
          json(503, {}, { "retry-after": "0" }),
          json(201, created)
        )
        const session = yield* run(UploadSessions.create(), { retry: eager })
        assert.strictEqual(session.sessionId, SESSION)
        assert.strictEqual(server.requests.length, 3)
      }))

    test("create is retried when the connection is refused", () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        let attempts = 0
        const error = yield* Effect.flip(
          Effect.provide(
            UploadSessions.create(),
            Layer.orDie(client(`http://127.0.0.1:${port}`, transport, {
              retry: Schedule.recurs(2),
              transformClient: HttpClient.tapRequest(() => Effect.sync(() => attempts++))
            }))
          )
        )
        assertTag(error, "TransportError")
        assert.strictEqual(attempts, 3)
      }))

    test("retries can be turned off per client and chosen per call", () =>
      Effect.gen(function*() {
        const server = yield* scripted(json(503, {}), json(200, emptyPage))
        assertTag(yield* Effect.flip(run(UploadSessions.list(), { retry: false })), "ServerError")
        assert.strictEqual(server.requests.length, 1)
        yield* scripted(json(503, {}), json(200, emptyPage))
        yield* run(UploadSessions.list({ retry: eager }), { retry: false })
        assert.strictEqual(server.requests.length, 2)
        yield* scripted(json(503, {}), json(200, emptyPage))
        assertTag(yield* Effect.flip(run(UploadSessions.list({ retry: false }), { retry: eager })), "ServerError")
        assert.strictEqual(server.requests.length, 1)
      }))

    test("an attempt after a jittered wait times out at its fractional deadline (no spinning watcher)", () =>
      Effect.gen(function*() {
        // Chosen so that the deadline, 5125.00125 + 5000, lies 1.8e-12 ms after where the watcher,
        // waking at 10000, lands when it sleeps the remainder: less than a nanosecond, a zero sleep.
        const random = Random.fixed([0.00001])
        yield* TestClock.setTime(5_000)
        const server = yield* scripted(json(503, {}), { _tag: "Hang" })
        const fiber = yield* run(UploadSessions.getStatus({ sessionId: SESSION }), {
          retry: Retry.policy({ maxRetries: 1 }),
          timeout: Duration.seconds(5)
        }).pipe(Effect.withRandom(random), Effect.fork)
        const sleeps = yield* awaitSleeps(2)
        const retryAt = sleeps[0]
        assert.isFalse(Number.isInteger(retryAt))
        yield* TestClock.setTime(retryAt)
        yield* server.awaitRequests(2)
        yield* TestClock.adjust("5 seconds")
        assertTag(yield* Effect.flip(Fiber.join(fiber)), "TimeoutError")
        assert.strictEqual(server.requests.length, 2)
      }))
  })
}
