/**
 * Pure renderers for the end of an upload: the summary people read, the JSON programs read, and the
 * verdict that decides the exit code.
 *
 * @since 0.1.0
 */
import * as UploadReport from "@effect-deepset/sdk/UploadReport"
import * as Schema from "effect/Schema"
import type * as Ansi from "./Ansi.js"
import * as Format from "./Format.js"
import * as SessionsView from "./SessionsView.js"
import * as Table from "./Table.js"

/**
 * What the summary needs beyond the report.
 *
 * @since 0.1.0
 */
export interface Context {
  readonly workspace: string
  /** `emulator` when the run went to the in-process emulator. */
  readonly target: "remote" | "emulator"
  readonly apiUrl: string
  /** Whether the run waited for ingestion (`--wait`). */
  readonly waited: boolean
  /** Whether Ctrl-C cut the run short. */
  readonly interrupted: boolean
  /** How many files the run set out to upload (the report only holds those it got to). */
  readonly planned: number
  readonly elapsedMillis: number
}

/**
 * How the files fared, counted.
 *
 * @since 0.1.0
 */
export interface Verdict {
  readonly total: number
  readonly uploaded: number
  readonly uploadFailed: number
  /** Entries skipped, not meant to be sent (a symbolic link loop, a FIFO…): listed, but not failures. */
  readonly skipped: number
  readonly bytes: number
  readonly finished: number
  readonly ingestionFailed: number
  /** Uploaded files whose ingestion was not seen to end (only when waiting). */
  readonly pending: number
  /**
   * Uploaded files their session's file list, read in full after waiting, did not hold (ingestion
   * `UNKNOWN`, `NOT_LISTED`): not known to have landed under their name.
   */
  readonly unknown: number
  readonly sessionsNotClosed: number
  /** Everything landed: uploaded, sessions closed, and (when waiting) ingested, none unknown. */
  readonly ok: boolean
}

/**
 * The counts of files seen so far, by session: what {@link verdictOf} needs, without the files. A
 * report streamed line by line (`--json-lines`) counts each file as it is written and keeps none.
 *
 * @since 0.1.0
 */
export interface Tally {
  total: number
  uploaded: number
  skipped: number
  bytes: number
  readonly perSession: Map<string, { uploaded: number; finished: number; failed: number; unknown: number }>
}

/**
 * An empty tally.
 *
 * @since 0.1.0
 */
export const tally = (): Tally => ({ total: 0, uploaded: 0, skipped: 0, bytes: 0, perSession: new Map() })

/**
 * Counts one file, in its final state, into `tally`.
 *
 * @since 0.1.0
 */
export const count = (tally: Tally, file: UploadReport.FileReport): void => {
  tally.total++
  if (file.status === "skipped") tally.skipped++
  if (file.status !== "uploaded") return
  tally.uploaded++
  tally.bytes += file.bytes
  const key = file.sessionId ?? ""
  const counts = tally.perSession.get(key) ?? { uploaded: 0, finished: 0, failed: 0, unknown: 0 }
  counts.uploaded++
  if (file.ingestion?.status === "FINISHED" && !file.ingestion.unknown) counts.finished++
  else if (file.ingestion?.status === "FAILED" && !file.ingestion.unknown) counts.failed++
  else if (file.ingestion?.unknownReason === "NOT_LISTED") counts.unknown++
  tally.perSession.set(key, counts)
}

/**
 * The verdict of a tally and the report's sessions; `ok` is what exit code 0 means.
 *
 * @since 0.1.0
 */
