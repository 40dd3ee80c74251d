/**
 * Interruption (issue 7, item 2): an upload stopped at a random point leaves every session it opened
 * closed, no fiber of its own running, and a report (the events seen, folded by
 * `UploadReport.seen`) that agrees with the emulator's store.
 *
 * test/upload/reliability.test.ts already stops `Upload.events` from the inside (`Stream.take` of a
 * random number of events) with `SlowDown` faults, and checks that sessions are closed and that the store
 * holds nothing unreported but at most `concurrency` documents. This file extends it rather than repeating it:
 *
 * - the interruption comes from outside (`Fiber.interrupt`), at a point counted in requests the emulator
 *   received, so it lands anywhere: while a session is being created (the `create` is then finished and the
 *   session closed), mid-upload, while a session closes, between sessions;
 * - both `Upload.files` and `Upload.events` are stopped that way;
 * - some S3 requests hang (the emulator never answers them), so requests are really in flight and must be
 *   aborted for the interruption to end at all;
 * - no fiber is left running: the run is supervised (`Supervisor.track`), and every fiber it forked,
 *   however deep, has ended once the interruption returns (the client's deadline watcher, which belongs to
 *   the client and outlives any one call by design, is started before: `UploadChecks.freshStart`);
 * - the report is checked both ways: each file it names is stored or not as it says (a failed file's
 *   companion too), and each stored file it does not name was in flight. Such files number at most
 *   `concurrency`, and this is why: a file's event is emitted only once S3's answer is read, so an
 *   interruption between S3 storing the object and the client reading the answer leaves it stored without
 *   an event (see `Upload.events`); files go out `concurrency` at a time, each holding its place until its
 *   event is handled (internal/sending.ts), a companion and its document one after the other in one place,
 *   so no more files than that can be caught so;
 * - interruption while waiting for ingestion ends the wait with every session already closed;
 * - a source stream that fails mid-way ends the run with the caller's error, sessions closed, events agreeing
 *   with the store as above;
 * - interruption while large files stream from disk to a hung S3 leaves no file handle open (Linux: the
 *   links in /proc/self/fd);
 * - no S3 request in these runs carried the key.
 *
 * Reproduce: pnpm vitest run test/reliability/interruption.test.ts
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { Upload, type UploadEvent, UploadReport, type UploadSource } from "@effect-deepset/sdk"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as UploadChecks from "./support/UploadChecks.js"

const META = ".meta.json"
const documentOf = (name: string) => name.endsWith(META) ? name.slice(0, -META.length) : name

const toSources = (count: number, metaEvery: number): Array<UploadSource.UploadSource> =>
  Array.from({ length: count }, (_, i) => ({
    name: `f-${i}.txt`,
    body: `content ${i} `.repeat(i % 13),
    meta: metaEvery > 0 && i % metaEvery === 0 ? { i } : undefined
  }))

const run = FastCheck.record({
  via: FastCheck.constantFrom("files" as const, "events" as const),
  count: FastCheck.integer({ min: 3, max: 30 }),
  metaEvery: FastCheck.constantFrom(0, 2, 3),
  concurrency: FastCheck.integer({ min: 1, max: 6 }),
  maxFilesPerSession: FastCheck.integer({ min: 2, max: 10 }),
  // Which S3 requests hang (by arrival order), and where among the reachable requests the interruption lands.
  hangAt: FastCheck.uniqueArray(FastCheck.nat({ max: 40 }), { maxLength: 3 }),
  stopAt: FastCheck.integer({ min: 0, max: 999 }).map((n) => n / 1000)
}).noBias() // drawn evenly: fast-check's bias towards small values would stop most runs at the first request

describe("interruption", () => {
  it.layer(UploadChecks.layer())((it) => {
    it.effect.prop(
      "stopped from outside at a random point: sessions closed, no fiber left, the report agrees with the store",
      [run],
      ([{ concurrency, count, hangAt, maxFilesPerSession, metaEvery, stopAt, via }]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* UploadChecks.freshStart
          const sources = toSources(count, metaEvery)
          const objects = sources.reduce((n, s) => n + (s.meta === undefined ? 1 : 2), 0)
          // Fewer hung requests than permits, so the run can always go on until the interruption.
          const hangs = hangAt.filter((at) => at < objects).slice(0, concurrency - 1).sort((a, b) => a - b)
          if (hangs.length > 0) {
            const steps = Array.from({ length: hangs[hangs.length - 1]! + 1 }, (_, at) =>
              hangs.includes(at) ? Fault.hang : Fault.pass)
            yield* emulator.setFaults([Fault.sequence("s3", steps)])
          }
          // Requests that surely arrive whatever hangs: one create, and every object but those the hangs stop
          // (a hung companion keeps its document from being sent).
          const reachable = 1 + objects - hangs.length
          const stopAfter = 1 + Math.floor(stopAt * reachable)

          const seen: Array<UploadEvent.UploadEvent> = []
          const options = { concurrency, maxFilesPerSession, s3Retry: false } as const
          const upload = via === "files"
            ? Effect.asVoid(Upload.files(sources, options))
            : Stream.runForEach(Upload.events(sources, options), (event) =>
              Effect.sync(() => seen.push(event)))
          const { alive, fiber } = yield* UploadChecks.forkSupervised(upload)
          yield* UploadChecks.waitFor(Effect.zipWith(
            Fiber.poll(fiber),
            emulator.requests,
            (done, requests) => Option.isSome(done) || requests.length >= stopAfter
          ))
          const exit = yield* Fiber.interrupt(fiber)

          const finished = Exit.isSuccess(exit)
          if (!finished) UploadChecks.assertInterrupted(exit)
          assert.deepStrictEqual((yield* alive).map((f) => f.id()), [], "no fiber of the upload is left running")
          const sessions = yield* UploadChecks.assertSessionsClosed(undefined)
          assert.isAtLeast(sessions.length, 1)
          const stored = new Set(yield* UploadChecks.storedNames)
          const hung = (yield* emulator.requests).filter((r) => r.route === "s3" && r.fault === "Hang").length
          assert.isAtMost(hung, hangs.length)
          if (hung > 0) assert.isFalse(finished, "a run with a hung request cannot end by itself")

          if (via === "events") {
            const report = UploadReport.fromEvents(seen)
            for (const file of report.files) {
              assert.strictEqual(stored.has(file.name), file.status === "uploaded", file.name)
              assert.strictEqual(stored.has(`${file.name}${META}`), file.metaUploaded === true, `${file.name}${META}`)
            }
            const reported = new Set(report.files.map((f) => f.name))
            const unreported = new Set([...stored].map(documentOf).filter((name) => !reported.has(name)))
            assert.isAtMost(unreported.size, concurrency, `stored without an event: ${[...unreported].join(", ")}`)
            if (finished) assert.strictEqual(unreported.size, 0)
            // Every session the report names exists and was closed; at most one was created and not yet
            // announced when the interruption came.
            const known = new Set(sessions.map((s) => s.sessionId))
            assert.isTrue(report.sessions.every((s) => known.has(s.sessionId)))
            assert.isAtMost(sessions.length - report.sessions.length, 1)
          }
          yield* UploadChecks.assertS3NeverSawTheKey
        }),
      { fastCheck: { numRuns: 30, seed: 7_0924 }, timeout: 180_000 }
    )

    it.effect("interrupted while waiting for ingestion: the wait stops, and the sessions were closed before it", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const sources = toSources(12, 3)
        const seen: Array<UploadEvent.UploadEvent> = []
        // Ingestion of the test's emulator never moves while the test clock stands still: the wait polls
        // once at once (a schedule's delays come before every poll: `Schedule.once` first makes it zero),
        // then sleeps on that clock until the interruption.
        const upload = Upload.events(sources, {
          maxFilesPerSession: 6,
          wait: { schedule: Schedule.once.pipe(Schedule.andThen(Schedule.spaced("1 second"))), timeout: "1 hour" }
        }).pipe(Stream.runForEach((event) => Effect.sync(() => seen.push(event))))
        const { alive, fiber } = yield* UploadChecks.forkSupervised(upload)
        yield* UploadChecks.waitFor(
          Effect.sync(() => UploadReport.fromEvents(seen).sessions.some((s) => s.ingestion !== undefined))
        )
        UploadChecks.assertInterrupted(yield* Fiber.interrupt(fiber))
        assert.deepStrictEqual((yield* alive).map((f) => f.id()), [])
        const report = UploadReport.fromEvents(seen)
        assert.strictEqual(report.uploaded, 12)
        assert.deepStrictEqual(yield* UploadChecks.storedNames, UploadChecks.reportedObjects(report.files))
        yield* UploadChecks.assertSessionsClosed(report)
        assert.isTrue(report.files.every((f) => f.ingestion === undefined), "no file reached its final state")
      }))

    it.scoped("interrupted while files stream from disk and S3 hangs: no file handle is left open", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        if (!(yield* fs.exists("/proc/self/fd"))) return
        const dir = yield* fs.makeTempDirectoryScoped()
        // Above 256 KiB a file is streamed from a handle held open for the whole request.
        for (let i = 0; i < 8; i++) yield* fs.writeFile(`${dir}/large-${i}.bin`, new Uint8Array(300 * 1024).fill(i))
        const openInDir = Effect.flatMap(fs.readDirectory("/proc/self/fd"), (fds) =>
          Effect.map(
            Effect.forEach(fds, (fd) => Effect.orElseSucceed(fs.readLink(`/proc/self/fd/${fd}`), () => "")),
            (targets) => targets.filter((target) => target.startsWith(dir))
          ))
        // The second and fourth S3 requests never get an answer.
        yield* emulator.setFaults([Fault.sequence("s3", [Fault.pass, Fault.hang, Fault.pass, Fault.hang])])
        const { alive, fiber } = yield* UploadChecks.forkSupervised(
          Upload.paths(dir, { concurrency: 3, s3Retry: false })
        )
        yield* UploadChecks.waitFor(Effect.map(
          emulator.requests,
          (requests) => requests.filter((r) => r.fault === "Hang").length === 2
        ))
        assert.isAtLeast((yield* openInDir).length, 2, "the hung uploads hold their files open")
        UploadChecks.assertInterrupted(yield* Fiber.interrupt(fiber))
        assert.deepStrictEqual(yield* openInDir, [], "no handle on a source outlives the upload")
        assert.deepStrictEqual((yield* alive).map((f) => f.id()), [])
        yield* UploadChecks.assertSessionsClosed(undefined)
      }))

    it.effect("a source stream that fails mid-way: the error is the caller's, sessions are closed, events agree with the store", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const sources = Stream.concat(
          Stream.fromIterable(toSources(10, 3)),
          Stream.fail("the listing broke" as const)
        )
        const seen: Array<UploadEvent.UploadEvent> = []
        const [exit, alive] = yield* UploadChecks.supervised(
          Stream.runForEach(
            Upload.events(sources, { maxFilesPerSession: 4, concurrency: 3 }),
            (event) => Effect.sync(() => seen.push(event))
          )
        )
        assert.deepStrictEqual(exit, Exit.fail("the listing broke" as const))
        assert.deepStrictEqual(alive, [])
        yield* UploadChecks.assertSessionsClosed(undefined)
        const report = UploadReport.fromEvents(seen)
        const stored = new Set(yield* UploadChecks.storedNames)
        for (const file of report.files) {
          assert.strictEqual(stored.has(file.name), file.status === "uploaded", file.name)
        }
        const reported = new Set(report.files.map((f) => f.name))
        const unreported = new Set([...stored].map(documentOf).filter((name) => !reported.has(name)))
        assert.isAtMost(unreported.size, 3, `stored without an event: ${[...unreported].join(", ")}`)
      }))

    it.effect("a run that is not interrupted ends with a report and no fiber left (the checks can pass)", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const [exit, alive] = yield* UploadChecks.supervised(Upload.files(toSources(9, 2), { maxFilesPerSession: 4 }))
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(alive, [])
        if (Exit.isSuccess(exit)) {
          assert.strictEqual(exit.value.uploaded, 9)
          yield* UploadChecks.assertSessionsClosed(exit.value)
        }
      }))
  })
})
