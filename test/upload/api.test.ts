import { Emulator } from "@effect-deepset/emulator"
import { Upload, type UploadEvent, UploadReport, UploadSource } from "@effect-deepset/sdk"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { createHash } from "node:crypto"
import * as Harness from "./harness.js"
import { waitUntil } from "./support.js"

const sessionStatuses = Effect.flatMap(
  Emulator.Emulator,
  (emulator) => Effect.map(emulator.sessions, (sessions) => sessions.map((s) => s.status))
)

describe("Upload.session", () => {
  it.layer(Harness.layer({ maxFilesPerSession: 3 }))((it) => {
    it.effect("sends files, closes, and waits for the documents that reached S3", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const counts = yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* Upload.session({ maxFiles: 3 })
          const sent = yield* session.send({ name: "dir/a.txt", body: "a", meta: { n: 1 } })
          assert.deepStrictEqual(sent, { name: "a.txt", bytes: 1, meta: true })
          const conflict = yield* Effect.flip(session.send({ name: "other/a.txt", body: "again" }))
          assert.strictEqual(conflict._tag, "FileNameConflictError")
          yield* session.send({ name: "b.txt", body: "bb" })
          const full = yield* Effect.flip(session.send({ name: "c.txt", body: "c" }))
          assert.strictEqual(full._tag, "SessionFullError")
          assert.strictEqual(yield* session.uploaded, 2)
          yield* session.close
          const closed = yield* Effect.flip(session.send({ name: "d.txt", body: "d" }))
          assert.strictEqual(closed._tag, "SessionClosedError")
          return yield* Harness.clockMoving(
            Upload.waitForIngestion({ sessionId: session.sessionId, expected: yield* session.expected })
          )
        }))
        assert.deepStrictEqual([counts.finished, counts.failed, counts.complete], [2, 0, true])
        assert.deepStrictEqual(yield* sessionStatuses, ["CLOSED"])
      }))

    it.effect("is closed when the scope fails, and when it is interrupted", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const failed = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
          const session = yield* Upload.session()
          yield* session.send({ name: "a.txt", body: "a" })
          return yield* Effect.fail("boom")
        })))
        assert.isTrue(Exit.isFailure(failed))
        const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const session = yield* Upload.session()
          yield* session.send({ name: "b.txt", body: "b" })
          return yield* Effect.never
        })))
        yield* waitUntil(Effect.map(emulator.objects(), (objects) => objects.length === 2))
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(yield* sessionStatuses, ["CLOSED", "CLOSED"])
      }))
  })

  it.layer(Harness.layer({ ingestionDelay: "1 hour" }))((it) => {
    it.effect("waiting that runs out of time fails with the last counts", () =>
      Effect.gen(function*() {
        const session = yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* Upload.session()
          yield* session.send({ name: "slow.txt", body: "s" })
          return session
        }))
        const fiber = yield* Effect.fork(
          Effect.flip(Upload.waitForIngestion({ sessionId: session.sessionId, expected: 1, timeout: "10 minutes" }))
        )
        yield* TestClock.adjust("11 minutes")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "IngestionTimeoutError")
        if (error._tag === "IngestionTimeoutError") {
          assert.deepStrictEqual([error.expected, error.finished, error.failed], [1, 0, 0])
          assert.match(error.message, /did not finish within 10m: 0 of 1 files done/)
        }
      }))
  })
})

describe("Upload.events", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("no sources: no session, and only the Done event with an empty report", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const events = yield* Stream.runCollect(Upload.events([]))
        assert.deepStrictEqual(Array.from(events, (e) => e._tag), ["Done"])
        const report = yield* Upload.files(Stream.empty)
        assert.deepStrictEqual([report.total, report.sessions.length], [0, 0])
        assert.deepStrictEqual(yield* emulator.sessions, [])
        assert.deepStrictEqual(yield* emulator.requests, [])
      }))

    it.effect("events come in order: opened before its files, closed after them, ingestion, then Done", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const sources = Array.from({ length: 7 }, (_, i) => ({ name: `e${i}.txt`, body: `e${i}` }))
        const events = Array.from(
          yield* Harness.clockMoving(
            Stream.runCollect(Upload.events(sources, { maxFilesPerSession: 3, concurrency: 4, wait: true }))
          )
        )
        const position = (predicate: (e: UploadEvent.UploadEvent) => boolean) => events.findIndex(predicate)
        const opened = events.filter((e) => e._tag === "SessionOpened")
        assert.strictEqual(opened.length, 3)
        for (const session of opened) {
          const id = session.sessionId
          const files = events.flatMap((e, i) => e._tag === "FileUploaded" && e.sessionId === id ? [i] : [])
          const openedAt = position((e) => e._tag === "SessionOpened" && e.sessionId === id)
          const closedAt = position((e) => e._tag === "SessionClosed" && e.sessionId === id)
          const progressAt = position((e) => e._tag === "IngestionProgress" && e.sessionId === id)
          assert.isTrue(files.every((i) => openedAt < i && i < closedAt))
          assert.isTrue(closedAt < progressAt)
        }
        assert.strictEqual(events[events.length - 1]!._tag, "Done")
        const report = UploadReport.fromEvents(events)
        assert.strictEqual(report.uploaded, 7)
        assert.isTrue(report.files.every((f) => f.ingestion?.status === "FINISHED"))
      }))

    it.effect("sources from a Stream are checked one by one: a bad name fails alone", () =>
      Effect.gen(function*() {
        const report = yield* Upload.files(Stream.make(
          { name: "ok.txt", body: "ok" },
          { name: "", body: "nameless" },
          { name: "x/ok.txt", body: "same stored name" },
          { name: "ok2.txt", body: "ok" }
        ))
        assert.deepStrictEqual(
          report.files.map((f) => [f.status, f.error?.tag]),
          [["uploaded", undefined], ["failed", "InvalidFileNameError"], ["failed", "FileNameConflictError"], [
            "uploaded",
            undefined
          ]]
        )
      }))

    it.effect("sources from an iterable are all checked before anything is sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const error = yield* Effect.flip(Upload.files([
          { name: "a.txt", body: "a" },
          { name: "", body: "b" },
          { name: "sub/a.txt", body: "c" },
          { name: "x.meta.json", body: "{}" }
        ]))
        assert.strictEqual(error._tag, "InvalidSourcesError")
        if (error._tag === "InvalidSourcesError") {
          assert.deepStrictEqual(error.errors.map((e) => e._tag), [
            "InvalidFileNameError",
            "FileNameConflictError",
            "InvalidFileNameError"
          ])
          assert.match(error.message, /Nothing was uploaded, 3 problems with the inputs/)
        }
        assert.deepStrictEqual(yield* emulator.requests, [])
      }))
  })
})

