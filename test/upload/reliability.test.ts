import { Emulator, Fault } from "@effect-deepset/emulator"
import { Upload, type UploadEvent, UploadReport, type UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Harness from "./harness.js"

// A file set: unique names (the index keeps them apart), sizes from empty to a few KiB, some with metadata,
// and for each file whether S3 refuses it every time.
const fileSet = FastCheck.array(
  FastCheck.record({
    stem: FastCheck.stringMatching(/^[a-z0-9]{1,8}$/),
    size: FastCheck.nat({ max: 3000 }),
    meta: FastCheck.boolean(),
    persistent: FastCheck.boolean()
  }),
  { minLength: 1, maxLength: 30 }
)

const toSources = (files: ReadonlyArray<{ stem: string; size: number; meta: boolean }>) =>
  files.map((file, i): UploadSource.UploadSource => ({
    name: `${i}-${file.stem}.bin`,
    body: new Uint8Array(file.size).fill(i % 251),
    meta: file.meta ? { i } : undefined
  }))

/** What the report says S3 holds: uploaded documents, and companions that reached S3 either way. */
const reportedObjects = (report: UploadReport.UploadReport): Array<string> =>
  report.files.flatMap((f) => [
    ...(f.status === "uploaded" ? [f.name] : []),
    ...(f.metaUploaded === true ? [`${f.name}.meta.json`] : [])
  ]).sort()

describe("nothing lost", () => {
  it.layer(Harness.layer())((it) => {
    it.effect.prop(
      "for random file sets and faults, the stored objects are exactly the report's uploaded set",
      [fileSet, FastCheck.double({ min: 0, max: 0.3, noNaN: true }), FastCheck.integer({ min: 2, max: 12 })],
      ([files, transientRate, maxFilesPerSession]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* emulator.reset
          const sources = toSources(files)
          const persistent = sources.filter((_, i) => files[i]!.persistent).map((s) => s.name)
          yield* emulator.setFaults([
            ...(persistent.length === 0 ? [] : [Fault.always("s3", Fault.serverError(500), { match: persistent })]),
            Fault.withRate("s3", Fault.slowDown, transientRate),
            Fault.withRate("s3", Fault.connectionReset, transientRate / 2)
          ])
          const report = yield* Upload.files(sources, {
            maxFilesPerSession,
            concurrency: 4,
            s3Retry: Schedule.recurs(30)
          })
          assert.strictEqual(report.total, sources.length)
          assert.strictEqual(report.uploaded + report.failed, sources.length)
          assert.deepStrictEqual(report.files.filter((f) => f.status === "failed").map((f) => f.name), persistent)
          const stored = (yield* emulator.objects()).map((o) => o.filename).sort()
          assert.deepStrictEqual(stored, reportedObjects(report))
          const sessions = yield* emulator.sessions
          assert.isTrue(sessions.every((s) => s.status === "CLOSED"))
          assert.deepStrictEqual(
            sessions.map((s) => s.sessionId).sort(),
            report.sessions.map((s) => s.sessionId).sort()
          )
        }),
      { fastCheck: { numRuns: 12, seed: 20261124 } }
    )

    it.effect.prop(
      "interrupted at a random point: every session opened is closed, and the report agrees with the store",
      [FastCheck.integer({ min: 1, max: 60 }), FastCheck.integer({ min: 10, max: 40 })],
      ([stopAfter, count]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* emulator.reset
          yield* emulator.setFaults([Fault.withRate("s3", Fault.slowDown, 0.1)])
          const sources = toSources(
            Array.from({ length: count }, (_, i) => ({ stem: "f", size: i * 10, meta: i % 3 === 0 }))
          )
          const concurrency = 4
          const seen: Array<UploadEvent.UploadEvent> = []
          yield* Upload.events(sources, { maxFilesPerSession: 7, concurrency, s3Retry: Schedule.recurs(30) }).pipe(
            Stream.take(stopAfter),
            Stream.runForEach((event) => Effect.sync(() => seen.push(event)))
          )
          const report = UploadReport.fromEvents(seen)
          const sessions = yield* emulator.sessions
          assert.isTrue(sessions.every((s) => s.status === "CLOSED"), "no session is left open")
          const stored = new Set((yield* emulator.objects()).map((o) => o.filename))
          // Every file the report names is as the report says...
          for (const file of report.files) {
            assert.strictEqual(stored.has(file.name), file.status === "uploaded", file.name)
          }
          // ...and the store holds nothing else but files that were in flight when the run stopped.
          const reported = new Set(report.files.map((f) => f.name))
          const unreported = [...stored].filter((name) => !name.endsWith(".meta.json") && !reported.has(name))
          assert.isAtMost(unreported.length, concurrency)
          assert.isTrue(report.sessions.every((s) => sessions.some((e) => e.sessionId === s.sessionId)))
        }),
      { fastCheck: { numRuns: 12, seed: 4 } }
    )
  })
})
