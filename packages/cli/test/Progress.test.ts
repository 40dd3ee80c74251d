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

  it("draws the same line without its bar, for logs", () => {
    const state = fold(start, [uploaded(0, 1000), uploaded(1, 1000)])
    const line = Progress.render(state, { now: 12_000, columns: 100, style: Ansi.plain, bar: false })
    assert.strictEqual(line, "Uploading  2/4 files  2.0 kB/4.0 kB  1.0 kB/s  ETA 2s")
  })
})

const KiB = 1024
const MiB = 1024 * KiB
const sent = (bytes: number) => UploadEvent.BytesSent({ bytes })

describe("Progress: bytes as they go out, a window, an ETA from bytes and files", () => {
  // 300 files of 1 KiB and 3 of 8 MiB.
  const plan = Progress.initial({ files: 303, bytes: 300 * KiB + 24 * MiB, startedAt: 0, waiting: false })
  const small = (n: number) => Array.from({ length: n }, (_, i) => uploaded(i, KiB))

  it("counts bytes sent before their file lands, never less than what landed", () => {
    const streaming = fold(plan, [sent(5 * MiB)])
    assert.strictEqual(Progress.bytesSent(streaming), 5 * MiB)
    assert.strictEqual(streaming.uploaded, 0)
    assert.include(Progress.render(streaming, { now: 1000, columns: 120, style: Ansi.plain }), "0/303 files  5.2 MB/")
    // Files that landed after the last BytesSent still count.
    const landed = fold(plan, [sent(KiB), ...small(3)])
    assert.strictEqual(Progress.bytesSent(landed), 3 * KiB)
  })

  it("keeps the samples of the window, and one before it", () => {
    let state = plan
    for (let at = 1000; at <= 12_000; at += 1000) state = Progress.sample(fold(state, [sent(at * 100)]), at)
    assert.deepStrictEqual(state.samples.map((s) => s.at), [7000, 8000, 9000, 10_000, 11_000, 12_000])
  })

  it("smooths the rate over the window: a stall shows, an early burst is forgotten", () => {
    let state = plan
    // 10 MiB in the first second, then 1 MiB a second.
    state = Progress.sample(fold(state, [sent(10 * MiB)]), 1000)
    for (let second = 2; second <= 8; second++) {
      state = Progress.sample(fold(state, [sent((10 + second - 1) * MiB)]), second * 1000)
    }
    // The window reaches back to 3 s: 5 MiB in 5 s.
    assert.strictEqual(Progress.rate(state, 8000), MiB)
    // Until a window has passed, the rate is since the start.
    const early = Progress.sample(fold(plan, [sent(3 * MiB)]), 2000)
    assert.strictEqual(Progress.rate(early, 2000), 1.5 * MiB)
  })

  it("small files done first, large ones streaming: the ETA follows the bytes", () => {
    let state = fold(plan, small(300))
    // The large files move at 2 MiB/s from 2 s on.
    for (let second = 2; second <= 8; second++) {
      state = Progress.sample(fold(state, [sent(300 * KiB + (second - 2) * 2 * MiB)]), second * 1000)
    }
    // 12 MiB of 24 MiB left at 2 MiB/s: 6 s; the 3 files left at the run's pace of files (300 in 8 s) say less.
    assert.strictEqual(Progress.eta(state, 8000), 6000)
  })

  it("large files done first, small ones landing: the ETA follows the files", () => {
    // The large files landed in the first 2 s; then 20 small files a second.
    let state = fold(plan, [sent(24 * MiB), uploaded(300, 8 * MiB), uploaded(301, 8 * MiB), uploaded(302, 8 * MiB)])
    state = Progress.sample(state, 2000)
    for (let second = 3; second <= 9; second++) {
      state = Progress.sample(fold(state, small(20)), second * 1000)
    }
    // 140 small files landed, 160 left at 20 a second: 8 s; by bytes alone (99% sent) it would say under 1 s
    // if it went by all bytes since the start.
    assert.strictEqual(Progress.eta(state, 9000), 8000)
  })

  it("both moving: the longer of the two", () => {
    // In 4 s: half the large files' bytes (about 4 s more) and 100 files (203 left: 8.12 s more).
    const state = Progress.sample(fold(plan, [...small(100), sent(100 * KiB + 12 * MiB)]), 4000)
    assert.strictEqual(Progress.eta(state, 4000), 8120)
  })

  it("bytes going fast but no file landed yet: no ETA rather than 0", () => {
    let state = Progress.sample(fold(plan, [sent(300 * KiB + 24 * MiB)]), 1000)
    for (let second = 2; second <= 8; second++) state = Progress.sample(state, second * 1000)
    assert.isUndefined(Progress.eta(state, 8000))
  })

  it("a stall longer than the window falls back to the run's pace; 0 once every file is done", () => {
    let state = Progress.sample(fold(plan, [...small(10), sent(10 * KiB + 4 * MiB)]), 1000)
    for (let second = 2; second <= 8; second++) state = Progress.sample(state, second * 1000)
    // 293 files left at 10 in 8 s: 234.4 s (the bytes, 20 MiB at 4 MiB in 8 s, would say 40 s).
    assert.strictEqual(Progress.eta(state, 8000), 234_400)
    assert.include(Progress.render(state, { now: 8000, columns: 120, style: Ansi.plain }), "ETA 3m54s")
    const all = fold(plan, [...small(300), uploaded(300, 8 * MiB), uploaded(301, 8 * MiB), uploaded(302, 8 * MiB)])
    assert.strictEqual(Progress.eta(all, 9000), 0)
  })
})
