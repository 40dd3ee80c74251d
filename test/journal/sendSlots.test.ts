/**
 * With a journal, the run waits for its syncs outside the send slots: at most `concurrency` S3 requests are
 * in flight however slow the disk, every file is journaled `sending` before its request and `sent` before
 * it counts, and a new file is stat'ed once (the stat taken for its `sending` record is the one its upload
 * uses).
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, UploadJournal, UploadSource } from "@effect-deepset/sdk"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Support from "./support.js"

interface Probe {
  inFlight: number
  maxInFlight: number
  posts: number
  readonly stats: Map<string, number>
}

const probe: Probe = { inFlight: 0, maxInFlight: 0, posts: 0, stats: new Map() }

// S3 posts counted while they are in flight.
const countingHttp = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(
    HttpClient.HttpClient,
    (client) =>
      HttpClient.transform(client, (effect, request) =>
        request.url.includes("/s3/")
          ? Effect.acquireUseRelease(
            Effect.sync(() => {
              probe.posts++
              probe.maxInFlight = Math.max(probe.maxInFlight, ++probe.inFlight)
            }),
            () => effect,
            () => Effect.sync(() => probe.inFlight--)
          )
          : effect)
  )
).pipe(Layer.provide(NodeHttpClient.layerUndici))

// Stats counted by path, on a disk whose every journal sync takes 20 ms.
const countingFs = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (fs) =>
    FileSystem.make({
      ...fs,
      stat: (path) =>
        Effect.zipRight(Effect.sync(() => probe.stats.set(path, (probe.stats.get(path) ?? 0) + 1)), fs.stat(path))
    }))
).pipe(Layer.provide(Support.countingFileSystem(Support.newLog(), 20)))

// The counting file system last: it replaces NodeContext's.
const layer = Layer.mergeAll(
  NodeContext.layer,
  Layer.unwrapEffect(Effect.map(Emulator.Emulator, (emulator) =>
    DeepsetClient.layer({
      apiKey: Redacted.make(emulator.apiKey),
      baseUrl: emulator.apiUrl,
      workspace: "default",
      timeout: "20 seconds"
    }))).pipe(Layer.provide(countingHttp)),
  countingFs
).pipe(Layer.provideMerge(Emulator.layerTest({ faults: [{ route: "s3", fault: Fault.delay("30 millis") }] })))

describe("send slots with a journal", () => {
  it.live(
    "at most concurrency S3 requests at once, each file stat'ed once and journaled sending, then sent",
    () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const files = 24
        for (let i = 0; i < files; i++) yield* fs.writeFileString(`${dir}/f${i}.txt`, `file ${i}`)
        const service = yield* UploadJournal.makeFile(`${dir}/journal/run.jsonl`)
        probe.stats.clear()
        const concurrency = 3
        const report = yield* Upload.files(
          Array.from({ length: files }, (_, i) => UploadSource.fromPath(`${dir}/f${i}.txt`)),
          { concurrency, journal: { service, root: dir, workspace: "default" } }
        )
        assert.strictEqual(report.uploaded, files)
        assert.strictEqual(probe.posts, files)
        assert.isAtMost(probe.maxInFlight, concurrency)
        for (let i = 0; i < files; i++) assert.strictEqual(probe.stats.get(`${dir}/f${i}.txt`), 1, `f${i}.txt`)
        const records = (yield* service.read).records
        for (let i = 0; i < files; i++) {
          const order = records.flatMap((r) =>
            (r.type === "sending" || r.type === "sent") && r.name === `f${i}.txt` ? [r.type] : []
          )
          assert.deepStrictEqual(order, ["sending", "sent"], `f${i}.txt`)
        }
      }).pipe(Effect.scoped, Effect.provide(layer)),
    { timeout: 60_000 }
  )
})
