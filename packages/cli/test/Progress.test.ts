import { SourceReadError } from "@effect-deepset/sdk/UploadErrors"
import { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import { assert, describe, it } from "@effect/vitest"
import * as Ansi from "../src/Ansi.js"
import * as Progress from "../src/Progress.js"

const uploaded = (index: number, bytes: number) =>
  UploadEvent.FileUploaded({ index, input: `f${index}`, name: `f${index}`, sessionId: "s1", bytes, meta: false })

const fold = (state: Progress.State, events: ReadonlyArray<UploadEvent>) => events.reduce(Progress.update, state)

describe("Progress", () => {
  const start = Progress.initial({ files: 4, bytes: 4000, startedAt: 10_000, waiting: true })

  it("counts files and bytes as they are uploaded", () => {
    const state = fold(start, [uploaded(0, 1000), uploaded(1, 1000)])
    assert.strictEqual(state.uploaded, 2)
    assert.strictEqual(state.bytes, 2000)
    assert.strictEqual(Progress.rate(state, 12_000), 1000)
    // Half the bytes in 2 seconds: 2 more seconds to go.
    assert.strictEqual(Progress.eta(state, 12_000), 2000)
  })

  it("shows a sub-second ETA as <1s", () => {
    const state = fold(start, [uploaded(0, 1000), uploaded(1, 1000), uploaded(2, 1000)])
    assert.include(Progress.render(state, { now: 10_600, columns: 120, style: Ansi.plain }), "ETA <1s")
  })

  it("has no ETA before anything was sent, and zero once everything was", () => {
    assert.isUndefined(Progress.eta(start, 11_000))
    const done = fold(start, [uploaded(0, 1000), uploaded(1, 1000), uploaded(2, 1000), uploaded(3, 1000)])
    assert.strictEqual(Progress.eta(done, 11_000), 0)
  })

  it("draws files, bytes, rate and ETA while uploading", () => {
    const state = fold(start, [uploaded(0, 1000), uploaded(1, 1000)])
    const line = Progress.render(state, { now: 12_000, columns: 100, style: Ansi.plain })
    assert.match(line, /^Uploading █+░+ {2}2\/4 files {2}2\.0 kB\/4\.0 kB {2}1\.0 kB\/s {2}ETA 2s$/)
    assert.isAtMost(Ansi.width(line), 100)
    const bar = line.match(/[█░]+/)![0]
    assert.strictEqual(bar.split("█").length - 1, bar.length / 2)
  })

  it("shows failures while uploading", () => {
    const failed = UploadEvent.FileFailed({
      index: 2,
      input: "x",
      name: "x",
      sessionId: "s1",
      error: new SourceReadError({ name: "x", reason: "gone" }),
      metaUploaded: false
    })
    const line = Progress.render(fold(start, [uploaded(0, 10), failed]), {
      now: 11_000,
      columns: 120,
      style: Ansi.plain
    })
    assert.include(line, "2/4 files")
    assert.include(line, "1 failed")
  })

  it("counts skipped entries as done, apart from failures, and switches to ingestion once all are handled", () => {
    const skipped = UploadEvent.FileSkipped({ index: 1, input: "pipe", reason: "not a regular file: FIFO" })
    const closed = UploadEvent.SessionClosed({ sessionId: "s1", files: 3, uploaded: 3, error: undefined })
    const state = fold(start, [uploaded(0, 10), skipped, uploaded(2, 10), uploaded(3, 10), closed])
    assert.strictEqual(state.skipped, 1)
    assert.strictEqual(state.phase, "ingesting")
    const line = Progress.render({ ...state, phase: "uploading" }, { now: 11_000, columns: 120, style: Ansi.plain })
    assert.include(line, "4/4 files")
    assert.include(line, "1 skipped")
    assert.notInclude(line, "failed")
  })

  it("switches to ingestion progress, summed over sessions", () => {
    const state = fold(start, [
      uploaded(0, 1000),
      UploadEvent.IngestionProgress({ sessionId: "s1", expected: 3, finished: 1, failed: 1 }),
      UploadEvent.IngestionProgress({ sessionId: "s2", expected: 2, finished: 0, failed: 0 }),
      UploadEvent.IngestionProgress({ sessionId: "s1", expected: 3, finished: 2, failed: 1 })
    ])
    assert.strictEqual(state.phase, "ingesting")
    assert.deepStrictEqual(Progress.ingestionTotals(state), { expected: 5, finished: 2, failed: 1 })
    const line = Progress.render(state, { now: 14_000, columns: 100, style: Ansi.plain })
    assert.match(line, /^Ingesting [█░]+ {2}3\/5 files ingested {2}2 finished {2}1 failed {2}4s$/)
  })

  it("keeps within narrow terminals as far as the text allows", () => {
    const line = Progress.render(start, { now: 10_000, columns: 40, style: Ansi.colored })
    assert.strictEqual(Ansi.strip(line).match(/[█░]+/)![0].length, 10)
  })
})
