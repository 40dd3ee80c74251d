/**
 * The report's fold after waiting: no silent drops. A file that reached S3 and has no entry in its session's
 * file list once the wait ended is reported with an unknown ingestion state, and a listed name that matches
 * no uploaded file is named in the session's `unmatchedNames`.
 */
import { Errors, UploadEvent, UploadReport } from "@effect-deepset/sdk"
import { IngestionTimeoutError } from "@effect-deepset/sdk/UploadErrors"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

const { FileIngested, FileUploaded, IngestionDone, IngestionFailed, IngestionProgress, SessionClosed, SessionOpened } =
  UploadEvent.UploadEvent

const opened = (sessionId: string) =>
  SessionOpened({ sessionId, expiresAt: DateTime.unsafeMake("2026-10-05T09:00:00Z") })

const uploaded = (sessionId: string, index: number, name: string) =>
  FileUploaded({ index, input: name, name, sessionId, bytes: 10, meta: false })

const listed = (sessionId: string, name: string) =>
  FileIngested({ sessionId, name, status: "FINISHED", reason: undefined })

// Session s1: three files, one of them stored under another name by the store (a Ceph-like `;` split).
const s1 = [
  opened("s1"),
  uploaded("s1", 0, "a.txt"),
  uploaded("s1", 1, "comma,semi;colon.txt"),
  uploaded("s1", 2, "c.txt"),
  SessionClosed({ sessionId: "s1", files: 3, uploaded: 3, error: undefined }),
  IngestionProgress({ sessionId: "s1", expected: 3, finished: 3, failed: 0 }),
  listed("s1", "a.txt"),
  listed("s1", "\"comma,semi"),
  listed("s1", "c.txt")
]

const statusOf = (report: UploadReport.UploadReport, name: string) =>
  report.files.find((file) => file.name === name)?.ingestion

