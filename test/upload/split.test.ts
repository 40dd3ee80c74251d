import { Emulator } from "@effect-deepset/emulator"
import { Upload, type UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Harness from "./harness.js"

describe("splitting across sessions", () => {
  // The emulator enforces the same small limit: a session given one file too many would refuse it.
  it.layer(Harness.layer({ maxFilesPerSession: 5 }))((it) => {
    it.effect("a small maxFilesPerSession opens several sessions and keeps each companion with its document", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        // 2 + 1 + 2 | 2 + 2 + 1 | 2 + 1 + 2: a companion never makes a session exceed five objects.
        const withMeta = new Set([0, 2, 3, 4, 6, 8])
        const sources: Array<UploadSource.UploadSource> = Array.from({ length: 9 }, (_, i) => ({
          name: `f${i}.txt`,
          body: `file ${i}`,
          meta: withMeta.has(i) ? { i } : undefined
        }))
        const report = yield* Upload.files(sources, { maxFilesPerSession: 5, concurrency: 3 })
        assert.strictEqual(report.uploaded, 9)
        assert.deepStrictEqual(report.sessions.map((s) => s.files), [3, 3, 3])
        assert.isTrue(report.sessions.every((s) => s.closed))

        const objects = yield* emulator.objects()
        assert.strictEqual(objects.length, 15)
        const sessionOf = new Map(objects.map((o) => [o.filename, o.sessionId]))
        for (const file of report.files) {
          assert.strictEqual(sessionOf.get(file.name), file.sessionId)
          if (file.metaUploaded) assert.strictEqual(sessionOf.get(`${file.name}.meta.json`), file.sessionId)
        }
        const perSession = new Map<string, number>()
        for (const object of objects) perSession.set(object.sessionId, (perSession.get(object.sessionId) ?? 0) + 1)
        assert.isTrue([...perSession.values()].every((n) => n <= 5))
      }))

    it.effect("a limit below two cannot hold a document with its companion and is refused before anything is sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const before = (yield* emulator.requests).length
        const error = yield* Effect.flip(Upload.files([{ name: "a.txt", body: "a" }], { maxFilesPerSession: 1 }))
        assert.strictEqual(error._tag, "InvalidInputError")
        assert.strictEqual((yield* emulator.requests).length, before)
      }))
  })

  it.layer(Harness.layer())((it) => {
    it.effect("10 001 files with the real limit go to two sessions of 10 000 and 1", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const body = new Uint8Array([1])
        const sources = Array.from(
          { length: 10_001 },
          (_, i): UploadSource.UploadSource => ({ name: `n${i}.bin`, body })
        )
        const report = yield* Upload.files(sources, { concurrency: 16 })
        assert.strictEqual(report.total, 10_001)
        assert.strictEqual(report.uploaded, 10_001)
        assert.deepStrictEqual(report.sessions.map((s) => [s.files, s.uploaded, s.closed]), [[10_000, 10_000, true], [
          1,
          1,
          true
        ]])
        const sessions = yield* emulator.sessions
        assert.deepStrictEqual(sessions.map((s) => [s.uploads, s.status]), [[10_000, "CLOSED"], [1, "CLOSED"]])
      }), { timeout: 120_000 })
  })
})
