import * as Models from "@effect-deepset/sdk/Models"
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as Ansi from "../src/Ansi.js"
import * as SessionsView from "../src/SessionsView.js"

const session = Schema.decodeUnknownSync(Models.Session)({
  session_id: "11111111-2222-4333-8444-555555555555",
  created_at: "2026-10-04T09:15:00",
  created_by: { user_id: "u1", given_name: "Ada", family_name: "Lovelace" },
  expires_at: "2026-10-05T09:15:00Z",
  write_mode: "KEEP",
  status: "OPEN"
})

const files = Schema.decodeUnknownSync(Schema.Array(Models.SessionFile))([
  { name: "a.txt", ingestion_status: "FINISHED", file_ingestion_id: "f-1" },
  { name: "b.txt", ingestion_status: "FAILED", file_ingestion_id: "f-2", ingestion_status_reason: "EMPTY_FILE" },
  { name: "c.txt", ingestion_status: "PENDING" },
  // An ingestion reason this SDK does not know yet is shown as it came.
  { name: "d.txt", ingestion_status: "FAILED", ingestion_status_reason: "VIRUS_FOUND" }
])

describe("SessionsView", () => {
  it("sessionTable: one row per session, dates in UTC, a hint when the limit was reached", () => {
    const text = SessionsView.sessionTable([session], { limit: 1, style: Ansi.plain })
    assert.match(
      text,
      /11111111-2222-4333-8444-555555555555\s+2026-10-04 09:15 UTC\s+Ada Lovelace\s+KEEP\s+OPEN\s+2026-10-05 09:15 UTC/
    )
    assert.include(text, "The newest session; --limit shows more.")
    assert.notInclude(SessionsView.sessionTable([session], { limit: 20, style: Ansi.plain }), "--limit")
    assert.strictEqual(SessionsView.sessionTable([], { limit: 20, style: Ansi.plain }), "No upload sessions.")
  })

  it("fileTable: states, reasons (also unknown ones) and counts", () => {
    const text = SessionsView.fileTable(files, Ansi.plain)
    assert.match(text, /a\.txt\s+FINISHED\s+f-1/)
    assert.match(text, /b\.txt\s+FAILED\s+EMPTY_FILE\s+f-2/)
    assert.match(text, /c\.txt\s+PENDING\s+–/)
    assert.match(text, /d\.txt\s+FAILED\s+VIRUS_FOUND/)
    assert.include(text, "4 files: 1 finished, 2 failed, 1 pending")
  })

  it("sessionDetail: counts first", () => {
    const detail = Schema.decodeUnknownSync(Models.SessionDetail)({
      session_id: "s-1",
      expires_at: "2026-10-05T09:15:00Z",
      ingestion_status: { finished_files: 5, failed_files: 2 }
    })
    assert.strictEqual(
      SessionsView.sessionDetail(detail, Ansi.plain),
      [
        "Session         s-1",
        "Expires         2026-10-05 09:15 UTC",
        "Finished files  5",
        "Failed files    2"
      ].join("\n")
    )
  })

  it("json: the API's own spelling", () => {
    assert.deepStrictEqual(JSON.parse(JSON.stringify(SessionsView.sessionsJson([session]))), {
      data: [{
        session_id: "11111111-2222-4333-8444-555555555555",
        created_at: "2026-10-04T09:15:00.000Z",
        created_by: { user_id: "u1", given_name: "Ada", family_name: "Lovelace" },
        expires_at: "2026-10-05T09:15:00.000Z",
        write_mode: "KEEP",
        status: "OPEN"
      }]
    })
    const encoded = JSON.parse(JSON.stringify(SessionsView.filesJson(files)))
    assert.strictEqual(encoded.total, 4)
    assert.deepStrictEqual(encoded.data[3], {
      name: "d.txt",
      ingestion_status: "FAILED",
      ingestion_status_reason: "VIRUS_FOUND"
    })
  })
})
