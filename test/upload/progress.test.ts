/**
 * Bytes as they go out (`progress`, `BytesSent`): a streamed body counts its chunks while it is sent, a small
 * one when it lands, a failed attempt takes its bytes back, companions do not count. Nothing here depends on
 * time: under the test clock the run's ticker never fires, so the one `BytesSent` is the last count, after
 * sending.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { Upload, type UploadEvent, UploadReport, type UploadSource } from "@effect-deepset/sdk"
import { NodeFileSystem } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Meter from "../../packages/sdk/src/internal/meter.js"
import * as Multipart from "../../packages/sdk/src/internal/multipart.js"
import * as Source from "../../packages/sdk/src/internal/source.js"
import * as Harness from "./harness.js"

const envelope = Multipart.envelope(Multipart.make({ key: "k" }), "f.bin")

// Reads a streamed body the way the HTTP client does, noting the meter after each chunk.
const drain = (body: Source.AttemptBody, meter: Meter.Meter) =>
  body.body._tag === "Stream"
    ? Stream.runCollect(Stream.map(body.body.stream, () => meter.sent)).pipe(Effect.map(Chunk.toArray))
    : Effect.succeed([meter.sent])

describe("counting bytes as they go out", () => {
  it.scoped("a streamed file counts chunk by chunk, then its size once; a failed attempt takes its bytes back", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const size = 2 * Source.chunkSize + 17
      const path = `${dir}/large.bin`
      yield* fs.writeFile(path, new Uint8Array(size))
      const meter = Meter.make()

      const seen = yield* Source.withBody(
        envelope,
        "f.bin",
        { _tag: "File", path },
        (body) => drain(body, meter),
        false,
        meter
      )
      // The envelope's head and tail pass through too; the content's three chunks are what counts.
      assert.isTrue(seen.some((sent) => sent > 0 && sent < size), `counted before the end: ${seen}`)
      assert.strictEqual(Math.max(...seen), size)
      assert.strictEqual(meter.sent, size)

      const failed = yield* Effect.exit(
        Source.withBody(
          envelope,
          "f.bin",
          { _tag: "File", path },
          (body) => Effect.zipRight(drain(body, meter), Effect.fail("reset")),
          false,
          meter
        )
      )
      assert.isTrue(Exit.isFailure(failed))
      assert.strictEqual(meter.sent, size, "the failed attempt's bytes are taken back")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("a small body counts when its attempt succeeds, and not at all when it fails", () =>
    Effect.gen(function*() {
      const meter = Meter.make()
      const bytes = new Uint8Array(1000)
      const during = yield* Source.withBody(
        envelope,
        "f.bin",
        { _tag: "Bytes", bytes },
        () => Effect.sync(() => meter.sent),
        false,
        meter
      )
      assert.strictEqual(during, 0)
      assert.strictEqual(meter.sent, 1000)
      yield* Effect.exit(
        Source.withBody(envelope, "f.bin", { _tag: "Bytes", bytes }, () => Effect.fail("no"), false, meter)
      )
      assert.strictEqual(meter.sent, 1000)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

const large = 3 * 1024 * 1024 + 5
const sources = (): Array<UploadSource.UploadSource> => [
  // A stream source: its chunks are counted as the body takes them.
  {
    name: "large.bin",
    body: { stream: Stream.make(new Uint8Array(large - 5), new Uint8Array(5)), size: large },
    meta: { kind: "large" }
  },
  ...Array.from({ length: 8 }, (_, i) => ({ name: `small-${i}.txt`, body: "x".repeat(100 + i), meta: { i } }))
]
const documentBytes = large + Array.from({ length: 8 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0)

const bytesSent = (events: ReadonlyArray<UploadEvent.UploadEvent>) =>
  events.flatMap((event) => event._tag === "BytesSent" ? [event.bytes] : [])

describe("Upload's progress option", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("reports the documents' bytes, each once, though the large file failed twice and was sent again", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* emulator.setFaults([Fault.times("s3", Fault.connectionReset, 2, { match: "large.bin" })])
        const events = Chunk.toArray(
          yield* Stream.runCollect(Upload.events(sources(), { progress: true, s3Retry: Schedule.recurs(3) }))
        )
        assert.strictEqual(events[events.length - 1]?._tag, "Done")
        assert.strictEqual(UploadReport.fromEvents(events).uploaded, 9)
        const counts = bytesSent(events)
        assert.isAbove(counts.length, 0)
        for (const count of counts) assert.isAtMost(count, documentBytes)
        assert.strictEqual(counts[counts.length - 1], documentBytes, "companions are not counted, retries once")
        const stored = (yield* emulator.objects()).filter((o) => !o.filename.endsWith(".meta.json"))
        assert.strictEqual(stored.reduce((sum, o) => sum + o.size, 0), documentBytes)
        const resets = (yield* emulator.requests).filter((r) => r.fault === "ConnectionReset").length
        assert.strictEqual(resets, 2)
      }))

    it.effect("without it, no BytesSent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const events = Chunk.toArray(yield* Stream.runCollect(Upload.events(sources())))
        assert.deepStrictEqual(bytesSent(events), [])
      }))
  })
})
