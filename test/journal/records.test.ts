/**
 * The journal's format (UploadJournal's records as JSON lines): every record type goes to one line and
 * comes back equal, in the memory and the file layer alike; `v` and `type` lead each line; records of a
 * newer version or an unknown type are skipped and counted apart from damaged lines; an invalid record is
 * refused before anything is written.
 */
import { UploadJournal } from "@effect-deepset/sdk"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { readFileSync } from "node:fs"
import { encode, examples, record } from "./support.js"

const decoder = new TextDecoder()

describe("journal records", () => {
  it("one line per record, v and type first, and back to the same record", () => {
    const lines = decoder.decode(encode(examples)).split("\n")
    assert.strictEqual(lines.length, examples.length + 1)
    assert.strictEqual(lines.at(-1), "")
    const types = lines.slice(0, -1).map((line) => {
      assert.match(line, /^\{"v":1,"type":"[a-z]+",/)
      return JSON.parse(line).type
    })
    assert.deepStrictEqual(new Set(types), new Set(UploadJournal.recordTypes))
    const read = UploadJournal.decodeLines(encode(examples))
    assert.deepStrictEqual(read, { records: examples, skipped: 0, unknown: 0, tornBytes: 0 })
  })

  it("an example line of each type, exactly as docs/journal.md shows them", () => {
    const doc = readFileSync(new URL("../../docs/journal.md", import.meta.url), "utf8")
    const block = /```jsonl\n([\s\S]*?)```/.exec(doc)
    assert.isNotNull(block)
    assert.strictEqual(block![1], decoder.decode(encode(examples)))
  })

  it.prop("every record round-trips through its line", [FastCheck.array(record, { maxLength: 20 })], ([records]) => {
    const read = UploadJournal.decodeLines(encode(records))
    assert.deepStrictEqual(read.records, records)
    assert.strictEqual(read.skipped + read.unknown + read.tornBytes, 0)
  }, { fastCheck: { seed: 1401, numRuns: 300 } })

  it("newer versions and unknown types are skipped and counted as unknown; damage as skipped", () => {
    const good = decoder.decode(encode(examples.slice(0, 2)))
    const text = [
      good.split("\n")[0],
      `{"v":2,"type":"run","whatever":true}`,
      `{"v":1,"type":"renamed","sessionId":"s"}`,
      `not json at all`,
      `{"v":1,"type":"sent","key":"k"}`,
      `[1,2,3]`,
      `{"type":"closed","sessionId":"s"}`,
      ``,
      good.split("\n")[1],
      ``
    ].join("\n")
    const read = UploadJournal.decodeLines(new TextEncoder().encode(text))
    assert.deepStrictEqual(read.records, examples.slice(0, 2))
    assert.strictEqual(read.unknown, 2)
    assert.strictEqual(read.skipped, 4)
    assert.strictEqual(read.tornBytes, 0)
  })

  it("a line that is not UTF-8 is skipped, the lines around it are kept", () => {
    const [a, b] = [encode(examples.slice(0, 1)), encode(examples.slice(1, 2))]
    const bytes = new Uint8Array([...a, 0xff, 0xfe, 0x7b, 0x0a, ...b])
    const read = UploadJournal.decodeLines(bytes)
    assert.deepStrictEqual(read.records, examples.slice(0, 2))
    assert.strictEqual(read.skipped, 1)
  })

  it("extra fields of a known record (a later minor addition) are ignored", () => {
    const line = `{"v":1,"type":"closed","sessionId":"s-9","closedBy":"someone"}\n`
    const read = UploadJournal.decodeLines(new TextEncoder().encode(line))
    assert.deepStrictEqual(read.records, [UploadJournal.Closed.make({ sessionId: "s-9" })])
  })

  it.effect("an invalid record is refused and nothing of its append is written", () =>
    Effect.gen(function*() {
      const journal = yield* UploadJournal.makeMemory()
      const bad = { ...examples[3]!, sha256: "not a hash" } as UploadJournal.JournalRecord
      const error = yield* Effect.flip(journal.append([examples[0]!, bad]))
      assert.strictEqual(error._tag, "UploadJournalError")
      assert.strictEqual(error.operation, "encode")
      assert.strictEqual(yield* journal.text, "")
      const negative = UploadJournal.Closed.make({ sessionId: "" }, { disableValidation: true })
      assert.strictEqual((yield* Effect.flip(journal.append([negative]))).operation, "encode")
    }))

  it.effect("memory layer: appends in order, read gives them back, seeded from state kept elsewhere", () =>
    Effect.gen(function*() {
      const journal = yield* UploadJournal.UploadJournal
      yield* journal.append(examples.slice(2, 4))
      yield* journal.append([])
      yield* journal.append(examples.slice(4))
      assert.deepStrictEqual((yield* journal.read).records, examples)
    }).pipe(Effect.provide(UploadJournal.layerMemoryFrom(examples.slice(0, 2)))))

  it.scoped("file layer: every record type round-trips through a real file, across reopening", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = `${dir}/nested/state/journal.jsonl`
      yield* Effect.scoped(Effect.gen(function*() {
        const journal = yield* UploadJournal.makeFile(path)
        assert.deepStrictEqual((yield* journal.read).records, [])
        yield* journal.append(examples.slice(0, 5))
      }))
      const journal = yield* UploadJournal.makeFile(path)
      yield* journal.append(examples.slice(5))
      assert.deepStrictEqual(yield* journal.read, { records: examples, skipped: 0, unknown: 0, tornBytes: 0 })
      assert.deepStrictEqual(yield* fs.readFile(path), encode(examples))
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