describe("UploadReport after waiting: no silent drops", () => {
  it("a file the session did not list is UNKNOWN (NOT_LISTED), and the listed name that matched nothing is named", () => {
    const report = UploadReport.fromEvents([...s1, IngestionDone({ sessionId: "s1" })])
    const missing = statusOf(report, "comma,semi;colon.txt")
    assert.strictEqual(missing?.status, "UNKNOWN")
    assert.strictEqual(missing?.unknownReason, "NOT_LISTED")
    assert.isTrue(missing?.unknown)
    assert.strictEqual(statusOf(report, "a.txt")?.status, "FINISHED")
    assert.isFalse(statusOf(report, "a.txt")?.unknown)
    assert.deepStrictEqual(report.sessions[0]!.unmatchedNames, ["\"comma,semi"])
    // Every uploaded file has a state: none is left blank.
    assert.isTrue(report.files.every((file) => file.ingestion !== undefined))
  })

  it("until the wait for the session is done, nothing is unknown; the unmatched names seen so far are kept", () => {
    const report = UploadReport.fromEvents(s1)
    assert.isUndefined(statusOf(report, "comma,semi;colon.txt"))
    assert.deepStrictEqual(report.sessions[0]!.unmatchedNames, ["\"comma,semi"])
    // Before the listing, a session has no unmatchedNames at all.
    const before = UploadReport.fromEvents(s1.slice(0, 6))
    assert.isUndefined(before.sessions[0]!.unmatchedNames)
  })

  it("a wait that failed (timeout, API error) leaves the files not listed UNKNOWN (WAIT_FAILED)", () => {
    const timeout = new IngestionTimeoutError({
      sessionId: "s1",
      expected: 3,
      finished: 1,
      failed: 0,
      timeout: Duration.seconds(1)
    })
    const timedOut = UploadReport.fromEvents([
      ...s1.slice(0, 5),
      IngestionProgress({ sessionId: "s1", expected: 3, finished: 1, failed: 0 }),
      IngestionFailed({ sessionId: "s1", error: timeout }),
      IngestionDone({ sessionId: "s1" })
    ])
    assert.deepStrictEqual(
      timedOut.files.map((file) => [file.ingestion?.status, file.ingestion?.unknownReason]),
      [["UNKNOWN", "WAIT_FAILED"], ["UNKNOWN", "WAIT_FAILED"], ["UNKNOWN", "WAIT_FAILED"]]
    )
    assert.deepStrictEqual(timedOut.sessions[0]!.unmatchedNames, [])

    // The list failed mid-way: what it gave is kept, the rest is unknown.
    const error = new Errors.DecodeError({
      method: "GET",
      url: "fake://files",
      status: 200,
      description: "x",
      body: ""
    })
    const cut = UploadReport.fromEvents([
      ...s1.slice(0, 7),
      IngestionFailed({ sessionId: "s1", error }),
      IngestionDone({ sessionId: "s1" })
    ])
    assert.deepStrictEqual(
      cut.files.map((file) => [file.ingestion?.status, file.ingestion?.unknownReason]),
      [["FINISHED", undefined], ["UNKNOWN", "WAIT_FAILED"], ["UNKNOWN", "WAIT_FAILED"]]
    )
  })

  it("only the session whose wait ended is touched; failed and skipped files never get an ingestion state", () => {
    const events = [
      ...s1,
      opened("s2"),
      uploaded("s2", 3, "d.txt"),
      UploadEvent.UploadEvent.FileSkipped({ index: 4, input: "loop", reason: "symbolic link loop" }),
      SessionClosed({ sessionId: "s2", files: 1, uploaded: 1, error: undefined }),
      IngestionDone({ sessionId: "s1" })
    ]
    const report = UploadReport.fromEvents(events)
    assert.strictEqual(statusOf(report, "comma,semi;colon.txt")?.status, "UNKNOWN")
    assert.isUndefined(statusOf(report, "d.txt"))
    assert.isUndefined(report.files[4]!.ingestion)
    assert.isUndefined(report.sessions[1]!.unmatchedNames)
  })

  it("the report with unknown states and unmatched names survives its Schema encoding (--json)", () => {
    const report = UploadReport.fromEvents([...s1, IngestionDone({ sessionId: "s1" })])
    const encoded = Schema.encodeSync(UploadReport.UploadReport)(report)
    assert.deepStrictEqual(encoded.files[1]!.ingestion, { status: "UNKNOWN", unknownReason: "NOT_LISTED" })
    assert.deepStrictEqual(encoded.sessions[0]!.unmatchedNames, ["\"comma,semi"])
    const decoded = Schema.decodeUnknownSync(UploadReport.UploadReport)(JSON.parse(JSON.stringify(encoded)))
    assert.deepStrictEqual(decoded, report)
  })

  it("tries to create a session that may have created one unseen are counted, and absent when there were none", () => {
    const error = new Errors.ServerError({
      method: "POST",
      url: "fake://sessions",
      status: 500,
      retryAfter: Option.none(),
      body: ""
    })
    const possibly = (willRetry: boolean) => UploadEvent.UploadEvent.SessionPossiblyCreated({ error, willRetry })
    const report = UploadReport.fromEvents([possibly(true), possibly(true), ...s1])
    assert.strictEqual(report.possiblyCreated, 2)
    assert.strictEqual(report.uploaded, 3)
    assert.isUndefined(UploadReport.fromEvents(s1).possiblyCreated)
    const encoded = Schema.encodeSync(UploadReport.UploadReport)(report)
    assert.strictEqual(Schema.decodeUnknownSync(UploadReport.UploadReport)(encoded).possiblyCreated, 2)
  })

  it("step leaves the fold it was given as it was", () => {
    const before = s1.reduce(UploadReport.step, UploadReport.initial)
    const snapshot = UploadReport.fromFold(before)
    UploadReport.step(before, IngestionDone({ sessionId: "s1" }))
    assert.deepStrictEqual(UploadReport.fromFold(before), snapshot)
  })
})
