import { Emulator, Fault } from "@effect-deepset/emulator"
import { Upload, type UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Harness from "./harness.js"
import { waitUntil } from "./support.js"

const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}.txt`)
const sources = (list: ReadonlyArray<string>): Array<UploadSource.UploadSource> =>
  list.map((name) => ({ name, body: `content of ${name}` }))

// Retries without waiting: the schedule is the caller's choice, and timing is not what these tests are about.
const immediate = Schedule.recurs(20)

describe("S3 faults", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("transient faults (SlowDown, RequestTimeout, 500, reset) are retried until every file is stored", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* emulator.setFaults([
          Fault.withRate("s3", Fault.slowDown, 0.15),
          Fault.withRate("s3", Fault.requestTimeout, 0.15),
          Fault.withRate("s3", Fault.serverError(500), 0.1),
          Fault.withRate("s3", Fault.connectionReset, 0.1)
        ])
        const list = names(40, "t")
        const report = yield* Upload.files(sources(list), { s3Retry: immediate })
        assert.strictEqual(report.uploaded, 40)
        const stored = (yield* emulator.objects()).map((o) => o.filename).sort()
        assert.deepStrictEqual(stored, [...list].sort())
        const faults = (yield* emulator.requests).filter((r) => r.route === "s3" && r.fault !== undefined)
        assert.isAbove(faults.length, 5, "the faults fired")
        assert.includeMembers([...new Set(faults.map((r) => r.fault))], [
          "SlowDown",
          "RequestTimeout",
          "ConnectionReset"
        ])
      }))

    it.effect("a persistent fault on some files leaves exactly those failed and uploads the others", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* emulator.setFaults([Fault.always("s3", Fault.serverError(503), { match: "bad-*" })])
        const good = names(12, "good")
        const bad = names(3, "bad")
        const report = yield* Upload.files(sources([...good, ...bad]), { s3Retry: Schedule.recurs(2) })
        assert.deepStrictEqual(report.files.filter((f) => f.status === "failed").map((f) => f.name), bad)
        assert.isTrue(report.files.filter((f) => f.status === "failed").every((f) => f.error?.tag === "S3Error"))
        const stored = (yield* emulator.objects()).map((o) => o.filename).sort()
        assert.deepStrictEqual(stored, [...good].sort())
        // Three attempts per bad file: the first and two retries.
        const attempts = (yield* emulator.requests).filter((r) => r.route === "s3" && r.fault !== undefined).length
        assert.strictEqual(attempts, 9)
      }))
  })

  it.layer(Harness.layer({ maxFileSize: 64 }))((it) => {
    // S3 would refuse it with 400 EntityTooLarge, a final error (S3Xml.isTransient's table in s3Xml.test.ts);
    // the SDK reads the limit from the presigned policy and refuses the file before sending any of it.
    it.effect("a file over the policy's size limit is refused before it is sent, and not retried", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const before = (yield* emulator.requests).length
        const report = yield* Upload.files([{ name: "big.bin", body: new Uint8Array(emulator.maxFileSize + 1) }], {
          s3Retry: immediate
        })
        const file = report.files[0]!
        assert.strictEqual(file.status, "failed")
        assert.strictEqual(file.error?.tag, "FileTooLargeError")
        assert.match(
          file.error!.message,
          /"big\.bin" is \d+ bytes, over the session's limit of \d+ bytes; it was not sent/
        )
        const s3 = (yield* emulator.requests).slice(before).filter((r) => r.route === "s3")
        assert.strictEqual(s3.length, 0)
      }))

    it.effect("an S3 request that hangs is aborted at its deadline and the file fails with a TimeoutError", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* emulator.setFaults([Fault.times("s3", Fault.hang, 1)])
        const fiber = yield* Effect.fork(
          Upload.files([{ name: "hung.txt", body: "never answered" }], { s3Timeout: "1 minute", s3Retry: false })
        )
        // The clock moves only once the request hangs, past its S3 deadline; no API call is in flight then.
        yield* waitUntil(Effect.map(emulator.requests, (log) => log.some((r) => r.route === "s3")))
        yield* TestClock.adjust("61 seconds")
        const report = yield* Fiber.join(fiber)
        assert.strictEqual(report.uploaded, 0)
        assert.strictEqual(report.files[0]?.status, "failed")
        const failed = report.files[0]
        assert.strictEqual(failed?.status === "failed" ? failed.error?.tag : undefined, "TimeoutError")
        assert.deepStrictEqual(report.sessions.map((session) => session.closed), [true])
      }))

    it.effect("the default retry policy backs off on the test clock and then succeeds", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* emulator.setFaults([Fault.times("s3", Fault.slowDown, 2)])
        // A day per attempt: moving the clock on while a request is in flight must not time it out.
        const fiber = yield* Effect.fork(
          Upload.files([{ name: "slow.txt", body: "eventually" }], { s3Timeout: "1 day" })
        )
        // Each backoff is a sleep on the test clock: move time on to it whenever the upload waits. Only to
        // a backoff (the default policy waits well under 10 s here): the API client's deadline watcher
        // sleeps too (20 s), and moving past that would time out an API call in flight.
        const nextBackoff = Effect.zipWith(TestClock.sleeps(), Clock.currentTimeMillis, (sleeps, now) => {
          const waits = Chunk.toReadonlyArray(sleeps).map((at) => at - now).filter((wait) => wait < 10_000)
          return waits.length === 0 ? undefined : Math.min(...waits)
        })
        while ((yield* Fiber.poll(fiber))._tag === "None") {
          yield* waitUntil(
            Effect.zipWith(Fiber.poll(fiber), nextBackoff, (done, wait) => Option.isSome(done) || wait !== undefined)
          )
          const wait = yield* nextBackoff
          if (wait !== undefined) yield* TestClock.adjust(Duration.millis(Math.max(wait, 0)))
        }
        const report = yield* Fiber.join(fiber)
        assert.strictEqual(report.uploaded, 1)
        const s3 = (yield* emulator.requests).filter((r) => r.route === "s3")
        assert.deepStrictEqual(s3.map((r) => r.status), [503, 503, 204])
      }))
  })
})

describe("security of the S3 side", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("no S3 request carries an Authorization or trace header, while every API request is authorised", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* Harness.clockMoving(
          Upload.files(sources(names(5, "sec")).map((s) => ({ ...s, meta: { secret: false } })), { wait: true })
        )
        const requests = yield* emulator.requests
        const s3 = requests.filter((r) => r.route === "s3")
        assert.strictEqual(s3.length, 10)
        for (const request of s3) {
          assert.isFalse(request.authorization)
          assert.notIncludeMembers(request.headerNames, ["authorization", "traceparent", "b3", "tracestate"])
        }
        const api = requests.filter((r) => r.route !== "s3")
        assert.isAbove(api.length, 2)
        assert.isTrue(api.every((r) => r.authorization))
      }))
  })
})

describe("session expiry", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("a session that expires mid-upload: the files after it roll over into a new session, nothing lost", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const before = sources(names(3, "early"))
        const after = sources(names(3, "late"))
        // Time jumps past the session's 24 hours once the first three files are stored.
        const jump = Stream.fromEffect(
          Effect.zipRight(
            waitUntil(Effect.map(emulator.objects(), (objects) => objects.length === 3)),
            TestClock.adjust("25 hours")
          )
        ).pipe(Stream.drain)
        const input = Stream.concat(Stream.fromIterable(before), Stream.concat(jump, Stream.fromIterable(after)))
        const report = yield* Upload.files(input, { concurrency: 1 })
        assert.deepStrictEqual(
          report.files.map((f) => [f.name, f.status]),
          [...before, ...after].map((s) => [s.name, "uploaded"])
        )
        const [expired, next] = report.sessions
        assert.lengthOf(report.sessions, 2)
        assert.deepStrictEqual(report.files.map((f) => f.sessionId), [
          ...before.map(() => expired!.sessionId),
          ...after.map(() => next!.sessionId)
        ])
        const stored = (yield* emulator.objects()).map((o) => [o.filename, o.sessionId])
        assert.deepStrictEqual(stored, report.files.map((f) => [f.name, f.sessionId]))
        const sessions = yield* emulator.sessions
        assert.deepStrictEqual(sessions.map((s) => [s.sessionId, s.status]), [
          [expired!.sessionId, "EXPIRED"],
          [next!.sessionId, "CLOSED"]
        ])
        // The expired session's files are ingested by the service at expiry; its close is answered as such.
        assert.deepStrictEqual([expired!.files, next!.files], [3, 3])
      }))
  })
})