describe("Upload.paths", () => {
  it.layer(Harness.layer())((it) => {
    it.scoped("uploads a folder with its companions, recursively and by extension; a large file streams whole", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.makeDirectory(path.join(dir, "sub"))
        const large = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 7) % 256)
        yield* fs.writeFileString(path.join(dir, "a.md"), "# A")
        yield* fs.writeFileString(path.join(dir, "a.md.meta.json"), "{\"lang\":\"en\"}")
        yield* fs.writeFileString(path.join(dir, "skip.log"), "not wanted")
        yield* fs.writeFile(path.join(dir, "sub", "large.pdf"), large)

        const flat = yield* Upload.paths(dir, { extensions: ["md", ".pdf"] })
        assert.deepStrictEqual(flat.files.map((f) => [f.name, f.metaUploaded]), [["a.md", true]])

        const deep = yield* Upload.paths([dir], { recursive: true, extensions: ["md", ".PDF"] })
        assert.deepStrictEqual(deep.files.map((f) => f.name), ["a.md", "large.pdf"])
        const stored = yield* emulator.objects(deep.sessions[0]!.sessionId)
        const pdf = stored.find((o) => o.filename === "large.pdf")!
        assert.strictEqual(pdf.size, large.length)
        assert.strictEqual(pdf.sha256, createHash("sha256").update(large).digest("hex"))
        assert.strictEqual(stored.find((o) => o.filename === "a.md.meta.json")?.meta, "{\"lang\":\"en\"}")
      }))

    it.scoped("an orphan companion, two files with one name and a missing path fail before anything is sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.makeDirectory(path.join(dir, "one"))
        yield* fs.makeDirectory(path.join(dir, "two"))
        yield* fs.writeFileString(path.join(dir, "one", "same.txt"), "1")
        yield* fs.writeFileString(path.join(dir, "two", "same.txt"), "2")
        yield* fs.writeFileString(path.join(dir, "one", "gone.txt.meta.json"), "{}")
        const error = yield* Effect.flip(Upload.paths([dir, path.join(dir, "missing")], { recursive: true }))
        assert.strictEqual(error._tag, "InvalidSourcesError")
        if (error._tag === "InvalidSourcesError") {
          assert.deepStrictEqual(error.errors.map((e) => e._tag).sort(), [
            "FileNameConflictError",
            "OrphanMetaError",
            "SourceReadError"
          ])
          assert.include(error.message, path.join(dir, "one", "same.txt"))
          assert.include(error.message, path.join(dir, "two", "same.txt"))
        }
        assert.deepStrictEqual(yield* emulator.requests, [])
      }))

    it.scoped("a missing file or a folder given as a file fails alone, and the other files still go", () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(path.join(dir, "fine.txt"), "fine")
        const report = yield* Upload.files([
          UploadSource.fromPath(path.join(dir, "fine.txt")),
          UploadSource.fromPath(path.join(dir, "missing.txt")),
          { name: "folder", body: { path: dir } }
        ])
        assert.deepStrictEqual(report.files.map((f) => [f.name, f.status, f.error?.tag]), [
          ["fine.txt", "uploaded", undefined],
          ["missing.txt", "failed", "SourceReadError"],
          ["folder", "failed", "SourceReadError"]
        ])
        assert.match(report.files[1]!.error!.message, /no such file or directory/)
        assert.match(report.files[2]!.error!.message, /it is a directory/)
      }))

    it.scoped("a file named on its own brings the companion beside it", () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(path.join(dir, "note.txt"), "n")
        yield* fs.writeFileString(path.join(dir, "note.txt.meta.json"), "{\"k\":1}")
        const sources = yield* UploadSource.fromPaths(path.join(dir, "note.txt"))
        assert.strictEqual(sources.length, 1)
        assert.isTrue(sources[0]!.meta !== undefined && UploadSource.isRawMeta(sources[0]!.meta))
      }))
  })
})
