import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as TestServices from "effect/TestServices"
import { Emulator, Fault } from "../src/index.js"
import { api, attempt, createSession, json, s3Code, sessionsPath, upload } from "./helpers.js"

const start = (options: Emulator.Options = {}) => Emulator.start({ seed: 31, ingestionDelay: 0, ...options })

/** Waits (in real time, as the server works in real time) until the condition holds. */
const eventually = <A>(effect: Effect.Effect<A>, holds: (a: A) => boolean): Effect.Effect<A> =>
  Effect.flatMap(
    effect,
    (a) =>
      holds(a)
        ? Effect.succeed(a)
        : Effect.zipRight(TestServices.provideLive(Effect.sleep("5 millis")), eventually(effect, holds))
  )

const list = (emulator: Emulator.Handle) => api(emulator, sessionsPath("default"))

describe("fault injection", () => {
  it.scoped("429 with Retry-After in seconds, as an HTTP date, or without it", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* emulator.setFaults([
        Fault.sequence("list", [
          Fault.tooManyRequests({ retryAfter: 3 }),
          Fault.tooManyRequests({ retryAfter: 2, format: "date" }),
          Fault.tooManyRequests({ format: "none" })
        ])
      ])
      const seconds = yield* list(emulator)
      assert.deepStrictEqual([seconds.status, seconds.headers.get("retry-after")], [429, "3"])
      const date = yield* list(emulator)
      // the emulator's TestClock stands at the epoch
      assert.deepStrictEqual([date.status, date.headers.get("retry-after")], [429, "Thu, 01 Jan 1970 00:00:02 GMT"])
      const none = yield* list(emulator)
      assert.deepStrictEqual([none.status, none.headers.get("retry-after")], [429, null])
      assert.strictEqual((yield* list(emulator)).status, 200)
      const logged = yield* emulator.requests
      assert.deepStrictEqual(logged.map((r) => [r.status, r.fault]), [
        [429, "TooManyRequests"],
        [429, "TooManyRequests"],
        [429, "TooManyRequests"],
        [200, undefined]
      ])
    }))

  it.scoped("5xx answers look like what sends them: the app, or a proxy in front of it", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* emulator.setFaults([Fault.sequence("create", ([500, 502, 503, 504] as const).map(Fault.serverError))])
      const replies = yield* Effect.forEach([0, 1, 2, 3], () =>
        api(emulator, sessionsPath("default"), { method: "POST" }))
      assert.deepStrictEqual(
        replies.map((r) =>
          r.status
        ),
        [500, 502, 503, 504]
      )
      assert.strictEqual(replies[0]?.text, "Internal Server Error")
      assert.match(replies[1]!.text, /<title>502 Bad Gateway<\/title>/)
      assert.deepStrictEqual(json(replies[2]!), { detail: "Service Unavailable" })
      assert.match(replies[3]!.headers.get("content-type")!, /text\/html/)
      // a status fault answers instead of the operation: no session was created
      assert.lengthOf(yield* emulator.sessions, 0)
    }))

  it.scoped("a connection reset after the operation took effect", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* emulator.setFaults([Fault.times("create", Fault.connectionReset, 1)])
      const reset = yield* Effect.either(attempt(`${emulator.apiBaseUrl}/workspaces/default/upload_sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${emulator.apiKey}` }
      }))
      assert.isTrue(Either.isLeft(reset))
      // ambiguous to the client: the session exists
      assert.lengthOf(yield* emulator.sessions, 1)
      const [logged] = yield* emulator.requests
      assert.deepStrictEqual([logged?.route, logged?.fault, logged?.status], ["create", "ConnectionReset", undefined])
      assert.strictEqual((yield* api(emulator, sessionsPath("default"), { method: "POST" })).status, 201)
    }))

  it.scoped("a delay holds the answer on the emulator's clock", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* emulator.setFaults([Fault.always("list", Fault.delay("30 seconds"))])
      const fiber = yield* Effect.fork(list(emulator))
      yield* eventually(TestClock.sleeps(), (sleeps) => Chunk.size(sleeps) > 0)
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("30 seconds")
      const reply = yield* Fiber.join(fiber)
      assert.strictEqual(reply.status, 200)
    }))

  it.scoped("a hang never answers, and the request stays unanswered in the log", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* emulator.setFaults([Fault.always("getStatus", Fault.hang)])
      const session = yield* createSession(emulator)
      const controller = new AbortController()
      const fiber = yield* Effect.fork(
        attempt(`${emulator.apiBaseUrl}/workspaces/default/upload_sessions/${session.session_id}`, {
          headers: { authorization: `Bearer ${emulator.apiKey}` },
          signal: controller.signal
        })
      )
      const logged = yield* eventually(emulator.requests, (rs) => rs.some((r) => r.fault === "Hang"))
      assert.isUndefined(logged.find((r) => r.fault === "Hang")?.status)
      controller.abort()
      const result = yield* Effect.either(Fiber.join(fiber))
      assert.isTrue(Either.isLeft(result))
    }))

  it.scoped("an after-it fault is logged once the operation took effect; one drawn for a 401 is not logged", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* emulator.setFaults([Fault.sequence("create", [Fault.hang, Fault.hang])])
      const unauthorized = yield* api(emulator, sessionsPath("default"), {
        method: "POST",
        body: { write_mode: "KEEP" },
        authorization: "Bearer not-a-key"
      })
      assert.strictEqual(unauthorized.status, 401)
      const controller = new AbortController()
      const fiber = yield* Effect.fork(
        attempt(`${emulator.apiBaseUrl}/workspaces/default/upload_sessions`, {
          method: "POST",
          headers: { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ write_mode: "KEEP" }),
          signal: controller.signal
        })
      )
      const logged = yield* eventually(emulator.requests, (rs) => rs.some((r) => r.fault === "Hang"))
      // Whoever sees the Hang sees its session: a client that gives up then cannot undo the create.
      assert.strictEqual((yield* emulator.sessions).length, 1)
      assert.deepStrictEqual(logged.map((r) => [r.status, r.fault]), [[401, undefined], [undefined, "Hang"]])
      controller.abort()
      assert.isTrue(Either.isLeft(yield* Effect.either(Fiber.join(fiber))))
    }))

  it.scoped("stopping the emulator ends a hung request instead of waiting for it", () =>
    Effect.gen(function*() {
      const pending = yield* Effect.scoped(Effect.gen(function*() {
        const emulator = yield* start({ faults: [Fault.always("list", Fault.hang)] })
        const fiber = yield* Effect.fork(
          attempt(`${emulator.apiBaseUrl}/workspaces/default/upload_sessions`, {
            headers: { authorization: `Bearer ${emulator.apiKey}` }
          })
        )
        yield* eventually(emulator.requests, (rs) => rs.length > 0)
        return fiber
      }))
      assert.isTrue(Either.isLeft(yield* Effect.either(Fiber.join(pending))))
    }))

  it.scoped("malformed JSON, a truncated body and a wrong shape come with a success status", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const status = `${sessionsPath("default")}/${session.session_id}`
      yield* emulator.setFaults([
        Fault.sequence("getStatus", [Fault.malformedJson, Fault.wrongShape, Fault.truncatedBody])
      ])
      const malformed = yield* api(emulator, status)
      assert.strictEqual(malformed.status, 200)
      assert.throws(() => JSON.parse(malformed.text))
      const wrong = yield* api(emulator, status)
      assert.strictEqual(wrong.status, 200)
      const shape = json<Record<string, unknown>>(wrong)
      assert.notStrictEqual(typeof shape.session_id, "string")
      assert.isFalse(Array.isArray(shape.data))
      const truncated = yield* Effect.either(
        attempt(`${emulator.apiUrl}${status}`, { headers: { authorization: `Bearer ${emulator.apiKey}` } })
      )
      assert.isTrue(Either.isLeft(truncated))
      const last = (yield* emulator.requests).at(-1)
      assert.deepStrictEqual([last?.fault, last?.status], ["TruncatedBody", 200])
      assert.strictEqual((yield* api(emulator, status)).status, 200)
    }))

  it.scoped("S3 RequestTimeout and SlowDown answer in S3's XML, and nothing is stored", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      yield* emulator.setFaults([Fault.sequence("s3", [Fault.requestTimeout, Fault.slowDown, Fault.serverError(500)])])
      const timeout = yield* upload(session, "a.txt", "a")
      assert.deepStrictEqual([timeout.status, s3Code(timeout)], [400, "RequestTimeout"])
      const slowDown = yield* upload(session, "a.txt", "a")
      assert.deepStrictEqual([slowDown.status, s3Code(slowDown)], [503, "SlowDown"])
      const internal = yield* upload(session, "a.txt", "a")
      assert.deepStrictEqual([internal.status, s3Code(internal)], [500, "InternalError"])
      assert.lengthOf(yield* emulator.objects(), 0)
      assert.strictEqual((yield* upload(session, "a.txt", "a")).status, 204)
      assert.lengthOf(yield* emulator.objects(), 1)
    }))

  it.scoped("an S3 reset comes mid-upload; damaged S3 answers come after the object is stored", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      yield* emulator.setFaults([Fault.sequence("s3", [Fault.connectionReset, Fault.truncatedBody])])
      const form = () => {
        const f = new FormData()
        for (const [k, v] of Object.entries(session.aws_prefixed_request_config.fields)) f.append(k, v)
        f.append("file", new Blob(["content"]), "a.txt")
        return f
      }
      const url = session.aws_prefixed_request_config.url
      assert.isTrue(Either.isLeft(yield* Effect.either(attempt(url, { method: "POST", body: form() }))))
      assert.lengthOf(yield* emulator.objects(), 0)
      assert.isTrue(Either.isLeft(yield* Effect.either(attempt(url, { method: "POST", body: form() }))))
      assert.lengthOf(yield* emulator.objects(), 1)
    }))

  it.scoped("a rule with a match fails chosen files persistently and lets the others through", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      yield* emulator.setFaults([Fault.always("s3", Fault.slowDown, { match: ["bad-*.txt", "cursed.pdf"] })])
      for (let attemptNo = 0; attemptNo < 3; attemptNo++) {
        assert.strictEqual((yield* upload(session, "bad-1.txt", "x")).status, 503)
        assert.strictEqual((yield* upload(session, "cursed.pdf", "x")).status, 503)
      }
      assert.strictEqual((yield* upload(session, "good.txt", "x")).status, 204)
      assert.deepStrictEqual((yield* emulator.objects()).map((o) => o.filename), ["good.txt"])
    }))

  it.scoped("rates are drawn from the seed: the same seed fails the same requests", () =>
    Effect.gen(function*() {
      const pattern = (seed: number) =>
        Effect.gen(function*() {
          const emulator = yield* start({ seed, faults: [Fault.withRate("*", Fault.serverError(503), 0.3)] })
          return yield* Effect.forEach(Array.from({ length: 40 }), () => Effect.map(list(emulator), (r) => r.status))
        })
      const first = yield* pattern(7)
      const again = yield* pattern(7)
      const other = yield* pattern(8)
      assert.deepStrictEqual(first, again)
      assert.notDeepEqual(first, other)
      assert.isTrue(first.includes(503) && first.includes(200))
    }))

  it.scoped("`*` targets every route, and clearFaults restores normal answers", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ faults: [Fault.always("*", Fault.serverError(502))] })
      assert.strictEqual((yield* list(emulator)).status, 502)
      assert.strictEqual((yield* api(emulator, sessionsPath("default"), { method: "POST" })).status, 502)
      yield* emulator.clearFaults
      assert.strictEqual((yield* list(emulator)).status, 200)
    }))
})

