/**
 * `--json-lines` says what `--json` says: for runs of random outcomes (uploaded, failed, skipped; listed,
 * failed or unlisted in ingestion; a wait that failed; a run cut short anywhere), the file lines are the
 * `--json` document's files and the summary line is the rest of that document. A file's line comes with the
 * event that makes its outcome final, not later.
 */
import { IngestionTimeoutError, S3Error } from "@effect-deepset/sdk/UploadErrors"
import { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as UploadReport from "@effect-deepset/sdk/UploadReport"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as FastCheck from "effect/FastCheck"
import * as ReportLines from "../src/ReportLines.js"
import * as ReportView from "../src/ReportView.js"

interface Plan {
  readonly files: ReadonlyArray<{
    readonly outcome: "uploaded" | "failed" | "skipped"
    readonly session: number
    readonly ingestion: "FINISHED" | "FAILED" | "unlisted"
  }>
  readonly waited: boolean
  /** Sessions whose wait fails before their list is read. */
  readonly waitFails: ReadonlyArray<boolean>
  /** Where the run is cut short, as a fraction of its events; 1: not cut. */
  readonly cut: number
}

const sessionIds = ["s-0", "s-1", "s-2"]

const events = (plan: Plan): Array<UploadEvent> => {
  const all: Array<UploadEvent> = []
  const used = [...new Set(plan.files.filter((f) => f.outcome !== "skipped").map((f) => f.session))].sort()
  for (const s of used) {
    all.push(UploadEvent.SessionOpened({ sessionId: sessionIds[s]!, expiresAt: DateTime.unsafeMake(0) }))
  }
  plan.files.forEach((file, index) => {
    const name = `f-${index}.txt`
    const sessionId = sessionIds[file.session]!
    if (file.outcome === "uploaded") {
      all.push(UploadEvent.FileUploaded({ index, input: name, name, sessionId, bytes: index, meta: index % 3 === 0 }))
    } else if (file.outcome === "failed") {
      const error = new S3Error({ status: 403, code: "AccessDenied", detail: "no", fileName: name, url: "http://s3" })
      all.push(UploadEvent.FileFailed({ index, input: name, name, sessionId, error, metaUploaded: false }))
    } else {
      all.push(UploadEvent.FileSkipped({ index, input: name, reason: "symbolic link loop" }))
    }
  })
  for (const s of used) {
    const sessionId = sessionIds[s]!
    const mine = plan.files.map((file, index) => ({ ...file, index })).filter((f) => f.session === s)
    const uploaded = mine.filter((f) => f.outcome === "uploaded")
    all.push(UploadEvent.SessionClosed({
      sessionId,
      files: mine.filter((f) => f.outcome !== "skipped").length,
      uploaded: uploaded.length,
      error: undefined
    }))
  }
  if (plan.waited) {
    for (const s of used) {
      const sessionId = sessionIds[s]!
      const uploaded = plan.files.map((file, index) => ({ ...file, index }))
        .filter((f) => f.session === s && f.outcome === "uploaded")
      const listed = uploaded.filter((f) => f.ingestion !== "unlisted")
      all.push(UploadEvent.IngestionProgress({
        sessionId,
        expected: uploaded.length,
        finished: listed.filter((f) => f.ingestion === "FINISHED").length,
        failed: listed.filter((f) => f.ingestion === "FAILED").length
      }))
      if (plan.waitFails[s] === true) {
        all.push(UploadEvent.IngestionFailed({
          sessionId,
          error: new IngestionTimeoutError({
            sessionId,
            expected: 1,
            finished: 0,
            failed: 0,
            timeout: Duration.minutes(1)
          })
        }))
      } else {
        for (const f of listed) {
          all.push(UploadEvent.FileIngested({
            sessionId,
            name: `f-${f.index}.txt`,
            status: f.ingestion === "FINISHED" ? "FINISHED" : "FAILED",
            reason: f.ingestion === "FAILED" ? "EMPTY_FILE" : undefined
          }))
        }
        // A name the list holds that no file was uploaded under.
        all.push(UploadEvent.FileIngested({ sessionId, name: "renamed.txt", status: "FINISHED", reason: undefined }))
      }
      all.push(UploadEvent.IngestionDone({ sessionId }))
    }
  }
  return all.slice(0, Math.round(all.length * plan.cut))
}

const plans: FastCheck.Arbitrary<Plan> = FastCheck.record({
  files: FastCheck.array(
    FastCheck.record({
      outcome: FastCheck.constantFrom("uploaded", "uploaded", "uploaded", "failed", "skipped"),
      session: FastCheck.integer({ min: 0, max: 2 }),
      ingestion: FastCheck.constantFrom("FINISHED", "FINISHED", "FAILED", "unlisted")
    }),
    { minLength: 0, maxLength: 25 }
  ),
  waited: FastCheck.boolean(),
  waitFails: FastCheck.array(FastCheck.boolean(), { minLength: 3, maxLength: 3 }),
  cut: FastCheck.oneof(FastCheck.constant(1), FastCheck.double({ min: 0, max: 1, noNaN: true }))
})

const contextOf = (plan: Plan, files: number): ReportView.Context => ({
  workspace: "docs",
  target: "remote",
  apiUrl: "http://127.0.0.1:1",
  waited: plan.waited,
  interrupted: plan.cut < 1,
  planned: files,
  elapsedMillis: 1234
})

describe("ReportLines", () => {
  it("the lines are the --json document: its files, then the rest of it (random runs, fixed seed)", () => {
    FastCheck.assert(
      FastCheck.property(plans, (plan) => {
        const run = events(plan)
        const lines = ReportLines.make(plan.waited)
        const context = contextOf(plan, plan.files.length)
        const written = [...run.flatMap((event) => lines.step(event)), ...lines.end(context)].map((line) =>
          JSON.parse(line)
        )
        const document = ReportView.json(UploadReport.fromEvents(run), context) as {
          readonly files: ReadonlyArray<unknown>
        }
        const { files, ...rest } = document
        const summary = written.pop()
        assert.deepStrictEqual(summary, { type: "summary", ...rest })
        assert.deepStrictEqual(
          written.sort((a, b) => a.index - b.index),
          files.map((file) => ({ type: "file", ...(file as object) }))
        )
        assert.deepStrictEqual(
          lines.verdict(plan.waited && plan.cut === 1),
          ReportView.verdict(UploadReport.fromEvents(run), plan.waited && plan.cut === 1)
        )
      }),
      { seed: 13, numRuns: 300 }
    )
  })

  it("a file's line comes with the event that settles it: its upload, or with --wait its ingestion", () => {
    const plan: Plan = {
      files: [
        { outcome: "uploaded", session: 0, ingestion: "FINISHED" },
        { outcome: "failed", session: 0, ingestion: "FINISHED" },
        { outcome: "uploaded", session: 0, ingestion: "unlisted" }
      ],
      waited: true,
      waitFails: [false, false, false],
      cut: 1
    }
    const at = (waiting: boolean) => {
      const lines = ReportLines.make(waiting)
      return events(plan).flatMap((event) =>
        lines.step(event).map((line) => [event._tag, JSON.parse(line).index] as const)
      )
    }
    assert.deepStrictEqual(at(false), [["FileUploaded", 0], ["FileFailed", 1], ["FileUploaded", 2]])
    assert.deepStrictEqual(at(true), [["FileFailed", 1], ["FileIngested", 0], ["IngestionDone", 2]])
  })
})
