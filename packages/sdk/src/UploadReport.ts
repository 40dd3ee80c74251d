/**
 * The report of an upload: every session and every file, each file uploaded or failed with the reason,
 * and, after waiting, each file's ingestion state. Its counts always add up to the input.
 *
 * The report is a fold of the upload's events (`collector`), so a run that was interrupted still
 * yields a report of what was done from the events it emitted.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Models from "./Models.js"
import type { UploadEvent } from "./UploadEvent.js"

/**
 * An error as the report keeps it: its tag and its message.
 *
 * @since 0.1.0
 * @category models
 */
export class ErrorSummary extends Schema.Class<ErrorSummary>("ErrorSummary")({
  tag: Schema.String,
  message: Schema.String
}) {}

const summary = (error: { readonly _tag: string; readonly message: string }): ErrorSummary =>
  new ErrorSummary({ tag: error._tag, message: error.message })

/**
 * A file's ingestion state, from the session's file list after waiting.
 *
 * @since 0.1.0
 * @category models
 */
export class FileIngestion extends Schema.Class<FileIngestion>("FileIngestion")({
  status: Models.IngestionStatus,
  reason: Schema.optional(Models.IngestionStatusReason)
}) {}

/**
 * One source of the input.
 *
 * - `index`: its position in the input; `input`: its name as given; `name`: the safe name it is stored
 *   under (or the input name when it has none);
 * - `status`: `"uploaded"` when the document reached S3, `"failed"` otherwise, with `error`;
 * - `bytes`: the document's size when uploaded, else 0;
 * - `metaUploaded`: present when the source had metadata, whether its companion reached S3;
 * - `ingestion`: after waiting, what the session's file list says about it.
 *
 * @since 0.1.0
 * @category models
 */
export class FileReport extends Schema.Class<FileReport>("FileReport")({
  index: Schema.Number,
  input: Schema.String,
  name: Schema.String,
  sessionId: Schema.optional(Schema.String),
  status: Schema.Literal("uploaded", "failed"),
  bytes: Schema.Number,
  metaUploaded: Schema.optional(Schema.Boolean),
  error: Schema.optional(ErrorSummary),
  ingestion: Schema.optional(FileIngestion)
}) {}

/**
 * Ingestion counts of a session after waiting; `complete` when finished plus failed reached `expected`,
 * the number of its documents that reached S3.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionIngestion extends Schema.Class<SessionIngestion>("SessionIngestion")({
  expected: Schema.Number,
  finished: Schema.Number,
  failed: Schema.Number
}) {
  /** Whether every uploaded document has finished or failed ingestion. */
  get complete(): boolean {
    return this.finished + this.failed >= this.expected
  }
}

/**
 * One session the upload opened: how many sources went to it, how many documents reached S3, whether it
 * was closed, and, after waiting, its ingestion counts.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionReport extends Schema.Class<SessionReport>("SessionReport")({
  sessionId: Schema.String,
  files: Schema.Number,
  uploaded: Schema.Number,
  closed: Schema.Boolean,
  closeError: Schema.optional(ErrorSummary),
  ingestion: Schema.optional(SessionIngestion),
  ingestionError: Schema.optional(ErrorSummary)
}) {}

/**
 * The report of an upload. `files` is in input order and holds one entry per source.
 *
 * @since 0.1.0
 * @category models
 */
export class UploadReport extends Schema.Class<UploadReport>("UploadReport")({
  sessions: Schema.Array(SessionReport),
  files: Schema.Array(FileReport)
}) {
  /** How many sources the report covers. */
  get total(): number {
    return this.files.length
  }

  /** How many documents reached S3. */
  get uploaded(): number {
    return this.files.reduce((n, file) => file.status === "uploaded" ? n + 1 : n, 0)
  }

  /** How many documents did not reach S3. */
  get failed(): number {
    return this.total - this.uploaded
  }

  /** Whether every document reached S3 and every session was closed. */
  get ok(): boolean {
    return this.failed === 0 && this.sessions.every((session) => session.closed)
  }
}