describe("Fault.parse", () => {
  it("reads the command line's syntax", () => {
    assert.deepStrictEqual(
      Fault.parse("getStatus:503x2"),
      Either.right(Fault.times("getStatus", Fault.serverError(503), 2))
    )
    assert.deepStrictEqual(Fault.parse("s3:slowdown@0.2"), Either.right(Fault.withRate("s3", Fault.slowDown, 0.2)))
    assert.deepStrictEqual(
      Fault.parse("create:429-date:3"),
      Either.right(Fault.always("create", Fault.tooManyRequests({ retryAfter: 3, format: "date" })))
    )
    assert.deepStrictEqual(
      Fault.parse("list:429"),
      Either.right(Fault.always("list", Fault.tooManyRequests({ retryAfter: 1, format: "seconds" })))
    )
    assert.deepStrictEqual(Fault.parse("*:delay:250ms"), Either.right(Fault.always("*", Fault.delay("250 millis"))))
    assert.deepStrictEqual(
      Fault.parse("s3(bad-*.pdf,x.txt):reset"),
      Either.right(Fault.always("s3", Fault.connectionReset, { match: ["bad-*.pdf", "x.txt"] }))
    )
    for (const kind of ["hang", "malformed", "truncated", "wrong-shape", "timeout", "500", "502", "504"]) {
      assert.isTrue(Either.isRight(Fault.parse(`close:${kind}`)), kind)
    }
  })

  it("explains what it cannot read", () => {
    for (
      const bad of [
        "nothing",
        "upload:500",
        "create:418",
        "create:500@2",
        "create:delay",
        "create:delay:soon",
        "create:reset:1"
      ]
    ) {
      assert.isTrue(Either.isLeft(Fault.parse(bad)), bad)
    }
  })
})
