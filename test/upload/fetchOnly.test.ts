/**
 * `Upload` with `FetchHttpClient.layer` under `DeepsetClient.layer` and nothing else: no NodeContext, no
 * FileSystem. In-memory and stream sources upload, wait for ingestion and journal in memory, and
 * `Upload.session` sends them, each program run in a runtime of its own whose context holds only what is
 * provided here. The control at the end shows that the context really has no FileSystem: a path source,
 * forced past its type, dies asking for one. The type-level half is `requirements.types.ts`.
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, UploadJournal, UploadReport, UploadSource } from "@effect-deepset/sdk"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex")

/** A client over fetch, and nothing else. */
const fetchOnly = (emulator: Emulator.Handle) =>
  DeepsetClient.layer({
    apiKey: Redacted.make(emulator.apiKey),
    baseUrl: emulator.apiUrl,
    workspace: "default",
    timeout: "20 seconds"
  }).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * Runs a program that requires the `DeepsetClient` only (the types say so: `Effect.runPromiseExit` takes
 * nothing else), with the fetch client, in a fresh runtime: nothing of the test's context reaches it.
 */
const runFetchOnly = <A, E>(emulator: Emulator.Handle, program: Effect.Effect<A, E, DeepsetClient.DeepsetClient>) =>
  Effect.promise(() =>
    Effect.runPromiseExit(
      Effect.zipRight(
        Effect.flatMap(Effect.serviceOption(FileSystem.FileSystem), (fs) =>
          Option.isNone(fs) ? Effect.void : Effect.dieMessage("a FileSystem is in context")),
        program
      ).pipe(Effect.provide(fetchOnly(emulator)))
    )
  )

const getOrThrow = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) assert.fail(Cause.pretty(exit.cause))
  return exit.value
}

// A stream body larger than one buffered request (256 KiB), so that it goes out as a streamed fetch body.
const bigChunk = new Uint8Array(100 * 1024).fill(97)
const big = { stream: Stream.make(bigChunk, bigChunk, bigChunk, new Uint8Array([98])), size: 3 * bigChunk.length + 1 }
const bigBytes = new Uint8Array(big.size)
bigBytes.fill(97, 0, 3 * bigChunk.length)
bigBytes[big.size - 1] = 98

