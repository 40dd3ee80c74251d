/**
 * UploadJournal.summarize on hand-written journals, one per state a later run must handle: a finished
 * run; a run killed mid-way (a session left open, a file landed, one in flight, one failed); the run that
 * resumes it; files sent again after an earlier landing (failed, in flight); ingestion results placed on
 * the right attempt; records about sessions or names the journal never saw.
 */
import { UploadJournal } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"

const H = (c: string) => c.repeat(64)

/** A journal as its lines, decoded as `read` would. */
const journal = (...lines: ReadonlyArray<string>) => {
  const read = UploadJournal.decodeLines(new TextEncoder().encode(lines.map((l) => `${l}\n`).join("")))
  assert.strictEqual(read.skipped + read.unknown, 0, "the hand-written journal is valid")
  return read.records
}

const run = `{"v":1,"type":"run","root":"/data","workspace":"docs","at":"2026-05-01T10:00:00Z"}`
const open = (id: string, writeMode = "KEEP") =>
  `{"v":1,"type":"session","sessionId":"${id}","workspace":"docs","writeMode":"${writeMode}","expiresAt":"2026-05-02T10:00:00Z"}`
const sending = (key: string, session: string, size = 10, mtime = 1000) =>
  `{"v":1,"type":"sending","key":"${key}","name":"${key}.txt","sessionId":"${session}","size":${size},"mtimeMs":${mtime}}`
const sent = (key: string, session: string, hash = H("a"), size = 10, mtime = 1000) =>
  `{"v":1,"type":"sent","key":"${key}","name":"${key}.txt","sessionId":"${session}","size":${size},"mtimeMs":${mtime},"sha256":"${hash}"}`
const failed = (key: string, session: string, tag = "S3Error") =>
  `{"v":1,"type":"failed","key":"${key}","sessionId":"${session}","error":{"tag":"${tag}","message":"no"}}`
const closed = (id: string) => `{"v":1,"type":"closed","sessionId":"${id}"}`
const ingested = (id: string, name: string, status = "FINISHED", reason?: string) =>
  `{"v":1,"type":"ingested","sessionId":"${id}","name":"${name}","status":"${status}"${
    reason === undefined ? "" : `,"reason":"${reason}"`
  }}`
const finished = `{"v":1,"type":"finished","at":"2026-05-01T10:05:00Z"}`

const landed = (key: string, sessionId: string, extra: Partial<UploadJournal.Landed> = {}): UploadJournal.Landed => ({
  _tag: "Landed",
  key,
  name: `${key}.txt`,
  sessionId,
  size: 10,
  mtimeMs: 1000,
  sha256: H("a"),
  ...extra
})

