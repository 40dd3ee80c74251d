/**
 * The ingestion wait (issue 18, `pnpm bench` scenarios 9 and 10): when a session's status is read, and how the
 * report lists a settled session's files (by page number, several pages at once, in order).
 */
import { Emulator } from "@effect-deepset/emulator"
import { Upload, UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Paginate from "../../packages/sdk/src/internal/paginate.js"
import { awaitSleeps } from "../support/TestTime.js"
import * as Harness from "./harness.js"
import { waitUntil } from "./support.js"

/** The moments (ms after the wait starts) of the first `reads` status reads on `schedule`. */
const readTimes = (schedule: Schedule.Schedule<unknown>, reads: number) =>
  Effect.map(Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: reads })), (delays) => {
    const times: Array<number> = []
    for (const delay of Chunk.toReadonlyArray(delays)) times.push((times.at(-1) ?? 0) + Duration.toMillis(delay))
    return times
  })

const statusReads = Effect.map(
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.requests),
  (requests) => requests.filter((r) => r.route === "getStatus").length
)

describe("the ingestion wait's schedule", () => {
  it.effect("the default reads a quarter second after the wait starts, then every second, later a twentieth of the wait", () =>
    Effect.gen(function*() {
      const times = yield* readTimes(Upload.defaultIngestionSchedule, 60)
      assert.deepStrictEqual(times.slice(0, 3), [250, 1250, 2250])
      times.forEach((at, k) => {
        // At most one read a second, beside the first (scenario 10's allowance: 1 + seconds waited).
        assert.isAtMost(k + 1, 1 + at / 1000, `read ${k + 1} at ${at} ms`)
        // An ingestion that ended just after the read before is seen at this one: within a second or a
        // twentieth of the time waited, and never more than a minute.
        const gap = at - (times[k - 1] ?? 0)
        assert.isAtMost(gap, Math.max(1000, at / 20), `read ${k + 1} at ${at} ms`)
        assert.isAtMost(gap, 60_000)
      })
    }))

  it.layer(Harness.layer({ ingestionDelay: "20 millis" }))((it) => {
    it.effect("waitForIngestion reads no status until the schedule's first delay, and sees a short ingestion then", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const session = yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* Upload.session()
          yield* session.send({ name: "quick.txt", body: "q" })
          return session
        }))
        const fiber = yield* Effect.fork(Upload.waitForIngestion({ sessionId: session.sessionId, expected: 1 }))
        yield* awaitSleeps(2) // the wait's timeout and its first delay
        yield* TestClock.adjust("249 millis")
        assert.strictEqual(yield* statusReads, 0, "no read before the quarter second")
        yield* TestClock.adjust("1 millis")
        const counts = yield* Fiber.join(fiber)
        assert.deepStrictEqual([counts.finished, counts.failed, counts.complete], [1, 0, true])
        assert.strictEqual(yield* statusReads, 1, "one read sees the 20 ms ingestion")
      }))

    it.effect("a schedule that starts with Schedule.once reads at once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const session = yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* Upload.session()
          yield* session.send({ name: "slow.txt", body: "s" })
          return session
        }))
        const schedule = Schedule.once.pipe(Schedule.andThen(Schedule.spaced("5 seconds")))
        const fiber = yield* Effect.fork(
          Upload.waitForIngestion({ sessionId: session.sessionId, expected: 1, schedule })
        )
        yield* waitUntil(Effect.map(statusReads, (reads) => reads === 1))
        yield* TestClock.adjust("5 seconds")
        const counts = yield* Fiber.join(fiber)
        assert.isTrue(counts.complete)
        assert.strictEqual(yield* statusReads, 2)
      }))
  })
})

describe("the report's listing of a settled session", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("250 files: every file listed once, in the session's order, by page number 100 a page", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const sources = Array.from({ length: 250 }, (_, i) => ({ name: `f${i}.txt`, body: `${i}` }))
        const events = yield* Harness.clockMoving(Stream.runCollect(Upload.events(sources, { wait: true })))
        const reportPages = (yield* emulator.requests).filter((r) => r.route === "getFiles")
        const listed = Chunk.toReadonlyArray(events).flatMap((e) => e._tag === "FileIngested" ? [e.name] : [])
        const sessionId = Chunk.toReadonlyArray(events).find((e) => e._tag === "SessionOpened")!.sessionId
        const order = yield* UploadSessions.streamFiles({ sessionId }).pipe(
          Stream.map((file) => file.name),
          Stream.runCollect
        )
        assert.deepStrictEqual(listed, Chunk.toReadonlyArray(order))
        assert.strictEqual(new Set(listed).size, 250)
        assert.sameDeepMembers(
          reportPages.map((r) => [r.query.page_number, r.query.limit, r.query.after]),
          [["1", "100", undefined], ["2", "100", undefined], ["3", "100", undefined]]
        )
      }))
  })

  it.effect.prop(
    "settledListing emits every item once, in order, whatever the page size, concurrency and total",
    [
      FastCheck.integer({ min: 0, max: 350 }),
      FastCheck.integer({ min: 1, max: 100 }),
      FastCheck.integer({ min: 1, max: 8 }),
      FastCheck.integer({ min: -150, max: 150 })
    ],
    ([count, pageSize, concurrency, totalSkew]) =>
      Effect.gen(function*() {
        const items = Array.from({ length: count }, (_, i) => i)
        const asked: Array<number> = []
        const fetch = (query: Paginate.Query) =>
          Effect.gen(function*() {
            const pageNumber = query.pageNumber ?? 1
            asked.push(pageNumber)
            // Answers come back out of order when several are in flight.
            for (let turn = 0; turn < (pageNumber * 7) % 5; turn++) yield* Effect.yieldNow()
            const from = (pageNumber - 1) * query.limit
            const data = items.slice(from, from + query.limit)
            // A total off by `totalSkew` (never below zero): the walk must not trust it alone.
            return { data, hasMore: from + query.limit < count, total: Math.max(0, count + totalSkew) }
          })
        const got = yield* Stream.runCollect(Paginate.settledListing({ pageSize, concurrency, fetch }))
        assert.deepStrictEqual(Chunk.toReadonlyArray(got), items)
        assert.strictEqual(new Set(asked).size, asked.length, "no page asked twice")
        assert.isAtMost(asked.length, Math.max(1, Math.ceil(count / pageSize)) + concurrency)
      }),
    { fastCheck: { numRuns: 200, seed: 18_0910 } }
  )
})
