/**
 * Pure renderers for the `sessions` commands: tables for people, the API's own JSON for programs.
 *
 * @since 0.1.0
 */
import * as Models from "@effect-deepset/sdk/Models"
import * as Schema from "effect/Schema"
import type * as Ansi from "./Ansi.js"
import * as Format from "./Format.js"
import * as Table from "./Table.js"

/**
 * Colours an ingestion state: finished green, failed red, pending yellow.
 *
 * @since 0.1.0
 */
export const ingestionStatus = (status: string, style: Ansi.Style): string =>
  status === "FINISHED" ? style.green(status) : status === "FAILED" ? style.red(status) : style.yellow(status)

const sessionStatus = (status: string | undefined, style: Ansi.Style): string =>
  status === undefined
    ? style.dim("–")
    : status === "OPEN"
    ? style.green(status)
    : status === "EXPIRED"
    ? style.dim(status)
    : status

/**
 * The sessions of `sessions list` as a table, in the order given (the command asks for newest first).
 *
 * @since 0.1.0
 */
export const sessionTable = (
  sessions: ReadonlyArray<Models.Session>,
  options: { readonly limit: number; readonly style: Ansi.Style }
): string => {
  const { limit, style } = options
  if (sessions.length === 0) return "No upload sessions."
  const table = Table.render(
    [
      { header: "SESSION" },
      { header: "CREATED" },
      { header: "CREATED BY" },
      { header: "WRITE MODE" },
      { header: "STATUS" },
      { header: "EXPIRES" }
    ],
    sessions.map((session) => [
      session.sessionId,
      Format.dateTime(session.createdAt),
      `${session.createdBy.givenName} ${session.createdBy.familyName}`.trim(),
      session.writeMode,
      sessionStatus(session.status, style),
      session.expiresAt === undefined ? style.dim("–") : Format.dateTime(session.expiresAt)
    ]),
    style
  )
  const more = sessions.length >= limit
    ? `\n${
      style.dim(
        `${
          sessions.length === 1 ? "The newest session" : `The newest ${sessions.length} sessions`
        }; --limit shows more.`
      )
    }`
    : ""
  return table + more
}

/**
 * One session's state for `sessions status`: what a person asks first (is it done, did files fail).
 *
 * @since 0.1.0
 */
export const sessionDetail = (detail: Models.SessionDetail, style: Ansi.Style): string => {
  const { failedFiles, finishedFiles } = detail.ingestionStatus
  const rows: Array<readonly [string, string]> = [
    ["Session", style.bold(detail.sessionId)],
    ["Expires", Format.dateTime(detail.expiresAt)],
    ["Finished files", finishedFiles > 0 ? style.green(String(finishedFiles)) : "0"],
    ["Failed files", failedFiles > 0 ? style.red(String(failedFiles)) : "0"]
  ]
  if (detail.documentationUrl !== undefined) rows.push(["Documentation", detail.documentationUrl])
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${style.dim(label.padEnd(width))}  ${value}`).join("\n")
}

/**
 * The files of a session for `sessions files`, with a closing count per state.
 *
 * @since 0.1.0
 */
export const fileTable = (files: ReadonlyArray<Models.SessionFile>, style: Ansi.Style): string => {
  if (files.length === 0) return "No files."
  const table = Table.render(
    [{ header: "FILE" }, { header: "INGESTION" }, { header: "REASON" }, { header: "FILE INGESTION ID" }],
    files.map((file) => [
      file.name,
      ingestionStatus(file.ingestionStatus, style),
      file.ingestionStatusReason === undefined ? "" : style.red(file.ingestionStatusReason),
      file.fileIngestionId ?? style.dim("–")
    ]),
    style
  )
  return `${table}\n${style.dim(countByStatus(files))}`
}

const countByStatus = (files: ReadonlyArray<Models.SessionFile>): string => {
  const counts = new Map<string, number>()
  for (const file of files) counts.set(file.ingestionStatus, (counts.get(file.ingestionStatus) ?? 0) + 1)
  const parts = [...counts].map(([status, n]) => `${n} ${status.toLowerCase()}`)
  return `${Format.plural(files.length, "file")}: ${parts.join(", ")}`
}

const encodeSessions = Schema.encodeSync(Schema.Array(Models.Session))
const encodeFiles = Schema.encodeSync(Schema.Array(Models.SessionFile))
const encodeDetail = Schema.encodeSync(Models.SessionDetail)

/**
 * `sessions list --json`: the sessions as the API spells them (snake_case), newest first.
 *
 * @since 0.1.0
 */
export const sessionsJson = (sessions: ReadonlyArray<Models.Session>): unknown => ({
  data: encodeSessions(sessions)
})

/**
 * `sessions status --json`: the session as the API spells it.
 *
 * @since 0.1.0
 */
export const detailJson = (detail: Models.SessionDetail): unknown => encodeDetail(detail)

/**
 * `sessions files --json`: the files as the API spells them.
 *
 * @since 0.1.0
 */
export const filesJson = (files: ReadonlyArray<Models.SessionFile>): unknown => ({
  data: encodeFiles(files),
  total: files.length
})

/**
 * One session `sessions close` tried to close, with the error if it could not.
 *
 * @since 0.1.0
 */
export interface Closed {
  readonly sessionId: string
  readonly error?: { readonly _tag: string; readonly message: string } | undefined
}

/**
 * What `sessions close` did: the sessions closed, then those it could not close and why.
 *
 * @since 0.1.0
 */
export const closedText = (
  sessions: ReadonlyArray<Closed>,
  options: { readonly style: Ansi.Style; readonly workspace: string; readonly allOpen: boolean }
): string => {
  const { style } = options
  if (sessions.length === 0) return `No open sessions in workspace "${options.workspace}".`
  const closed = sessions.filter((session) => session.error === undefined)
  const failed = sessions.filter((session) => session.error !== undefined)
  const lines: Array<string> = []
  if (closed.length > 0 && !options.allOpen) {
    lines.push(`Closed session ${style.bold(closed[0]!.sessionId)}; ingestion of its files has started.`)
  } else if (closed.length > 0) {
    lines.push(
      `Closed ${Format.plural(closed.length, "open session")} of workspace "${options.workspace}"; ` +
        "ingestion of their files has started:"
    )
    for (const session of closed) lines.push(`  ${session.sessionId}`)
  }
  if (failed.length > 0) {
    lines.push(`${style.red(`Could not close ${Format.plural(failed.length, "session")}`)}:`)
    for (const session of failed) lines.push(`  ${session.sessionId}: ${style.red(session.error!.message)}`)
  }
  return lines.join("\n")
}

/**
 * `sessions close --json`: the ids closed, and those not closed with the error (tag and message).
 *
 * @since 0.1.0
 */
export const closedJson = (sessions: ReadonlyArray<Closed>): unknown => ({
  closed: sessions.filter((session) => session.error === undefined).map((session) => session.sessionId),
  failed: sessions.flatMap((session) =>
    session.error === undefined
      ? []
      : [{ session_id: session.sessionId, error: { tag: session.error._tag, message: session.error.message } }]
  )
})
