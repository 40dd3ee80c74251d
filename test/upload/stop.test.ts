/**
 * The graceful stop (`stop` option of `Upload.files`/`Upload.events`): once the stop effect completes,
 * the run takes no more sources, lets the files in flight finish, closes every session it opened (each
 * with its `SessionClosed` event) and ends with `Done`. Unlike an interruption, nothing is left stored
 * without an event: the report is exactly what S3 holds.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { Upload, type UploadEvent, UploadReport, type UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Harness from "./harness.js"

const sources = (count: number) =>
  Array.from({ length: count }, (_, i): UploadSource.UploadSource => ({
    name: `f${i}.txt`,
    body: `file ${i}`.repeat(i * 7),
    meta: i % 3 === 0 ? { i } : undefined
  }))

/** Runs `Upload.events`, completing `stop` when the consumer has seen `after` events; all events seen. */
const stoppedAfter = (input: ReadonlyArray<UploadSource.UploadSource>, after: number, options: Upload.Options) =>
  Effect.gen(function*() {
    const stop = yield* Deferred.make<void>()
    const seen: Array<UploadEvent.UploadEvent> = []
    yield* Upload.events(input, { ...options, stop: Deferred.await(stop) }).pipe(
      Stream.runForEach((event) =>
        Effect.zipRight(
          Effect.sync(() => seen.push(event)),
          seen.length >= after ? Deferred.succeed(stop, undefined) : Effect.void
        )
      )
    )
    return seen
  })

describe("graceful stop", () => {
  it.layer(Harness.layer())((it) => {
    it.effect.prop(
      "stopped at a random point: every session closed with its event, Done last, and the report is exactly the store",
      [FastCheck.integer({ min: 1, max: 40 }), FastCheck.integer({ min: 5, max: 30 })],
      ([after, count]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* emulator.reset
          yield* emulator.setFaults([Fault.withRate("s3", Fault.slowDown, 0.1)])
          const input = sources(count)
          const seen = yield* stoppedAfter(input, after, {
            maxFilesPerSession: 6,
            concurrency: 4,
            s3Retry: Schedule.recurs(30)
          })
          assert.strictEqual(seen.at(-1)?._tag, "Done")
          const report = UploadReport.fromEvents(seen)

          const opened = seen.filter((e) => e._tag === "SessionOpened").map((e) => e.sessionId)
          const closed = seen.filter((e) => e._tag === "SessionClosed").map((e) => e.sessionId)
          assert.deepStrictEqual([...closed].sort(), [...opened].sort(), "each session opened has its SessionClosed")
          const stored = yield* emulator.sessions
          assert.isTrue(stored.every((s) => s.status === "CLOSED"), "no session is left open")

          // Nothing in flight is lost: every stored document is in the report as uploaded, and vice versa.
          const objects = (yield* emulator.objects()).map((o) => o.filename).filter((n) => !n.endsWith(".meta.json"))
          const uploaded = report.files.filter((f) => f.status === "uploaded").map((f) => f.name)
          assert.deepStrictEqual([...objects].sort(), [...uploaded].sort())
          // Sources are taken in input order: what was taken is a prefix, and the rest is absent.
          const indices = report.files.map((f) => f.index).sort((a, b) => a - b)
          assert.deepStrictEqual(indices, indices.map((_, i) => i))
          assert.isAtMost(report.total, count)
        }),
      { fastCheck: { numRuns: 10, seed: 20261206 } }
    )
  })

  it.layer(Harness.layer({ ingestionDelay: "1 hour" }))((it) => {
    it.effect("a stop while waiting for ingestion ends the wait: sessions closed, Done without ingestion results", () =>
      Effect.gen(function*() {
        const stop = yield* Deferred.make<void>()
        const seen: Array<UploadEvent.UploadEvent> = []
        yield* Harness.clockMoving(
          Upload.events(sources(8), { wait: true, stop: Deferred.await(stop) }).pipe(
            Stream.runForEach((event) =>
              Effect.zipRight(
                Effect.sync(() => seen.push(event)),
                event._tag === "IngestionProgress" ? Deferred.succeed(stop, undefined) : Effect.void
              )
            )
          )
        )
        assert.strictEqual(seen.at(-1)?._tag, "Done")
        const report = UploadReport.fromEvents(seen)
        assert.strictEqual(report.uploaded, 8)
        assert.isTrue(report.sessions.every((s) => s.closed))
        assert.isFalse(seen.some((e) => e._tag === "FileIngested"), "the files' states were not waited for")
      }))
  })

  it.live("a stop takes no more sources: 60 queued behind 2 slow uploads, stopped at the first upload, end near 2", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const seen = yield* stoppedAfter(sources(60), 2, { concurrency: 2 })
      const report = UploadReport.fromEvents(seen)
      assert.strictEqual(seen.at(-1)?._tag, "Done")
      // The stop comes with the first event after SessionOpened; at most the files in flight then, and the
      // one routed while waiting for a place, are sent.
      assert.isAtMost(report.total, 4)
      assert.strictEqual(
        (yield* emulator.objects()).filter((o) => !o.filename.endsWith(".meta.json")).length,
        report.uploaded
      )
    }).pipe(Effect.provide(Harness.layer({ faults: [{ route: "s3", fault: Fault.delay("100 millis") }] }))))
})