export const verdictOf = (
  tally: Tally,
  sessions: ReadonlyArray<UploadReport.SessionReport>,
  waited: boolean
): Verdict => {
  // Per-file states arrive only once a session's ingestion is complete; when waiting ended early (a
  // timeout, files UNKNOWN with WAIT_FAILED), the session's last polled counts know more, so they are used
  // instead. They never account for a file its list did not hold: the service counted a document, but
  // under another name.
  let finished = 0
  let ingestionFailed = 0
  let pending = 0
  let unknown = 0
  const polledBy = new Map(sessions.map((session) => [session.sessionId, session.ingestion] as const))
  for (const [sessionId, seen] of tally.perSession) {
    const counts = { ...seen }
    const polled = polledBy.get(sessionId)
    if (polled !== undefined && polled.finished + polled.failed > counts.finished + counts.failed) {
      const known = counts.uploaded - counts.unknown
      counts.finished = Math.min(polled.finished, known)
      counts.failed = Math.min(polled.failed, known - counts.finished)
    }
    finished += counts.finished
    ingestionFailed += counts.failed
    unknown += counts.unknown
    if (waited) pending += counts.uploaded - counts.finished - counts.failed - counts.unknown
  }
  const { bytes, skipped, total, uploaded } = tally
  const sessionsNotClosed = sessions.filter((session) => !session.closed).length
  const uploadFailed = total - uploaded - skipped
  return {
    total,
    uploaded,
    uploadFailed,
    skipped,
    bytes,
    finished,
    ingestionFailed,
    pending,
    unknown,
    sessionsNotClosed,
    ok: uploadFailed === 0 && sessionsNotClosed === 0 &&
      (!waited || (ingestionFailed === 0 && pending === 0 && unknown === 0))
  }
}

/**
 * Counts the report; `ok` is what exit code 0 means.
 *
 * @since 0.1.0
 */
export const verdict = (report: UploadReport.UploadReport, waited: boolean): Verdict => {
  const counted = tally()
  for (const file of report.files) count(counted, file)
  return verdictOf(counted, report.sessions, waited)
}

// A summary of thousands of rows helps nobody: past this many files only the problems are listed.
const MAX_ROWS = 40

// Upload errors carry long messages (status, URL, the server's answer); the table shows their start and
// the full text follows the table once per distinct message.
const REASON_WIDTH = 60

const fileRow = (file: UploadReport.FileReport, waited: boolean, style: Ansi.Style): ReadonlyArray<string> => {
  const upload = file.status === "uploaded"
    ? style.green("uploaded")
    : file.status === "skipped"
    ? style.yellow("skipped")
    : style.red("failed")
  const ingestion = file.ingestion === undefined
    ? (waited && file.status === "uploaded" ? style.yellow("PENDING") : style.dim("–"))
    : file.ingestion.unknown
    ? (file.ingestion.unknownReason === "NOT_LISTED" ? style.red("unknown") : style.yellow("unknown"))
    : SessionsView.ingestionStatus(file.ingestion.status, style)
  const reason = file.error !== undefined
    ? style.red(Format.truncate(file.error.message, REASON_WIDTH))
    : file.skipReason !== undefined
    ? style.yellow(file.skipReason)
    : file.ingestion?.unknownReason === "NOT_LISTED"
    ? style.red("not in the session's file list")
    : file.ingestion?.unknownReason === "WAIT_FAILED"
    ? style.yellow("the wait ended before its state was read")
    : file.ingestion?.reason !== undefined
    ? style.red(file.ingestion.reason)
    : ""
  return [
    file.name,
    file.status === "uploaded" ? Format.bytes(file.bytes) : style.dim("–"),
    file.metaUploaded === true ? "yes" : "",
    upload,
    ingestion,
    reason
  ]
}

/** The distinct messages of the upload failures, each with how many files it stopped. */
const uploadErrors = (report: UploadReport.UploadReport): ReadonlyArray<readonly [string, number]> => {
  const counts = new Map<string, number>()
  for (const file of report.files) {
    if (file.error !== undefined) counts.set(file.error.message, (counts.get(file.error.message) ?? 0) + 1)
  }
  return [...counts]
}

// Names come from the service: quoted and escaped, so that a control character or a terminal escape in one
// shows as text and a name with spaces or quotes reads as one name.
const quoted = (name: string): string =>
  JSON.stringify(name).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  )

// How many of a session's unmatched names the summary shows; --json has them all.
const MAX_NAMES = 10

const isProblem = (file: UploadReport.FileReport): boolean =>
  file.status !== "uploaded" || (file.ingestion !== undefined && file.ingestion.status !== "FINISHED")