describe("Upload with FetchHttpClient only, no FileSystem", () => {
  // Live services: the programs run on the real clock, so the emulator must too (sessions expire on it).
  layer(Emulator.layerTest(), { excludeTestServices: true })((it) => {
    it.effect("Upload.files: text, bytes, raw and object metadata, streams; waits for ingestion; journals in memory", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const journal = yield* UploadJournal.makeMemory()
        const bytes = new TextEncoder().encode("# bytes\n")
        const exit = yield* runFetchOnly(
          emulator,
          Upload.files([
            { name: "text.txt", body: "plain text", meta: { team: "support" } },
            { name: "bytes.md", body: bytes, meta: UploadSource.rawMeta("{\"lang\":\"en\"}") },
            { name: "small-stream.txt", body: { stream: Stream.make(new TextEncoder().encode("streamed")), size: 8 } },
            {
              name: "big-stream.bin",
              body: big,
              meta: UploadSource.rawMeta(new TextEncoder().encode("{\"big\":true}"))
            }
          ], { wait: true, journal: { service: journal, root: "memory", workspace: "default" } })
        )
        const report = getOrThrow(exit)
        assert.deepStrictEqual([report.total, report.uploaded, report.failed], [4, 4, 0])
        assert.deepStrictEqual(report.files.map((file) => file.ingestion?.status), [
          "FINISHED",
          "FINISHED",
          "FINISHED",
          "FINISHED"
        ])
        const objects = yield* emulator.objects(report.sessions[0]!.sessionId)
        const stored = Object.fromEntries(objects.map((object) => [object.filename, object]))
        assert.strictEqual(stored["text.txt"]!.sha256, sha256("plain text"))
        assert.strictEqual(stored["text.txt.meta.json"]!.meta, "{\"team\":\"support\"}")
        assert.strictEqual(stored["bytes.md"]!.sha256, sha256(bytes))
        assert.strictEqual(stored["bytes.md.meta.json"]!.meta, "{\"lang\":\"en\"}")
        assert.strictEqual(stored["small-stream.txt"]!.sha256, sha256("streamed"))
        assert.strictEqual(stored["big-stream.bin"]!.size, big.size)
        assert.strictEqual(stored["big-stream.bin"]!.sha256, sha256(bigBytes))
        assert.strictEqual(stored["big-stream.bin.meta.json"]!.meta, "{\"big\":true}")
        // The journal holds the run: sent records for every source, the session closed, the run finished.
        const text = yield* journal.text
        assert.strictEqual(text.match(/"type":"sent"/g)?.length, 4, text)
        assert.include(text, "\"type\":\"finished\"")
      }))

    it.effect("Upload.events over a Stream of sources, one generated by the caller", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const sources = Stream.range(1, 12).pipe(
          Stream.map((i) =>
            i % 2 === 0
              ? { name: `ticket-${i}.md`, body: `# ticket ${i}`, meta: { i } }
              : { name: `ticket-${i}.bin`, body: { stream: Stream.make(new Uint8Array([i])), size: 1 } }
          )
        )
        const exit = yield* runFetchOnly(
          emulator,
          Upload.events(sources, { maxFilesPerSession: 10, concurrency: 4 }).pipe(Stream.runCollect)
        )
        const events = Chunk.toReadonlyArray(getOrThrow(exit))
        assert.strictEqual(events[events.length - 1]!._tag, "Done")
        const report = UploadReport.fromEvents(events)
        assert.deepStrictEqual([report.total, report.uploaded, report.failed], [12, 12, 0])
        // Six documents with a companion and six without: 18 objects, more than one session holds here.
        assert.strictEqual(report.sessions.length, 2)
        assert.isTrue(report.sessions.every((session) => session.closed))
        assert.strictEqual((yield* emulator.objects()).length, 18)
      }))

    it.effect("Upload.session sends bytes, text and a stream, and is closed", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const exit = yield* runFetchOnly(
          emulator,
          Effect.scoped(Effect.gen(function*() {
            const session = yield* Upload.session({ writeMode: "KEEP" })
            const sent = [
              yield* session.send({ name: "a.txt", body: "hello", meta: { lang: "en" } }),
              yield* session.send({ name: "b.bin", body: new Uint8Array([1, 2, 3]) }),
              yield* session.send({ name: "c.txt", body: { stream: Stream.make(new Uint8Array([99])), size: 1 } })
            ]
            yield* session.close
            const ingestion = yield* Upload.waitForIngestion({
              sessionId: session.sessionId,
              expected: yield* session.expected
            })
            return { sent, ingestion }
          }))
        )
        const { ingestion, sent } = getOrThrow(exit)
        assert.deepStrictEqual(sent, [
          { name: "a.txt", bytes: 5, meta: true },
          { name: "b.bin", bytes: 3, meta: false },
          { name: "c.txt", bytes: 1, meta: false }
        ])
        assert.deepStrictEqual([ingestion.finished, ingestion.failed], [3, 0])
        assert.deepStrictEqual((yield* emulator.sessions).map((session) => session.status), ["CLOSED"])
      }))

    it.effect("control: a path source forced past its type dies for want of a FileSystem, and nothing else asks", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const forced = Upload.files([
          { name: "a.txt", body: "in memory" },
          UploadSource.fromPath("/nonexistent/b.txt")
        ]) as Effect.Effect<unknown, unknown, DeepsetClient.DeepsetClient>
        const exit = yield* runFetchOnly(emulator, forced)
        assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), String(exit))
        assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "FileSystem")
        // The run still closed its session on the way out.
        assert.isTrue((yield* emulator.sessions).every((session) => session.status === "CLOSED"))
      }))
  })
})