describe("summarize", () => {
  it("an empty journal: no run, nothing finished, nothing to resume", () => {
    const summary = UploadJournal.summarize([])
    assert.deepStrictEqual(summary.runs, [])
    assert.isFalse(summary.finished)
    assert.deepStrictEqual(summary.sessions, [])
    assert.strictEqual(summary.files.size, 0)
    assert.deepStrictEqual(summary.counts, { landed: 0, failed: 0, unknown: 0 })
  })

  it("a run that finished: every file landed, sessions closed, ingestion results on the files", () => {
    const summary = UploadJournal.summarize(journal(
      run,
      open("s-1"),
      sending("a", "s-1"),
      sending("b", "s-1"),
      sent("b", "s-1", H("b")),
      sent("a", "s-1"),
      closed("s-1"),
      ingested("s-1", "a.txt"),
      ingested("s-1", "b.txt", "FAILED", "EMPTY_FILE"),
      finished
    ))
    assert.isTrue(summary.finished)
    assert.strictEqual(summary.runs.length, 1)
    assert.strictEqual(summary.runs[0]!.root, "/data")
    assert.deepStrictEqual(summary.openSessions, [])
    assert.deepStrictEqual(summary.sessions, [{
      sessionId: "s-1",
      workspace: "docs",
      writeMode: "KEEP",
      expiresAt: DateTime.unsafeMake("2026-05-02T10:00:00Z"),
      closed: true,
      landed: 2,
      unknown: 0
    }])
    assert.deepStrictEqual([...summary.files.keys()], ["a", "b"], "keys in the order they first appear")
    assert.deepStrictEqual(summary.files.get("a"), landed("a", "s-1", { ingestion: { status: "FINISHED" } }))
    assert.deepStrictEqual(
      summary.files.get("b"),
      landed("b", "s-1", { sha256: H("b"), ingestion: { status: "FAILED", reason: "EMPTY_FILE" } })
    )
  })

  it("a run killed mid-way: its session open, one file landed, one in flight (unknown), one failed", () => {
    const summary = UploadJournal.summarize(journal(
      run,
      open("s-1"),
      sending("a", "s-1"),
      sending("b", "s-1", 20, 2000),
      sending("c", "s-1"),
      sent("a", "s-1"),
      failed("c", "s-1")
    ))
    assert.isFalse(summary.finished)
    assert.deepStrictEqual(summary.openSessions.map((s) => [s.sessionId, s.landed, s.unknown]), [["s-1", 1, 1]])
    assert.deepStrictEqual(summary.files.get("a"), landed("a", "s-1"))
    assert.deepStrictEqual(summary.files.get("b"), {
      _tag: "Unknown",
      key: "b",
      name: "b.txt",
      sessionId: "s-1",
      size: 20,
      mtimeMs: 2000
    })
    assert.deepStrictEqual(summary.files.get("c"), {
      _tag: "Failed",
      key: "c",
      sessionId: "s-1",
      error: { tag: "S3Error", message: "no" }
    })
    assert.deepStrictEqual(summary.counts, { landed: 1, failed: 1, unknown: 1 })
  })

  it("the run that resumed it: old session closed, the unknown file found landed, the failed one sent again", () => {
    const summary = UploadJournal.summarize(journal(
      run,
      open("s-1"),
      sending("a", "s-1"),
      sending("b", "s-1"),
      sending("c", "s-1"),
      sent("a", "s-1"),
      failed("c", "s-1"),
      // second run
      run,
      closed("s-1"),
      sent("b", "s-1"), // found in s-1's file list after closing it, source unchanged
      open("s-2"),
      sending("c", "s-2"),
      sent("c", "s-2", H("c")),
      closed("s-2")
    ))
    assert.strictEqual(summary.runs.length, 2)
    assert.isFalse(summary.finished, "the second run has not written finished yet")
    assert.deepStrictEqual(summary.openSessions, [])
    assert.deepStrictEqual(summary.sessions.map((s) => [s.sessionId, s.closed, s.landed, s.unknown]), [
      ["s-1", true, 2, 0],
      ["s-2", true, 1, 0]
    ])
    assert.deepStrictEqual(summary.files.get("b"), landed("b", "s-1"))
    assert.deepStrictEqual(summary.files.get("c"), landed("c", "s-2", { sha256: H("c") }))
    assert.isTrue(UploadJournal.summarize(journal(run, finished, run)).finished === false)
    assert.isTrue(UploadJournal.summarize(journal(run, run, finished)).finished)
  })

  it("a changed file sent again: failed or in flight, the earlier landing is kept as previous", () => {
    const summary = UploadJournal.summarize(journal(
      run,
      open("s-1"),
      sending("a", "s-1"),
      sent("a", "s-1"),
      sending("b", "s-1"),
      sent("b", "s-1"),
      closed("s-1"),
      finished,
      run,
      open("s-2", "OVERWRITE"),
      sending("a", "s-2", 11, 3000),
      failed("a", "s-2", "TransportError"),
      sending("b", "s-2", 12, 4000),
      ingested("s-1", "a.txt"),
      ingested("s-1", "b.txt")
    ))
    assert.deepStrictEqual(summary.files.get("a"), {
      _tag: "Failed",
      key: "a",
      sessionId: "s-2",
      error: { tag: "TransportError", message: "no" },
      previous: landed("a", "s-1", { ingestion: { status: "FINISHED" } })
    })
    assert.deepStrictEqual(summary.files.get("b"), {
      _tag: "Unknown",
      key: "b",
      name: "b.txt",
      sessionId: "s-2",
      size: 12,
      mtimeMs: 4000,
      previous: landed("b", "s-1", { ingestion: { status: "FINISHED" } })
    })
    assert.deepStrictEqual(summary.openSessions.map((s) => [s.sessionId, s.writeMode, s.unknown]), [
      ["s-2", "OVERWRITE", 1]
    ])
  })

  it("an ingestion result for a file in flight proves it landed; results for unknown names are ignored", () => {
    const summary = UploadJournal.summarize(journal(
      run,
      open("s-1"),
      sending("a", "s-1"),
      closed("s-1"),
      ingested("s-1", "a.txt", "PENDING"),
      ingested("s-1", "nobody.txt"),
      ingested("s-9", "a.txt"),
      closed("s-unknown")
    ))
    assert.deepStrictEqual(summary.files.get("a"), {
      _tag: "Unknown",
      key: "a",
      name: "a.txt",
      sessionId: "s-1",
      size: 10,
      mtimeMs: 1000,
      ingestion: { status: "PENDING" }
    })
    assert.strictEqual(summary.files.size, 1)
    assert.deepStrictEqual(summary.sessions.map((s) => s.sessionId), ["s-1"])
  })

  it("a failure before any session (a bad source), and an in-memory source without mtime", () => {
    const summary = UploadJournal.summarize(journal(
      run,
      `{"v":1,"type":"failed","key":"bad","error":{"tag":"InvalidFileNameError","message":"reserved"}}`,
      open("s-1"),
      `{"v":1,"type":"sending","key":"notes","name":"notes.txt","sessionId":"s-1","size":5}`,
      `{"v":1,"type":"sent","key":"notes","name":"notes.txt","sessionId":"s-1","size":5,"sha256":"${H("d")}"}`
    ))
    assert.deepStrictEqual(summary.files.get("bad"), {
      _tag: "Failed",
      key: "bad",
      error: { tag: "InvalidFileNameError", message: "reserved" }
    })
    assert.deepStrictEqual(summary.files.get("notes"), {
      _tag: "Landed",
      key: "notes",
      name: "notes.txt",
      sessionId: "s-1",
      size: 5,
      sha256: H("d")
    })
  })
})