/**
 * The summary printed after an upload: a headline, a table of files (uploads, ingestion results and
 * failure reasons), and one line per session.
 *
 * @since 0.1.0
 */
export const summary = (report: UploadReport.UploadReport, context: Context, style: Ansi.Style): string => {
  // After Ctrl-C nothing was waited for, whatever --wait said: files are not "pending", just sent.
  const waited = context.waited && !context.interrupted
  const v = verdict(report, waited)
  const lines: Array<string> = []
  const where = context.target === "emulator"
    ? `workspace "${context.workspace}" of the in-process emulator`
    : `workspace "${context.workspace}"`
  const sessions = Format.plural(report.sessions.length, "session")
  lines.push(
    style.bold(
      `${context.interrupted ? "Interrupted after uploading" : "Uploaded"} ${v.uploaded} of ${
        Format.plural(Math.max(v.total, context.planned), "file")
      } (${Format.bytes(v.bytes)}) to ${where}, in ${sessions}${v.skipped > 0 ? `; ${v.skipped} skipped` : ""}.`
    )
  )
  if (report.files.length > 0) {
    const rows = report.files.length <= MAX_ROWS ? report.files : report.files.filter(isProblem)
    lines.push("")
    if (rows.length > 0) {
      lines.push(Table.render(
        [
          { header: "FILE" },
          { header: "SIZE", align: "right" },
          { header: "META" },
          { header: "UPLOAD" },
          { header: "INGESTION" },
          { header: "REASON" }
        ],
        rows.map((file) => fileRow(file, waited, style)),
        style,
        { indent: 2 }
      ))
    }
    if (rows.length < report.files.length) {
      const hidden = report.files.length - rows.length
      lines.push(style.dim(
        rows.length > 0
          ? `  …and ${hidden} more files without problems (--json lists every file).`
          : `  ${Format.plural(hidden, "file")}, none with a problem (--json lists every file).`
      ))
    }
    const errors = uploadErrors(report)
    if (errors.length > 0) {
      lines.push("", "Upload errors:")
      for (const [message, count] of errors) {
        lines.push(`  ${count > 1 ? `${count} files: ` : ""}${style.red(message)}`)
      }
    }
  }
  lines.push("")
  for (const session of report.sessions) {
    const state = session.closed
      ? style.green("closed")
      : session.closeError !== undefined
      ? style.red(`not closed: ${session.closeError.message}`)
      : style.yellow("not closed")
    const ingestion = session.ingestionError !== undefined
      ? `; ${style.red(session.ingestionError.message)}`
      : ""
    lines.push(
      `Session ${session.sessionId}: ${state}, ${Format.plural(session.uploaded, "document")} sent${ingestion}`
    )
    const unmatched = session.unmatchedNames ?? []
    if (unmatched.length > 0) {
      const shown = unmatched.slice(0, MAX_NAMES).map(quoted).join(", ")
      const more = unmatched.length > MAX_NAMES ? ` …and ${unmatched.length - MAX_NAMES} more (--json lists them)` : ""
      lines.push(style.red(
        `  Its file list holds ${
          Format.plural(unmatched.length, "name")
        } matching no file uploaded to it: ${shown}${more}`
      ))
    }
  }
  if (report.possiblyCreated !== undefined) {
    lines.push(style.yellow(
      `${Format.plural(report.possiblyCreated, "try", "tries")} to create a session failed in a way that may have ` +
        "created one anyway: the workspace may hold it, open and empty (it ingests nothing); " +
        "deepset-upload sessions close --all-open closes what is open."
    ))
  }
  if (waited && v.uploaded > 0) {
    const pending = v.pending > 0 ? `, ${style.yellow(`${v.pending} still pending`)}` : ""
    const unknown = v.unknown > 0 ? `, ${style.red(`${v.unknown} unknown (not in the session's file list)`)}` : ""
    const failed = v.ingestionFailed > 0 ? style.red(`${v.ingestionFailed} failed`) : "0 failed"
    lines.push(`Ingestion: ${style.green(`${v.finished} finished`)}, ${failed}${unknown}${pending}.`)
  } else if (v.uploaded > 0 && !context.interrupted) {
    lines.push(style.dim("Ingestion runs in the background; add --wait to see each file's result."))
  }
  const took = Format.duration(context.elapsedMillis)
  if (context.interrupted) {
    const closed = report.sessions.length > 0 && report.sessions.every((session) => session.closed)
    const notSent = Math.max(0, context.planned - v.total)
    const stoppedWhile = notSent === 0 && context.waited
      ? ` while waiting for ingestion, after ${took}: every file was handled (${v.uploaded} uploaded).`
      : ` after ${took}: ${notSent} of ${Format.plural(context.planned, "file")} not sent, ${v.uploaded} uploaded.`
    const unclosed = report.sessions.filter((session) => !session.closed).map((session) => session.sessionId)
    lines.push(style.yellow(style.bold(
      `Stopped by Ctrl-C${stoppedWhile}` +
        (closed
          ? " The sessions were closed, so the files sent will still be ingested."
          : unclosed.length > 0
          ? ` Sessions that may still be open: ${unclosed.join(", ")} (deepset-upload sessions close <id>).`
          : "")
    )))
    return lines.join("\n")
  }
  lines.push(
    v.ok
      ? style.green(style.bold(
        v.skipped > 0
          ? `All ${Format.plural(v.total - v.skipped, "file")} landed, ${v.skipped} skipped (${took}).`
          : `All ${Format.plural(v.total, "file")} landed (${took}).`
      ))
      : style.red(
        style.bold(
          `${v.uploadFailed + v.ingestionFailed + v.pending + v.unknown} of ${
            Format.plural(v.total, "file")
          } did not land (${took}); exit code 1.`
        )
      )
  )
  return lines.join("\n")
}

const encodeReport = Schema.encodeSync(UploadReport.UploadReport)

// Sessions a failed create may have left in the workspace: in the documents only when there may be some.
const possiblyCreated = (report: Pick<UploadReport.UploadReport, "possiblyCreated">) =>
  report.possiblyCreated === undefined ? {} : { possiblyCreated: report.possiblyCreated }

/** The document's head: the verdict's counts and the context. */
const head = (verdict: Verdict, context: Context) => {
  const { ok, ...counts } = verdict
  return {
    ok: ok && !context.interrupted,
    interrupted: context.interrupted,
    planned: context.planned,
    target: context.target,
    apiUrl: context.apiUrl,
    workspace: context.workspace,
    waited: context.waited,
    elapsedMillis: Math.round(context.elapsedMillis),
    counts
  }
}

/**
 * The `--json` document: the verdict's counts, the context, and the SDK's report (every session and
 * file, with errors and ingestion results).
 *
 * @since 0.1.0
 */
export const json = (report: UploadReport.UploadReport, context: Context): unknown => {
  const encoded = encodeReport(report)
  return {
    ...head(verdict(report, context.waited && !context.interrupted), context),
    sessions: encoded.sessions,
    ...possiblyCreated(report),
    files: encoded.files
  }
}

const encodeFile = Schema.encodeSync(UploadReport.FileReport)
const encodeSessions = Schema.encodeSync(Schema.Array(UploadReport.SessionReport))

/**
 * One `--json-lines` line for a file: `{"type":"file", …}` with the fields of a file of the `--json`
 * document.
 *
 * @since 0.1.0
 */
export const fileLine = (file: UploadReport.FileReport): string => JSON.stringify({ type: "file", ...encodeFile(file) })

/**
 * The last `--json-lines` line: `{"type":"summary", …}` with the `--json` document's fields but `files`
 * (each had its line), counted from `tally`.
 *
 * @since 0.1.0
 */
export const summaryLine = (
  tally: Tally,
  report: Pick<UploadReport.UploadReport, "sessions" | "possiblyCreated">,
  context: Context,
  error?: string
): string =>
  JSON.stringify({
    type: "summary",
    ...head(verdictOf(tally, report.sessions, context.waited && !context.interrupted), context),
    ...(error === undefined ? {} : { ok: false, error }),
    sessions: encodeSessions(report.sessions),
    ...possiblyCreated(report)
  })
