/**
 * After waiting, no silent drops, through the emulator: a file that reached S3 and is missing from its
 * session's file list is reported with an unknown ingestion state, and the listed name that matched no
 * file is named in the session's `unmatchedNames`.
 *
 * The emulator lists every document under the name it was posted with, so the part of a store that
 * changes names (Ceph RGW cuts a `Content-Disposition` filename at its first `;`) is a test double: the
 * real client with its file listings (`getFiles`, `streamFiles`) renaming one file, everything else on the wire.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, type UploadEvent, UploadReport } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Harness from "./harness.js"

/** The client in context, with the names its file listings give changed by `rename`. */
const renamingStore = (rename: (name: string) => string) =>
  Layer.effect(
    DeepsetClient.DeepsetClient,
    Effect.map(DeepsetClient.DeepsetClient, (client) =>
      DeepsetClient.DeepsetClient.of({
        ...client,
        getFiles: (options) =>
          Effect.map(client.getFiles(options), (page) => ({
            ...page,
            data: page.data.map((file) => file.name === rename(file.name) ? file : { ...file, name: rename(file.name) })
          })),
        streamFiles: (options) =>
          client.streamFiles(options).pipe(
            Stream.map((file) => file.name === rename(file.name) ? file : { ...file, name: rename(file.name) })
          )
      }))
  )

const sources = [
  { name: "a.txt", body: "alpha", meta: { n: 1 } },
  { name: "cut-here.txt", body: "stored under another name" },
  { name: "c.txt", body: "gamma" }
]

/** Every event of a waited run, and its report. */
const run = Effect.gen(function*() {
  const events = yield* Harness.clockMoving(Upload.events(sources, { wait: true }).pipe(Stream.runCollect))
  const all: ReadonlyArray<UploadEvent.UploadEvent> = [...events]
  assert.strictEqual(all.at(-1)?._tag, "Done")
  return { events: all, report: UploadReport.fromEvents(all) }
})

const ingestionOf = (report: UploadReport.UploadReport, name: string) =>
  report.files.find((file) => file.name === name)?.ingestion

describe("after waiting, no silent drops", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("a file the session's list misses is UNKNOWN (NOT_LISTED); the name listed instead is unmatched", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const { events, report } = yield* run.pipe(
          Effect.provide(renamingStore((name) => name === "cut-here.txt" ? "\"cut" : name))
        )
        const session = report.sessions[0]!
        // It did land: the emulator holds it, and the session's counts say all three were ingested.
        const objects = yield* emulator.objects(session.sessionId)
        assert.include(objects.map((object) => object.filename), "cut-here.txt")
        assert.deepInclude(session.ingestion, { expected: 3, finished: 3, failed: 0 })

        const missing = ingestionOf(report, "cut-here.txt")
        assert.deepStrictEqual([missing?.status, missing?.unknownReason], ["UNKNOWN", "NOT_LISTED"])
        assert.strictEqual(ingestionOf(report, "cut-here.txt")?.unknown, true)
        assert.strictEqual(ingestionOf(report, "a.txt")?.status, "FINISHED")
        assert.strictEqual(ingestionOf(report, "c.txt")?.status, "FINISHED")
        assert.deepStrictEqual(session.unmatchedNames, ["\"cut"])
        assert.isTrue(report.files.every((file) => file.ingestion !== undefined), "no file left blank")

        // One IngestionDone for the session, after its files' events; the fold of the events is the report.
        const tags = events.map((event) => event._tag)
        assert.strictEqual(tags.filter((tag) => tag === "IngestionDone").length, 1)
        assert.isTrue(tags.lastIndexOf("FileIngested") < tags.indexOf("IngestionDone"))
        assert.deepStrictEqual(UploadReport.fromEvents(events), report)
      }))

    it.effect("a file list that cannot be read leaves every file UNKNOWN (WAIT_FAILED), with the error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.setFaults([Fault.always("getFiles", Fault.wrongShape)])
        const { events, report } = yield* run
        yield* emulator.setFaults([])
        const session = report.sessions[0]!
        assert.strictEqual(session.ingestionError?.tag, "DecodeError")
        assert.deepStrictEqual(
          report.files.map((file) => [file.ingestion?.status, file.ingestion?.unknownReason]),
          [["UNKNOWN", "WAIT_FAILED"], ["UNKNOWN", "WAIT_FAILED"], ["UNKNOWN", "WAIT_FAILED"]]
        )
        assert.deepStrictEqual(session.unmatchedNames, [])
        const tags = events.map((event) => event._tag)
        assert.isTrue(tags.indexOf("IngestionFailed") < tags.indexOf("IngestionDone"))
      }))

    it.effect("without waiting there is no IngestionDone and no ingestion state", () =>
      Effect.gen(function*() {
        const events = yield* Upload.events(sources).pipe(Stream.runCollect)
        assert.isFalse([...events].some((event) => event._tag === "IngestionDone"))
        const report = UploadReport.fromEvents(events)
        assert.isTrue(report.files.every((file) => file.ingestion === undefined))
        assert.isUndefined(report.sessions[0]!.unmatchedNames)
      }))
  })
})