/**
 * The report of an upload of nothing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: UploadReport = new UploadReport({ sessions: [], files: [] })

/**
 * Builds a report from events one at a time; `Upload.events` uses it for its `Done` event, and callers
 * use it for a run they cut short.
 *
 * @since 0.1.0
 * @category models
 */
export interface Collector {
  readonly add: (event: UploadEvent) => void
  readonly report: () => UploadReport
}

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

/**
 * A fresh {@link Collector}.
 *
 * @example
 * ```ts
 * import { Upload, UploadReport } from "@effect-deepset/sdk"
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 *
 * // Upload for at most a minute, then report what was done.
 * const program = Effect.gen(function*() {
 *   const collector = UploadReport.collector()
 *   yield* Upload.events([{ name: "a.txt", body: "a" }]).pipe(
 *     Stream.interruptWhen(Effect.sleep("1 minute")),
 *     Stream.runForEach((event) => Effect.sync(() => collector.add(event)))
 *   )
 *   return collector.report()
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const collector = (): Collector => {
  const sessions = new Map<string, Mutable<SessionReport>>()
  const files: Array<Mutable<FileReport>> = []
  // Uploaded files by session and name, for ingestion events; built at the first one, as most runs never wait.
  let byName: Map<string, Mutable<FileReport>> | undefined
  const session = (sessionId: string): Mutable<SessionReport> => {
    let found = sessions.get(sessionId)
    if (found === undefined) {
      found = { sessionId, files: 0, uploaded: 0, closed: false }
      sessions.set(sessionId, found)
    }
    return found
  }
  const key = (sessionId: string, name: string) => `${sessionId}/${name}`
  const add = (event: UploadEvent): void => {
    switch (event._tag) {
      case "SessionOpened": {
        session(event.sessionId)
        break
      }
      case "FileUploaded": {
        const target = session(event.sessionId)
        target.files++
        target.uploaded++
        const file: Mutable<FileReport> = {
          index: event.index,
          input: event.input,
          name: event.name,
          sessionId: event.sessionId,
          status: "uploaded",
          bytes: event.bytes
        }
        if (event.meta) file.metaUploaded = true
        files.push(file)
        byName?.set(key(event.sessionId, event.name), file)
        break
      }
      case "FileFailed": {
        const file: Mutable<FileReport> = {
          index: event.index,
          input: event.input,
          name: event.name,
          status: "failed",
          bytes: 0,
          error: summary(event.error)
        }
        if (event.sessionId !== undefined) {
          session(event.sessionId).files++
          file.sessionId = event.sessionId
        }
        if (event.metaUploaded) file.metaUploaded = true
        files.push(file)
        break
      }
      case "SessionClosed": {
        const target = session(event.sessionId)
        target.closed = event.error === undefined
        if (event.error !== undefined) target.closeError = summary(event.error)
        break
      }
      case "IngestionProgress": {
        const { expected, failed, finished } = event
        session(event.sessionId).ingestion = new SessionIngestion({ expected, finished, failed })
        break
      }
      case "IngestionFailed": {
        session(event.sessionId).ingestionError = summary(event.error)
        break
      }
      case "FileIngested": {
        if (byName === undefined) {
          byName = new Map()
          for (const file of files) {
            if (file.status === "uploaded" && file.sessionId !== undefined) {
              byName.set(key(file.sessionId, file.name), file)
            }
          }
        }
        const file = byName.get(key(event.sessionId, event.name))
        if (file !== undefined) {
          file.ingestion = new FileIngestion(
            event.reason === undefined ? { status: event.status } : { status: event.status, reason: event.reason },
            { disableValidation: true }
          )
        }
        break
      }
      case "Done": {
        break
      }
    }
  }
  const report = (): UploadReport =>
    new UploadReport({
      sessions: Array.from(sessions.values(), (s) => new SessionReport(s, { disableValidation: true })),
      files: files.map((f) => new FileReport(f, { disableValidation: true })).sort((a, b) => a.index - b.index)
    }, { disableValidation: true })
  return { add, report }
}

/**
 * The report of a sequence of events.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEvents = (events: Iterable<UploadEvent>): UploadReport => {
  const collect = collector()
  for (const event of events) collect.add(event)
  return collect.report()
}
