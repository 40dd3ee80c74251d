/**
 * Durability and group commit of the file layer, on real temp files through a file system that counts
 * every write and sync and makes each sync slow: an append returns only after a sync that began after its
 * bytes were written; concurrent appends share syncs (far fewer syncs than appends); the records of one
 * append stay together; a failed sync fails that append and every later one; a closed layer refuses appends.
 */
import { UploadJournal } from "@effect-deepset/sdk"
import { FileSystem } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { countingFileSystem, examples, hashOf, newLog } from "./support.js"

const sent = (i: number, part = 0) =>
  UploadJournal.Sent.make({
    key: `file-${i}-${part}`,
    name: `file-${i}-${part}.txt`,
    sessionId: "s-1",
    size: i,
    sha256: hashOf("c")
  })

const lineOf = (record: UploadJournal.JournalRecord) => Effect.runSync(UploadJournal.encodeLine(record))
const decoder = new TextDecoder()
const textOf = (chunks: ReadonlyArray<Uint8Array>) => chunks.map((chunk) => decoder.decode(chunk)).join("")

describe("journal durability and group commit", () => {
  it.scopedLive("concurrent appends share syncs, and none returns before its bytes are synced", () => {
    const log = newLog()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const journal = yield* UploadJournal.makeFile(`${dir}/journal.jsonl`)
      const appends = 200
      const early: Array<number> = []
      yield* Effect.forEach(
        Array.from({ length: appends }, (_, i) => i),
        (i) =>
          Effect.gen(function*() {
            yield* journal.append([sent(i)])
            // When append returns, a completed sync covered the bytes of this record.
            const durable = textOf(log.written).slice(0, log.durableBytes)
            if (!durable.includes(lineOf(sent(i)))) early.push(i)
          }),
        { concurrency: "unbounded", discard: true }
      )
      assert.deepStrictEqual(early, [], "appends that returned before their record was synced")
      assert.isAtMost(log.synced.length, appends / 10, `${log.synced.length} syncs for ${appends} appends`)
      assert.isAtLeast(log.synced.length, 1)
      assert.strictEqual(log.written.length, log.synced.length, "one write per batch, one sync per write")
      const read = yield* journal.read
      assert.strictEqual(read.records.length, appends)
      assert.deepStrictEqual(
        new Set(read.records.map((r) => r.type === "sent" ? r.key : "")),
        new Set(Array.from({ length: appends }, (_, i) => `file-${i}-0`))
      )
    }).pipe(Effect.provide(countingFileSystem(log, 20)))
  })

  it.live.prop(
    "under any interleaving, each append returns after its records are durable and stays in one piece",
    [FastCheck.array(FastCheck.record({ records: FastCheck.integer({ min: 1, max: 4 }), delay: FastCheck.nat(8) }), {
      minLength: 1,
      maxLength: 30
    })],
    ([plan]) => {
      const log = newLog()
      return Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const journal = yield* UploadJournal.makeFile(`${dir}/journal.jsonl`)
        yield* Effect.forEach(plan, ({ delay, records }, i) =>
          Effect.gen(function*() {
            yield* Effect.sleep(delay)
            const batch = Array.from({ length: records }, (_, part) => sent(i, part))
            yield* journal.append(batch)
            const durable = textOf(log.written).slice(0, log.durableBytes)
            assert.include(durable, batch.map(lineOf).join(""), `append ${i} returned before its sync`)
          }), { concurrency: "unbounded", discard: true })
        const read = yield* journal.read
        assert.strictEqual(read.records.length, plan.reduce((n, step) => n + step.records, 0))
        assert.isAtMost(log.synced.length, plan.length)
      }).pipe(Effect.scoped, Effect.provide(countingFileSystem(log, 3)))
    },
    { fastCheck: { seed: 99, numRuns: 25 } }
  )

  it.scopedLive("sequential appends each pay one sync (nothing to batch with)", () => {
    const log = newLog()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const journal = yield* UploadJournal.makeFile(`${dir}/journal.jsonl`)
      for (let i = 0; i < 5; i++) {
        yield* journal.append([sent(i)])
        assert.strictEqual(log.synced.length, i + 1)
      }
    }).pipe(Effect.provide(countingFileSystem(log, 1)))
  })

  it.scopedLive("a failed sync fails its append and every later one; what was synced before stays readable", () => {
    const log = newLog()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const journal = yield* UploadJournal.makeFile(`${dir}/journal.jsonl`)
      yield* journal.append(examples.slice(0, 2))
      log.failNextSync = true
      const failed = yield* Effect.flip(journal.append(examples.slice(2, 3)))
      assert.strictEqual(failed.operation, "sync")
      assert.include(failed.message, "journal.jsonl")
      const later = yield* Effect.flip(journal.append(examples.slice(3, 4)))
      assert.strictEqual(later.operation, "sync")
      assert.strictEqual(log.written.length, 2, "nothing is written after the failure")
      assert.deepStrictEqual((yield* journal.read).records.slice(0, 2), examples.slice(0, 2))
    }).pipe(Effect.provide(countingFileSystem(log, 1)))
  })

  it.scopedLive("after its layer closed, append fails with a closed error", () => {
    const log = newLog()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const journal = yield* Effect.scoped(
        Effect.tap(UploadJournal.makeFile(`${dir}/journal.jsonl`), (journal) => journal.append(examples.slice(0, 1)))
      )
      const error = yield* Effect.flip(journal.append(examples.slice(1, 2)))
      assert.strictEqual(error.operation, "closed")
      assert.deepStrictEqual((yield* journal.read).records, examples.slice(0, 1))
    }).pipe(Effect.provide(countingFileSystem(log, 1)))
  })

  it.scopedLive("an interrupted caller does not withdraw its records: they still become durable", () => {
    const log = newLog()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const journal = yield* UploadJournal.makeFile(`${dir}/journal.jsonl`)
      // The first append's slow sync is in flight while the second waits, then is interrupted.
      const first = yield* Effect.fork(journal.append(examples.slice(0, 1)))
      yield* Effect.sleep(5)
      yield* journal.append(examples.slice(1, 2)).pipe(Effect.timeout(5), Effect.ignore)
      yield* first.await
      yield* journal.append(examples.slice(2, 3))
      assert.deepStrictEqual((yield* journal.read).records, examples.slice(0, 3))
    }).pipe(Effect.provide(countingFileSystem(log, 40)))
  })
})
