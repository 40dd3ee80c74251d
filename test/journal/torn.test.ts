/**
 * A journal cut at any byte by a crash still loads: for journals of random records, a cut at every byte
 * offset of the last line, and at a random earlier point, gives exactly the complete records before the
 * cut, never a failure; the file layer reopens such a file, drops the torn tail, and appends after it so
 * that the next records read back whole.
 */
import { UploadJournal } from "@effect-deepset/sdk"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { at, encode, examples, record } from "./support.js"

/** How many whole records the first `cut` bytes hold. */
const completeBefore = (records: ReadonlyArray<UploadJournal.JournalRecord>, cut: number): number => {
  let end = 0
  let count = 0
  for (const r of records) {
    end += encode([r]).length
    if (end > cut) break
    count++
  }
  return count
}

const journal = FastCheck.array(record, { minLength: 1, maxLength: 12 })

describe("torn journals", () => {
  it.prop("cut at every byte of the last line: all records before it, the rest ignored", [journal], ([records]) => {
    const bytes = encode(records)
    const lastStart = encode(records.slice(0, -1)).length
    for (let cut = lastStart; cut <= bytes.length; cut++) {
      const read = UploadJournal.decodeLines(bytes.subarray(0, cut))
      const whole = cut === bytes.length ? records.length : records.length - 1
      assert.deepStrictEqual(read.records, records.slice(0, whole))
      assert.strictEqual(read.skipped, 0)
      assert.strictEqual(read.tornBytes, cut === bytes.length ? 0 : cut - lastStart)
    }
  }, { fastCheck: { seed: 20260501, numRuns: 150 } })

  it.prop("cut at a random earlier point: the complete records before the cut", [
    journal,
    FastCheck.double({ min: 0, max: 1, noNaN: true })
  ], ([records, fraction]) => {
    const bytes = encode(records)
    const cut = Math.floor(fraction * bytes.length)
    const read = UploadJournal.decodeLines(bytes.subarray(0, cut))
    assert.deepStrictEqual(read.records, records.slice(0, completeBefore(records, cut)))
    assert.strictEqual(read.skipped, 0)
  }, { fastCheck: { seed: 77, numRuns: 500 } })

  it.prop("a torn line in the middle (an earlier crash, then appends) is skipped and counted", [
    journal,
    journal,
    FastCheck.double({ min: 0, max: 1, noNaN: true })
  ], ([before, after, fraction]) => {
    // What a writer without tail repair would leave: a cut record, then the next run's lines.
    const last = encode(before.slice(-1))
    const cut = Math.min(last.length - 2, Math.floor(fraction * last.length))
    const bytes = new Uint8Array([...encode(before.slice(0, -1)), ...last.subarray(0, cut), 0x0a, ...encode(after)])
    const read = UploadJournal.decodeLines(bytes)
    assert.deepStrictEqual(read.records, [...before.slice(0, -1), ...after])
    assert.strictEqual(read.skipped, cut === 0 ? 0 : 1)
  }, { fastCheck: { seed: 4242, numRuns: 200 } })

  it.scoped("file layer: a file cut at every byte of its last line opens, reads, and appends cleanly", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const bytes = encode(examples)
      const lastStart = encode(examples.slice(0, -1)).length
      const more = [UploadJournal.Closed.make({ sessionId: "s-2" })]
      for (let cut = lastStart; cut <= bytes.length; cut++) {
        const path = `${dir}/cut-${cut}.jsonl`
        yield* fs.writeFile(path, bytes.subarray(0, cut))
        const whole = cut === bytes.length ? examples : examples.slice(0, -1)
        yield* Effect.scoped(Effect.gen(function*() {
          const journal = yield* UploadJournal.makeFile(path)
          const read = yield* journal.read
          assert.deepStrictEqual(read.records, whole)
          assert.strictEqual(read.tornBytes, 0, "the torn tail is removed when the journal opens")
          yield* journal.append(more)
          assert.deepStrictEqual(yield* journal.read, {
            records: [...whole, ...more],
            skipped: 0,
            unknown: 0,
            tornBytes: 0
          })
        }))
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("file layer: a torn tail longer than one read chunk (64 KiB) and a file of one torn line", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const big = UploadJournal.RunStarted.make({ root: "x".repeat(200_000), workspace: "w", at })
      const head = encode(examples.slice(0, 3))
      const bigLine = encode([big])
      yield* fs.writeFile(`${dir}/a.jsonl`, new Uint8Array([...head, ...bigLine.subarray(0, 150_000)]))
      yield* fs.writeFile(`${dir}/b.jsonl`, bigLine.subarray(0, 100_000))
      const readBack = (path: string) =>
        Effect.scoped(Effect.flatMap(UploadJournal.makeFile(path), (journal) => journal.read))
      assert.deepStrictEqual((yield* readBack(`${dir}/a.jsonl`)).records, examples.slice(0, 3))
      assert.strictEqual((yield* fs.stat(`${dir}/a.jsonl`)).size, BigInt(head.length))
      assert.deepStrictEqual((yield* readBack(`${dir}/b.jsonl`)).records, [])
      assert.strictEqual((yield* fs.stat(`${dir}/b.jsonl`)).size, 0n)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
