/**
 * The report of an upload: every session and every file, each file uploaded, failed or skipped with the
 * reason, and, after waiting, each file's ingestion state. Its counts always add up to the input.
 *
 * The report is a pure fold of the upload's events (`step`, `sink`), so a run that was interrupted
 * still yields a report of what was done from the events it emitted.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import { identity } from "effect/Function"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as Models from "./Models.js"
import type { UploadEvent } from "./UploadEvent.js"

/**
 * An error as the report keeps it: its tag and its message.
 *
 * @since 0.1.0
 * @category models
 */
export class ErrorSummary extends Schema.Class<ErrorSummary>("@effect-deepset/sdk/ErrorSummary")({
  tag: Schema.String,
  message: Schema.String
}) {}

const summary = (error: { readonly _tag: string; readonly message: string }): ErrorSummary =>
  new ErrorSummary({ tag: error._tag, message: error.message })

/**
 * Why, after waiting, a file that reached S3 has no ingestion state:
 *
 * - `"NOT_LISTED"`: the session's file list, read in full, has no entry under the file's name (the store
 *   may have stored it under another name: see the session's `unmatchedNames`);
 * - `"WAIT_FAILED"`: the wait for the session ended before its file list was read in full (a timeout, an
 *   API error: the session's `ingestionError`).
 *
 * @since 0.1.0
 * @category models
 */
export const UnknownIngestionReason = Schema.Literal("NOT_LISTED", "WAIT_FAILED")

/**
 * @since 0.1.0
 * @category models
 */
export type UnknownIngestionReason = typeof UnknownIngestionReason.Type

/**
 * A file's ingestion state after waiting: what the session's file list says about it (`status` and
 * `reason` as listed), or, when the list said nothing about it, `status` `"UNKNOWN"` with
 * `unknownReason` saying why (an `"UNKNOWN"` without `unknownReason` would be the service's own word).
 *
 * @since 0.1.0
 * @category models
 */
export class FileIngestion extends Schema.Class<FileIngestion>("@effect-deepset/sdk/FileIngestion")({
  status: Schema.Union(Schema.Literal("UNKNOWN"), Models.IngestionStatus),
  reason: Schema.optional(Models.IngestionStatusReason),
  unknownReason: Schema.optional(UnknownIngestionReason)
}) {
  /** Whether the session's file list said nothing about the file: its state is unknown. */
  get unknown(): boolean {
    return this.unknownReason !== undefined
  }
}

/**
 * One source of the input.
 *
 * - `index`: its position in the input; `input`: its name as given; `name`: the safe name it is stored
 *   under (or the input name when it has none);
 * - `status`: `"uploaded"` when the document reached S3; `"skipped"` when it was not meant to be sent (a
 *   source marked `skip`, such as a symbolic link loop or a FIFO found in a folder), with `skipReason`;
 *   `"failed"` otherwise, with `error`;
 * - `bytes`: the document's size when uploaded, else 0;
 * - `metaUploaded`: present when the source had metadata, whether its companion reached S3;
 * - `ingestion`: after waiting, what the session's file list says about it; for a document that reached S3
 *   and is not in that list once the wait ended, an unknown state (`status` `"UNKNOWN"`, `unknownReason`).
 *
 * @since 0.1.0
 * @category models
 */
export class FileReport extends Schema.Class<FileReport>("@effect-deepset/sdk/FileReport")({
  index: Schema.Number,
  input: Schema.String,
  name: Schema.String,
  sessionId: Schema.optional(Schema.String),
  status: Schema.Literal("uploaded", "failed", "skipped"),
  bytes: Schema.Number,
  metaUploaded: Schema.optional(Schema.Boolean),
  error: Schema.optional(ErrorSummary),
  skipReason: Schema.optional(Schema.String),
  ingestion: Schema.optional(FileIngestion)
}) {}

/**
 * Ingestion counts of a session after waiting; `complete` when finished plus failed reached `expected`,
 * the number of its documents that reached S3.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionIngestion extends Schema.Class<SessionIngestion>("@effect-deepset/sdk/SessionIngestion")({
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
 * was closed, and, after waiting, its ingestion counts and `unmatchedNames`: the names its file list held
 * that match no document reported uploaded to it, in the list's order (a name the store changed, or a file
 * whose upload was reported failed but reached the store). Present, maybe empty, once waiting for it ended.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionReport extends Schema.Class<SessionReport>("@effect-deepset/sdk/SessionReport")({
  sessionId: Schema.String,
  files: Schema.Number,
  uploaded: Schema.Number,
  closed: Schema.Boolean,
  closeError: Schema.optional(ErrorSummary),
  ingestion: Schema.optional(SessionIngestion),
  ingestionError: Schema.optional(ErrorSummary),
  unmatchedNames: Schema.optional(Schema.Array(Schema.String))
}) {}

/**
 * The report of an upload. `files` is in input order and holds one entry per source. `possiblyCreated`,
 * present when not 0, counts the tries to create a session that failed in a way that leaves open whether
 * the service created one anyway (a timeout, a reset, a 5xx): the workspace may hold that many empty open
 * sessions the run never learned of. They hold no files, so closing or expiring them ingests nothing
 * (`UploadSessions.streamList` finds them; the CLI's `sessions close --all-open` closes them).
 *
 * @since 0.1.0
 * @category models
 */
