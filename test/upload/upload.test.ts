import { Emulator } from "@effect-deepset/emulator"
import { Upload, UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Harness from "./harness.js"

describe("Upload.files", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("uploads one file without meta, then one with meta, each in a closed session", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const plain = yield* Upload.files([{ name: "plain.txt", body: "hello" }])
        assert.strictEqual(plain.total, 1)
        assert.strictEqual(plain.uploaded, 1)
        assert.strictEqual(plain.sessions.length, 1)
        assert.isTrue(plain.sessions[0]!.closed)
        assert.strictEqual(plain.files[0]!.status, "uploaded")
        assert.strictEqual(plain.files[0]!.bytes, 5)
        assert.isUndefined(plain.files[0]!.metaUploaded)

        const withMeta = yield* Upload.files([{ name: "with-meta.txt", body: "hi", meta: { lang: "en" } }])
        assert.strictEqual(withMeta.uploaded, 1)
        assert.isTrue(withMeta.files[0]!.metaUploaded)
        const objects = yield* emulator.objects(withMeta.sessions[0]!.sessionId)
        assert.deepStrictEqual(objects.map((o) => o.filename).sort(), ["with-meta.txt", "with-meta.txt.meta.json"])
        assert.strictEqual(objects.find((o) => o.filename.endsWith(".meta.json"))!.meta, JSON.stringify({ lang: "en" }))
        const sessions = yield* emulator.sessions
        assert.deepStrictEqual(sessions.map((s) => s.status), ["CLOSED", "CLOSED"])
      }))

    it.effect("parallelProcessing reaches the session's create; without it, the service's default", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const parallel = yield* Upload.files([{ name: "p.txt", body: "p" }], { parallelProcessing: true })
        const plain = yield* Upload.files([{ name: "q.txt", body: "q" }])
        const sessions = yield* emulator.sessions
        const flag = (id: string) => sessions.find((s) => s.sessionId === id)?.parallelProcessingEnabled
        assert.isTrue(flag(parallel.sessions[0]!.sessionId))
        assert.isFalse(flag(plain.sessions[0]!.sessionId))
      }))
  })
})

describe("Upload.files, waiting for ingestion", () => {
  it.layer(Harness.layer())((it) => {
    it.effect("25 files with meta: each file's ingestion state and failure reason is in the report", () =>
      Effect.gen(function*() {
        const first = yield* Harness.clockMoving(Upload.files([{ name: "existing.txt", body: "old" }], { wait: true }))
        assert.strictEqual(first.files[0]!.ingestion?.status, "FINISHED")

        const sources: Array<UploadSource.UploadSource> = Array.from({ length: 22 }, (_, i) => ({
          name: `doc-${i}.txt`,
          body: `document ${i}`,
          meta: { i }
        }))
        sources.push({ name: "empty.txt", body: "", meta: { kind: "empty" } })
        sources.push({ name: "bad-meta.txt", body: "x", meta: UploadSource.rawMeta("{ not json") })
        sources.push({ name: "existing.txt", body: "new", meta: { kind: "again" } })
        const report = yield* Harness.clockMoving(Upload.files(sources, { writeMode: "FAIL", wait: true }))

        assert.strictEqual(report.total, 25)
        assert.strictEqual(report.uploaded, 25)
        const session = report.sessions[0]!
        assert.deepStrictEqual(
          {
            expected: session.ingestion?.expected,
            finished: session.ingestion?.finished,
            failed: session.ingestion?.failed
          },
          { expected: 25, finished: 22, failed: 3 }
        )
        assert.isTrue(session.ingestion?.complete)
        const reasons = Object.fromEntries(
          report.files.filter((f) => f.ingestion?.status === "FAILED").map((f) => [f.name, f.ingestion?.reason])
        )
        assert.deepStrictEqual(reasons, {
          "empty.txt": "EMPTY_FILE",
          "bad-meta.txt": "FAILED_TO_PARSE_META",
          "existing.txt": "FILE_ALREADY_EXISTS"
        })
        assert.isTrue(report.files.every((f) => f.ingestion !== undefined && f.metaUploaded === true))
      }))
  })
})
