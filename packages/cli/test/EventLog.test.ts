import { Errors } from "@effect-deepset/sdk"
import { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Ansi from "../src/Ansi.js"
import * as EventLog from "../src/EventLog.js"

const all = { detail: "all", style: Ansi.plain } as const
const notable = { detail: "notable", style: Ansi.plain } as const

describe("EventLog", () => {
  it("plain output tells every upload; a terminal's bar leaves them out", () => {
    const event = UploadEvent.FileUploaded({
      index: 0,
      input: "a.pdf",
      name: "a.pdf",
      sessionId: "s",
      bytes: 842,
      meta: true
    })
    assert.deepStrictEqual(EventLog.line(event, all), Option.some("uploaded a.pdf (842 B, with metadata)"))
    assert.deepStrictEqual(EventLog.line(event, notable), Option.none())
  })

  it("sessions get a line in both modes", () => {
    const opened = UploadEvent.SessionOpened({
      sessionId: "s-1",
      expiresAt: DateTime.unsafeMake("2026-10-05T09:00:00Z")
    })
    assert.deepStrictEqual(
      EventLog.line(opened, notable),
      Option.some("session  s-1 opened, expires 2026-10-05 09:00 UTC")
    )
    const closed = UploadEvent.SessionClosed({ sessionId: "s-1", files: 3, uploaded: 3, error: undefined })
    assert.deepStrictEqual(
      EventLog.line(closed, all),
      Option.some("session  s-1 closed: 3 documents sent, ingestion started")
    )
  })

  it("a try to create a session that may have created one gets a line in both modes, saying whether it goes on", () => {
    const error = new Errors.ServerError({
      method: "POST",
      url: "https://api.example/sessions",
      status: 503,
      retryAfter: Option.none(),
      body: ""
    })
    const event = UploadEvent.SessionPossiblyCreated({ error, willRetry: true })
    const expected = `session  creating one failed (${error.message}); the service may hold it, empty (it ingests ` +
      "nothing); trying again"
    assert.deepStrictEqual(EventLog.line(event, all), Option.some(expected))
    assert.deepStrictEqual(EventLog.line(event, notable), Option.some(expected))
    const last = EventLog.line(UploadEvent.SessionPossiblyCreated({ error, willRetry: false }), notable)
    assert.isFalse(Option.getOrThrow(last).includes("trying again"))
  })

  it("a skipped entry gets a line in both modes: it is not a failure, but it is not silent either", () => {
    const skipped = UploadEvent.FileSkipped({ index: 3, input: "docs/loop", reason: "symbolic link loop" })
    assert.deepStrictEqual(EventLog.line(skipped, all), Option.some("skipped  docs/loop: symbolic link loop"))
    assert.deepStrictEqual(EventLog.line(skipped, notable), Option.some("skipped  docs/loop: symbolic link loop"))
  })

  it("per-file ingestion results are left to the summary", () => {
    const ingested = UploadEvent.FileIngested({ sessionId: "s", name: "a", status: "FAILED", reason: "EMPTY_FILE" })
    assert.deepStrictEqual(EventLog.line(ingested, all), Option.none())
    // The end of a session's wait too: a file it did not list is "unknown" in the summary.
    assert.deepStrictEqual(EventLog.line(UploadEvent.IngestionDone({ sessionId: "s" }), all), Option.none())
  })
})