export class UploadReport extends Schema.Class<UploadReport>("@effect-deepset/sdk/UploadReport")({
  sessions: Schema.Array(SessionReport),
  files: Schema.Array(FileReport),
  possiblyCreated: Schema.optional(Schema.Number)
}) {
  /** How many sources the report covers. */
  get total(): number {
    return this.files.length
  }

  /** How many documents reached S3. */
  get uploaded(): number {
    return this.files.reduce((n, file) => file.status === "uploaded" ? n + 1 : n, 0)
  }

  /** How many sources were skipped, not meant to be sent (`uploaded + failed + skipped = total`). */
  get skipped(): number {
    return this.files.reduce((n, file) => file.status === "skipped" ? n + 1 : n, 0)
  }

  /** How many documents did not reach S3, skipped ones aside. */
  get failed(): number {
    return this.total - this.uploaded - this.skipped
  }

  /** Whether every document not skipped reached S3 and every session was closed. */
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
 * What the events of a run said so far: the state of the fold that makes the report. Its collections
 * are persistent, so every step returns a new state and leaves the old one as it was.
 *
 * @since 0.1.0
 * @category models
 */
export interface Fold {
  readonly sessions: HashMap.HashMap<string, SessionReport>
  /** Session ids in the order they were first seen. */
  readonly order: Chunk.Chunk<string>
  /** Files by their index in the input. */
  readonly files: HashMap.HashMap<number, FileReport>
  /** The index of each uploaded file by session and name, for its ingestion event. */
  readonly uploaded: HashMap.HashMap<string, number>
  /**
   * By session: the listed names that matched no uploaded file, once its file list is being read or the
   * wait for it ended (`IngestionDone`).
   */
  readonly unmatched: HashMap.HashMap<string, Chunk.Chunk<string>>
  /** Failed tries to create a session after which the service may hold one (`SessionPossiblyCreated`). */
  readonly possiblyCreated: number
}

/**
 * The fold before any event.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial: Fold = {
  sessions: HashMap.empty(),
  order: Chunk.empty(),
  files: HashMap.empty(),
  uploaded: HashMap.empty(),
  unmatched: HashMap.empty(),
  possiblyCreated: 0
}

const trusted = { disableValidation: true } as const

const key = (sessionId: string, name: string) => `${sessionId}/${name}`

/** The fold with the session `sessionId` changed by `f` (a fresh one when it is new). */
const withSession = (fold: Fold, sessionId: string, f: (session: SessionReport) => SessionReport): Fold => {
  const found = HashMap.get(fold.sessions, sessionId)
  const session = Option.getOrElse(found, () => new SessionReport({ sessionId, files: 0, uploaded: 0, closed: false }))
  return {
    ...fold,
    sessions: HashMap.set(fold.sessions, sessionId, f(session)),
    order: Option.isNone(found) ? Chunk.append(fold.order, sessionId) : fold.order
  }
}

const counted = (uploaded: number) => (session: SessionReport) =>
  new SessionReport({ ...session, files: session.files + 1, uploaded: session.uploaded + uploaded }, trusted)

/**
 * One step of the fold: the state after `event`.
 *
 * @since 0.1.0
 * @category folding
 */
export const step = (fold: Fold, event: UploadEvent): Fold => {
  switch (event._tag) {
    case "SessionOpened":
      return withSession(fold, event.sessionId, identity)
    case "SessionPossiblyCreated":
      return { ...fold, possiblyCreated: fold.possiblyCreated + 1 }
    case "FileUploaded": {
      const { bytes, index, input, name, sessionId } = event
      const file = new FileReport({
        index,
        input,
        name,
        sessionId,
        status: "uploaded",
        bytes,
        ...(event.meta ? { metaUploaded: true } : {})
      }, trusted)
      const next = withSession(fold, sessionId, counted(1))
      return {
        ...next,
        files: HashMap.set(next.files, index, file),
        uploaded: HashMap.set(next.uploaded, key(sessionId, name), index)
      }
    }
    case "FileFailed": {
      const { index, input, name, sessionId } = event
      const file = new FileReport({
        index,
        input,
        name,
        status: "failed",
        bytes: 0,
        error: summary(event.error),
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(event.metaUploaded ? { metaUploaded: true } : {})
      }, trusted)
      const next = sessionId === undefined ? fold : withSession(fold, sessionId, counted(0))
      return { ...next, files: HashMap.set(next.files, index, file) }
    }
    case "FileSkipped": {
      const { index, input } = event
      const file = new FileReport({
        index,
        input,
        name: input,
        status: "skipped",
        bytes: 0,
        skipReason: event.reason
      }, trusted)
      return { ...fold, files: HashMap.set(fold.files, index, file) }
    }
    case "SessionClosed": {
      const error = event.error
      return withSession(fold, event.sessionId, (session) =>
        new SessionReport({
          ...session,
          closed: error === undefined,
          ...(error === undefined ? {} : { closeError: summary(error) })
        }, trusted))
    }
    case "IngestionProgress": {
      const { expected, failed, finished } = event
      return withSession(
        fold,
        event.sessionId,
        (session) =>
          new SessionReport({ ...session, ingestion: new SessionIngestion({ expected, finished, failed }) }, trusted)
      )
    }
    case "IngestionFailed":
      return withSession(
        fold,
        event.sessionId,
        (session) => new SessionReport({ ...session, ingestionError: summary(event.error) }, trusted)
      )
    case "FileIngested": {
      const index = HashMap.get(fold.uploaded, key(event.sessionId, event.name))
      const file = Option.flatMap(index, (index) => HashMap.get(fold.files, index))
      if (Option.isNone(file)) {
        const names = Option.getOrElse(HashMap.get(fold.unmatched, event.sessionId), () => Chunk.empty<string>())
        return { ...fold, unmatched: HashMap.set(fold.unmatched, event.sessionId, Chunk.append(names, event.name)) }
      }
      const ingestion = new FileIngestion(
        event.reason === undefined ? { status: event.status } : { status: event.status, reason: event.reason },
        trusted
      )
      return {
        ...fold,
        files: HashMap.set(fold.files, file.value.index, new FileReport({ ...file.value, ingestion }, trusted))
      }
    }
    case "IngestionDone": {
      // Every listed file has had its event: an uploaded file of the session without one is unknown, and
      // why depends on whether the list was read in full.
      const { sessionId } = event
      const failed = Option.exists(HashMap.get(fold.sessions, sessionId), (s) => s.ingestionError !== undefined)
      const ingestion = new FileIngestion(
        { status: "UNKNOWN", unknownReason: failed ? "WAIT_FAILED" : "NOT_LISTED" },
        trusted
      )
      const files = HashMap.mutate(fold.files, (files) => {
        for (const file of HashMap.values(fold.files)) {
          if (file.sessionId === sessionId && file.status === "uploaded" && file.ingestion === undefined) {
            HashMap.set(files, file.index, new FileReport({ ...file, ingestion }, trusted))
          }
        }
      })
      const unmatched = HashMap.has(fold.unmatched, sessionId)
        ? fold.unmatched
        : HashMap.set(fold.unmatched, sessionId, Chunk.empty<string>())
      return { ...fold, files, unmatched }
    }
    case "BytesSent":
    case "Done":
      return fold
  }
}

/**
 * The report the fold stands for: sessions in the order they were first seen, files in input order.
 *
 * @since 0.1.0
 * @category folding
 */
export const fromFold = (fold: Fold): UploadReport =>
  new UploadReport({
    sessions: Chunk.toReadonlyArray(Chunk.map(fold.order, (id) => {
      const session = Option.getOrThrow(HashMap.get(fold.sessions, id))
      return Option.match(HashMap.get(fold.unmatched, id), {
        onNone: () => session,
        onSome: (names) => new SessionReport({ ...session, unmatchedNames: Chunk.toReadonlyArray(names) }, trusted)
      })
    })),
    files: Array.from(HashMap.values(fold.files)).sort((a, b) => a.index - b.index),
    ...(fold.possiblyCreated === 0 ? {} : { possiblyCreated: fold.possiblyCreated })
  }, trusted)

/**
 * The report of a sequence of events.
 *
 * @since 0.1.0
 * @category folding
 */
export const fromEvents = (events: Iterable<UploadEvent>): UploadReport => {
  let fold = initial
  for (const event of events) fold = step(fold, event)
  return fromFold(fold)
}

/**
 * The report of a stream of events, as a `Sink`: what `Upload.files` returns, also for a run cut short (the
 * sink folds whatever events reached it).
 *
 * @example
 * ```ts
 * import { Upload, UploadReport } from "@effect-deepset/sdk"
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 *
 * // Upload for at most a minute, then report what was done.
 * const program = Upload.events([{ name: "a.txt", body: "a" }]).pipe(
 *   Stream.interruptWhen(Effect.sleep("1 minute")),
 *   Stream.run(UploadReport.sink)
 * )
 * ```
 *
 * @since 0.1.0
 * @category folding
 */
export const sink: Sink.Sink<UploadReport, UploadEvent> = Sink.map(Sink.foldLeft(initial, step), fromFold)
