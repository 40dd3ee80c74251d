/**
 * The edges of a run (issue 13) against the emulator: a server that holds fewer files per session than
 * the run expects, a session that cannot be created at once (a 503, a create that hangs), a create that fails
 * for good, and a service that stops answering mid-run. Each ends with every file accounted for, every session the run opened
 * closed, and at most one copy of each document stored.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, UploadSource } from "@effect-deepset/sdk"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Harness from "./harness.js"

const sources = (count: number, meta = false) =>
  Array.from({ length: count }, (_, i): UploadSource.UploadSource => ({
    name: `doc-${i}.txt`,
    body: `document ${i}`,
    meta: meta && i % 2 === 0 ? { i } : undefined
  }))

// The emulator's client with a key it does not know.
const wrongKey = Layer.unwrapEffect(
  Effect.map(
    Emulator.Emulator,
    (emulator) =>
      DeepsetClient.layer({ apiKey: Redacted.make("not-the-key"), baseUrl: emulator.apiUrl, workspace: "default" })
  )
).pipe(
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.merge(NodeContext.layer),
  Layer.provideMerge(Emulator.layerTest())
)

const storedDocuments = Effect.flatMap(
  Emulator.Emulator,
  (emulator) => Effect.map(emulator.objects(), (objects) => objects.filter((o) => !o.filename.endsWith(".meta.json")))
)

describe("the edges of a run", () => {
  it.live("a server holding 5 files per session: each full session is sealed and the rest rolls over", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const report = yield* Upload.files(sources(12, true), { concurrency: 3 })
      assert.strictEqual(report.uploaded, 12, JSON.stringify(report.files.filter((f) => f.status === "failed")))
      const sessions = yield* emulator.sessions
      assert.isAtLeast(sessions.length, 3)
      assert.isTrue(sessions.every((s) => s.status === "CLOSED"))
      assert.isTrue(report.sessions.every((s) => s.closed))
      // One copy of each document, in the session the report names.
      const stored = yield* storedDocuments
      assert.deepStrictEqual(
        stored.map((o) => [o.filename, o.sessionId]).sort(),
        report.files.map((f) => [f.name, f.sessionId]).sort()
      )
    }).pipe(Effect.provide(Harness.layer({ maxFilesPerSession: 5 }))))

  it.live("a 503 without Retry-After on create: the run opens the session on its own next try, no file lost", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.setFaults([Fault.times("create", Fault.serverError(503), 1)])
      const report = yield* Upload.files(sources(6), { concurrency: 2 })
      assert.strictEqual(report.uploaded, 6)
      const creates = (yield* emulator.requests).filter((r) => r.route === "create").map((r) => r.status)
      assert.deepStrictEqual(creates, [503, 201])
      assert.lengthOf(yield* emulator.sessions, 1)
      // The 503 leaves open whether a session was created: the report says so (no file in it, nothing lost).
      assert.strictEqual(report.possiblyCreated, 1)
    }).pipe(Effect.provide(Harness.layer())))

  it.live("a create the server holds: its attempt times out, the run opens the session on its next try, no file lost", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.setFaults([Fault.times("create", Fault.hang, 1)])
      const report = yield* Upload.files(sources(6), { concurrency: 2 })
      assert.strictEqual(report.uploaded, 6)
      assert.isTrue(report.sessions.every((session) => session.closed))
      // The hung create took effect on the server: one empty session the run never learned of, left open and
      // counted in the report; the run's own session is closed.
      const stored = yield* emulator.sessions
      assert.deepStrictEqual(stored.filter((session) => session.status === "OPEN").map((session) => session.uploads), [
        0
      ])
      assert.strictEqual(stored.filter((session) => session.status === "CLOSED").length, 1)
      assert.strictEqual(report.possiblyCreated, 1)
    }).pipe(Effect.provide(Harness.layer(undefined, "1 second"))))

  it.live("failFast, a wrong key: the run fails once with AuthenticationError, no file event, nothing created", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Upload.events(sources(50), { failFast: true }).pipe(
          Stream.runForEach((event) => Effect.sync(() => seen.push(event._tag)))
        )
      )
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.deepStrictEqual(seen, [])
      assert.lengthOf(yield* emulator.sessions, 0)
      // The create is refused for good: neither the client nor the run asks twice.
      assert.lengthOf((yield* emulator.requests).filter((r) => r.route === "create"), 1)
    }).pipe(Effect.provide(wrongKey)))

  it.live("failFast, a second session that cannot be created: the first is closed with its event, then the error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.setFaults([
        Fault.sequence("create", [Fault.pass, ...Array.from({ length: 10 }, () => Fault.serverError(500))])
      ])
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Upload.events(sources(8), { failFast: true, maxFilesPerSession: 4, concurrency: 2 }).pipe(
          Stream.runForEach((event) => Effect.sync(() => seen.push(event._tag)))
        )
      )
      assert.strictEqual(error._tag, "ServerError")
      assert.deepStrictEqual(
        seen.filter((tag) => tag !== "FileUploaded" && tag !== "SessionPossiblyCreated"),
        ["SessionOpened", "SessionClosed"]
      )
      // Each 500 may have created a session unseen: one event per try, the last one not retried.
      assert.strictEqual(seen.filter((tag) => tag === "SessionPossiblyCreated").length, 4)
      assert.strictEqual(seen.filter((tag) => tag === "FileUploaded").length, 4)
      const sessions = yield* emulator.sessions
      assert.deepStrictEqual(sessions.map((s) => s.status), ["CLOSED"])
      // The run tried the second create four times (its own retries of a 500), not once per file.
      assert.lengthOf((yield* emulator.requests).filter((r) => r.route === "create"), 5)
    }).pipe(Effect.provide(Harness.layer())))

  it.live("a service that stops answering: the run gives up after giveUpAfter files and a probe, reports the rest once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      // The session opens; then every S3 post and the probe are reset, as a server that died would.
      yield* emulator.setFaults([
        Fault.always("s3", Fault.connectionReset),
        Fault.always("list", Fault.connectionReset)
      ])
      const total = 300
      const report = yield* Upload.files(sources(total), {
        concurrency: 4,
        giveUpAfter: 5,
        s3Retry: Schedule.recurs(1)
      })
      assert.strictEqual(report.total, total)
      assert.strictEqual(report.failed, total)
      const unreachable = report.files.filter((f) => f.error?.tag === "ServiceUnreachableError")
      // Only the files sent before the breaker tripped (and those in flight while it probed) were tried at all:
      // a number set by giveUpAfter and the concurrency, not by the number of files.
      const posts = (yield* emulator.requests).filter((r) => r.route === "s3").length
      assert.isAtMost(posts, 2 * 30)
      assert.isAtLeast(unreachable.length, total - 30)
      assert.isTrue(report.sessions.every((s) => s.closed))
    }).pipe(Effect.provide(Harness.layer())))

  it.live("failFast, a service that stops answering: the run fails with ServiceUnreachableError", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.setFaults([
        Fault.always("s3", Fault.connectionReset),
        Fault.always("list", Fault.connectionReset)
      ])
      const error = yield* Effect.flip(
        Upload.files(sources(100), { concurrency: 2, giveUpAfter: 3, s3Retry: false, failFast: true })
      )
      assert.strictEqual(error._tag, "ServiceUnreachableError")
      assert.isAtMost((yield* emulator.requests).filter((r) => r.route === "s3").length, 3 + 2 + 1)
      assert.isTrue((yield* emulator.sessions).every((s) => s.status === "CLOSED"))
    }).pipe(Effect.provide(Harness.layer())))

  it.live("a file over the session's size limit fails before any of its bytes is sent; the others go", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      // From memory, and from disk both ways the SDK reads a file (whole when small, streamed when large).
      yield* fs.writeFile(`${dir}/big.bin`, new Uint8Array(2_000))
      yield* fs.writeFile(`${dir}/huge.bin`, new Uint8Array(600_000))
      const report = yield* Upload.files([
        { name: "small.txt", body: "fits" },
        { name: "inline.bin", body: new Uint8Array(1_500) },
        UploadSource.fromPath(`${dir}/big.bin`),
        UploadSource.fromPath(`${dir}/huge.bin`)
      ], { concurrency: 1 })
      assert.deepStrictEqual(report.files.map((f) => [f.name, f.status, f.error?.tag]), [
        ["small.txt", "uploaded", undefined],
        ["inline.bin", "failed", "FileTooLargeError"],
        ["big.bin", "failed", "FileTooLargeError"],
        ["huge.bin", "failed", "FileTooLargeError"]
      ])
      assert.include(report.files[3]!.error!.message, "is 600000 bytes, over the session's limit of 1000 bytes")
      // One S3 request: the small file's. The others never left the machine, and were not retried.
      assert.lengthOf((yield* emulator.requests).filter((r) => r.route === "s3"), 1)
    }).pipe(Effect.scoped, Effect.provide(Harness.layer({ maxFileSize: 1_000 }))))
})
