import { Errors } from "@effect-deepset/sdk"
import { IngestionTimeoutError, S3Error } from "@effect-deepset/sdk/UploadErrors"
import { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as UploadReport from "@effect-deepset/sdk/UploadReport"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Ansi from "../src/Ansi.js"
import * as ReportView from "../src/ReportView.js"

const sessionId = "5b0e6d4c-0000-4000-8000-000000000001"

const uploaded = (index: number, name: string, bytes: number, meta = false) =>
  UploadEvent.FileUploaded({ index, input: name, name, sessionId, bytes, meta })

const s3Denied = UploadEvent.FileFailed({
  index: 2,
  input: "big.pdf",
  name: "big.pdf",
  sessionId,
  error: new S3Error({
    status: 403,
    code: "AccessDenied",
    detail: "Policy expired",
    fileName: "big.pdf",
    url: "http://127.0.0.1/s3"
  }),
  metaUploaded: false
})

const base: ReadonlyArray<UploadEvent> = [
  UploadEvent.SessionOpened({ sessionId, expiresAt: DateTime.unsafeMake("2026-10-05T09:00:00Z") }),
  uploaded(0, "a.txt", 1200, true),
  uploaded(1, "empty.txt", 0),
  UploadEvent.SessionClosed({ sessionId, files: 2, uploaded: 2, error: undefined })
]

const ingested = [
  UploadEvent.IngestionProgress({ sessionId, expected: 2, finished: 1, failed: 1 }),
  UploadEvent.FileIngested({ sessionId, name: "a.txt", status: "FINISHED", reason: undefined }),
  UploadEvent.FileIngested({ sessionId, name: "empty.txt", status: "FAILED", reason: "EMPTY_FILE" })
]

const context: ReportView.Context = {
  workspace: "docs",
  target: "remote",
  apiUrl: "https://api.cloud.deepset.ai",
  waited: true,
  interrupted: false,
  planned: 2,
  elapsedMillis: 3_200
}

describe("ReportView", () => {
  it("verdict: ingestion failures count when waiting, not otherwise", () => {
    const report = UploadReport.fromEvents([...base, ...ingested])
    const waited = ReportView.verdict(report, true)
    assert.deepStrictEqual(waited, {
      total: 2,
      uploaded: 2,
      uploadFailed: 0,
      skipped: 0,
      bytes: 1200,
      finished: 1,
      ingestionFailed: 1,
      pending: 0,
      unknown: 0,
      sessionsNotClosed: 0,
      ok: false
    })
    assert.isTrue(ReportView.verdict(UploadReport.fromEvents(base), false).ok)
    // Waiting that saw no result leaves files pending, which is not "landed".
    const pending = ReportView.verdict(UploadReport.fromEvents(base), true)
    assert.strictEqual(pending.pending, 2)
    assert.isFalse(pending.ok)
  })

  it("verdict: when waiting timed out, the session's polled counts say more than the files", () => {
    const timedOut = [...base, UploadEvent.IngestionProgress({ sessionId, expected: 2, finished: 0, failed: 1 })]
    const v = ReportView.verdict(UploadReport.fromEvents(timedOut), true)
    assert.deepInclude(v, { finished: 0, ingestionFailed: 1, pending: 1, ok: false })
    const text = ReportView.summary(UploadReport.fromEvents(timedOut), context, Ansi.plain)
    assert.include(text, "Ingestion: 0 finished, 1 failed, 1 still pending.")
  })

  it("after waiting, a file its session did not list is unknown, not landed; the names that matched nothing are named", () => {
    // The store kept empty.txt under another name: the list holds `"empty`, and nothing under empty.txt.
    const events = [
      ...base,
      UploadEvent.IngestionProgress({ sessionId, expected: 2, finished: 2, failed: 0 }),
      UploadEvent.FileIngested({ sessionId, name: "a.txt", status: "FINISHED", reason: undefined }),
      UploadEvent.FileIngested({ sessionId, name: "\"empty", status: "FINISHED", reason: undefined }),
      UploadEvent.IngestionDone({ sessionId })
    ]
    const report = UploadReport.fromEvents(events)
    // The session's counts say 2 finished, but one of them is not under a name the run sent.
    assert.deepInclude(ReportView.verdict(report, true), {
      finished: 1,
      ingestionFailed: 0,
      pending: 0,
      unknown: 1,
      ok: false
    })
    const text = ReportView.summary(report, context, Ansi.plain)
    assert.match(text, /empty\.txt\s+0 B\s+uploaded\s+unknown\s+not in the session's file list/)
    assert.match(text, /a\.txt\s+1\.2 kB\s+yes\s+uploaded\s+FINISHED\n/)
    assert.include(text, `Session ${sessionId}: closed, 2 documents sent\n`)
    assert.include(text, `  Its file list holds 1 name matching no file uploaded to it: "\\"empty"`)
    assert.include(text, "Ingestion: 1 finished, 0 failed, 1 unknown (not in the session's file list).")
    assert.include(text, "1 of 2 files did not land (3s); exit code 1.")

    const json = JSON.parse(JSON.stringify(ReportView.json(report, context)))
    assert.isFalse(json.ok)
    assert.strictEqual(json.counts.unknown, 1)
    assert.deepStrictEqual(json.files[1].ingestion, { status: "UNKNOWN", unknownReason: "NOT_LISTED" })
    assert.deepStrictEqual(json.files[0].ingestion, { status: "FINISHED" })
    assert.deepStrictEqual(json.sessions[0].unmatchedNames, ["\"empty"])
  })

  it("after a wait that failed, files are unknown but the session's polled counts still say how far it got", () => {
    const timeout = new IngestionTimeoutError({
      sessionId,
      expected: 2,
      finished: 0,
      failed: 1,
      timeout: Duration.minutes(10)
    })
    const events = [
      ...base,
      UploadEvent.IngestionProgress({ sessionId, expected: 2, finished: 0, failed: 1 }),
      UploadEvent.IngestionFailed({ sessionId, error: timeout }),
      UploadEvent.IngestionDone({ sessionId })
    ]
    const report = UploadReport.fromEvents(events)
    assert.deepInclude(ReportView.verdict(report, true), { finished: 0, ingestionFailed: 1, pending: 1, unknown: 0 })
    const text = ReportView.summary(report, context, Ansi.plain)
    assert.match(text, /a\.txt\s+1\.2 kB\s+yes\s+uploaded\s+unknown\s+the wait ended before its state was read/)
    assert.include(text, "Ingestion: 0 finished, 1 failed, 1 still pending.")
    assert.notInclude(text, "Its file list holds")
    assert.include(text, "2 of 2 files did not land")
  })

  it("unmatched names are shown escaped, ten at most", () => {
    const names = ["\u001b[31mred", ...Array.from({ length: 11 }, (_, i) => `n${i}`)]
    const events = [
      ...base,
      UploadEvent.IngestionProgress({ sessionId, expected: 2, finished: 2, failed: 0 }),
      UploadEvent.FileIngested({ sessionId, name: "a.txt", status: "FINISHED", reason: undefined }),
      UploadEvent.FileIngested({ sessionId, name: "empty.txt", status: "FINISHED", reason: undefined }),
      ...names.map((name) => UploadEvent.FileIngested({ sessionId, name, status: "FINISHED", reason: undefined })),
      UploadEvent.IngestionDone({ sessionId })
    ]
    const report = UploadReport.fromEvents(events)
    // Every file was listed: the run landed, and the stray names are still said.
    assert.isTrue(ReportView.verdict(report, true).ok)
    const text = ReportView.summary(report, context, Ansi.plain)
    assert.include(
      text,
      `Its file list holds 12 names matching no file uploaded to it: "\\u001b[31mred", "n0", "n1", "n2", "n3", "n4", ` +
        `"n5", "n6", "n7", "n8" …and 2 more (--json lists them)`
    )
    assert.notInclude(text, "\u001b")
  })

  it("summary: one row per file with upload, ingestion and reason", () => {
    const text = ReportView.summary(UploadReport.fromEvents([...base, ...ingested]), context, Ansi.plain)
    assert.include(text, `Uploaded 2 of 2 files (1.2 kB) to workspace "docs", in 1 session.`)
    assert.match(text, /a\.txt\s+1\.2 kB\s+yes\s+uploaded\s+FINISHED\n/)
    assert.match(text, /empty\.txt\s+0 B\s+uploaded\s+FAILED\s+EMPTY_FILE/)
    assert.include(text, `Session ${sessionId}: closed, 2 documents sent`)
    assert.include(text, "Ingestion: 1 finished, 1 failed.")
    assert.include(text, "1 of 2 files did not land (3s); exit code 1.")
  })

  it("summary: an upload failure shows S3's reason", () => {
    const events = [
      ...base.slice(0, 3),
      s3Denied,
      UploadEvent.SessionClosed({ sessionId, files: 3, uploaded: 2, error: undefined })
    ]
    const text = ReportView.summary(
      UploadReport.fromEvents(events),
      { ...context, waited: false, planned: 3 },
      Ansi.plain
    )
    assert.match(
      text,
      /big\.pdf\s+–\s+failed\s+–\s+S3 refused "big\.pdf" with 403 AccessDenied: Policy expired …/
    )
    assert.include(
      text,
      `Upload errors:\n  S3 refused "big.pdf" with 403 AccessDenied: Policy expired (POST http://127.0.0.1/s3)`
    )
    assert.include(text, "add --wait")
    assert.include(text, "1 of 3 files did not land")
  })

  it("summary: everything landed", () => {
    const text = ReportView.summary(UploadReport.fromEvents(base), { ...context, waited: false }, Ansi.colored)
    assert.include(Ansi.strip(text), "All 2 files landed (3s).")
    assert.notStrictEqual(text, Ansi.strip(text))
  })

  it("a create that may have made a session anyway: one line with what to do, a count in the documents", () => {
    const error = new Errors.TimeoutError({
      method: "POST",
      url: "https://api.example/sessions",
      timeout: Duration.seconds(30)
    })
    const possibly = UploadEvent.SessionPossiblyCreated({ error, willRetry: true })
    const report = UploadReport.fromEvents([possibly, ...base])
    const text = Ansi.strip(ReportView.summary(report, { ...context, waited: false }, Ansi.colored))
    assert.include(text, "1 try to create a session failed in a way that may have created one anyway")
    assert.include(text, "deepset-upload sessions close --all-open")
    // The files all landed: the verdict does not change, the line only says what may be left in the workspace.
    assert.include(text, "All 2 files landed")
    assert.strictEqual((ReportView.json(report, context) as { possiblyCreated?: number }).possiblyCreated, 1)
    const tally = ReportView.tally()
    assert.strictEqual(JSON.parse(ReportView.summaryLine(tally, report, context)).possiblyCreated, 1)
    // None: no line, no field.
    const clean = UploadReport.fromEvents(base)
    assert.notInclude(Ansi.strip(ReportView.summary(clean, context, Ansi.colored)), "may have created")
    assert.notProperty(ReportView.json(clean, context) as object, "possiblyCreated")
  })

  it("summary and verdict: skipped entries are listed with their reason and counted, but are not failures", () => {
    const events = [
      ...base.slice(0, 3),
      UploadEvent.FileSkipped({ index: 2, input: "docs/loop", reason: "symbolic link loop" }),
      UploadEvent.FileSkipped({ index: 3, input: "docs/pipe", reason: "not a regular file: FIFO" }),
      base[3]!
    ]
    const report = UploadReport.fromEvents(events)
    const v = ReportView.verdict(report, false)
    assert.deepInclude(v, { total: 4, uploaded: 2, uploadFailed: 0, skipped: 2, ok: true })
    const text = ReportView.summary(report, { ...context, waited: false, planned: 4 }, Ansi.plain)
    assert.include(text, `Uploaded 2 of 4 files (1.2 kB) to workspace "docs", in 1 session; 2 skipped.`)
    assert.match(text, /docs\/loop\s+–\s+skipped\s+–\s+symbolic link loop/)
    assert.match(text, /docs\/pipe\s+–\s+skipped\s+–\s+not a regular file: FIFO/)
    assert.notInclude(text, "Upload errors")
    assert.include(text, "All 2 files landed, 2 skipped (3s).")
    const json = ReportView.json(report, { ...context, waited: false, planned: 4 }) as {
      readonly ok: boolean
      readonly counts: { readonly skipped: number }
      readonly files: ReadonlyArray<unknown>
    }
    assert.isTrue(json.ok)
    assert.strictEqual(json.counts.skipped, 2)
    assert.deepStrictEqual(json.files[2], {
      index: 2,
      input: "docs/loop",
      name: "docs/loop",
      status: "skipped",
      bytes: 0,
      skipReason: "symbolic link loop"
    })
  })

  it("summary: after Ctrl-C it tells how far the run got", () => {
    const text = ReportView.summary(
      UploadReport.fromEvents(base),
      { ...context, interrupted: true, planned: 50 },
      Ansi.plain
    )
    assert.include(text, `Interrupted after uploading 2 of 50 files (1.2 kB) to workspace "docs", in 1 session.`)
    assert.include(text, "Stopped by Ctrl-C after 3s: 48 of 50 files not sent, 2 uploaded. The sessions were closed")
    assert.notInclude(text, "PENDING")
  })

  it("summary: Ctrl-C while waiting says that every file was handled, not that none was uploaded", () => {
    const text = ReportView.summary(UploadReport.fromEvents(base), { ...context, interrupted: true }, Ansi.plain)
    assert.include(
      text,
      "Stopped by Ctrl-C while waiting for ingestion, after 3s: every file was handled (2 uploaded)."
    )
    assert.include(text, "The sessions were closed, so the files sent will still be ingested.")
  })

  it("summary: a session not known to be closed after Ctrl-C is named, with how to close it", () => {
    const text = ReportView.summary(
      UploadReport.fromEvents(base.slice(0, -1)),
      { ...context, interrupted: true, planned: 5 },
      Ansi.plain
    )
    assert.include(text, `Sessions that may still be open: ${sessionId} (deepset-upload sessions close <id>).`)
  })

  it("summary: long runs list only the problems", () => {
    const many = Array.from({ length: 100 }, (_, i) => uploaded(i, `f${i}.txt`, 10))
    const events = [
      ...many,
      UploadEvent.FileIngested({ sessionId, name: "f7.txt", status: "FAILED", reason: "UNKNOWN_ERROR" })
    ]
    const text = ReportView.summary(
      UploadReport.fromEvents(events),
      { ...context, waited: false, planned: 100 },
      Ansi.plain
    )
    assert.match(text, /f7\.txt .*FAILED\s+UNKNOWN_ERROR/)
    assert.notInclude(text, "f8.txt")
    assert.include(text, "…and 99 more files without problems")
  })

  it("json: counts, context and the SDK's report, JSON-safe", () => {
    const document = ReportView.json(UploadReport.fromEvents([...base, ...ingested]), context)
    const parsed = JSON.parse(JSON.stringify(document))
    assert.deepInclude(parsed, { ok: false, interrupted: false, planned: 2, workspace: "docs", target: "remote" })
    assert.deepStrictEqual(parsed.counts.finished, 1)
    assert.deepStrictEqual(parsed.files[1], {
      index: 1,
      input: "empty.txt",
      name: "empty.txt",
      sessionId,
      status: "uploaded",
      bytes: 0,
      ingestion: { status: "FAILED", reason: "EMPTY_FILE" }
    })
    assert.strictEqual(parsed.sessions[0].closed, true)
  })
})
