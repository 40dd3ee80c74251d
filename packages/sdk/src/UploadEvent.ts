/**
 * The progress of an upload, as the events of `Upload.events`: sessions opened and closed, each file
 * uploaded or failed, ingestion progress, and finally `Done`. The report is the fold of the events:
 * `UploadReport.sink` (or `UploadReport.fromEvents`), also when a run was cut short. The run itself keeps no
 * report, so a consumer that writes each file's outcome as it comes holds no more than the files in flight.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as DateTime from "effect/DateTime"
import type * as Errors from "./Errors.js"
import type * as Models from "./Models.js"
import type { IngestionTimeoutError } from "./UploadErrors.js"
import type * as UploadErrors from "./UploadErrors.js"

/**
 * One step of an upload.
 *
 * - `SessionOpened`: a session was created; files go to it until it is full.
 * - `SessionPossiblyCreated`: a try to create a session failed in a way that leaves open whether the service
 *   created it anyway (a timeout, a reset, a 5xx; `error`). Such a session holds no files, so closing or
 *   expiring it ingests nothing, but it stays in the workspace's open sessions until then. `willRetry` when
 *   the run tries again. Failures that prove nothing was created (a 401, an unknown workspace) have no event:
 *   they fail the files, or the run with `failFast`.
 * - `FileUploaded`: a document (and its metadata companion, if it has one) reached S3.
 * - `FileFailed`: a document did not reach S3; `error` says why. `metaUploaded` tells whether its
 *   companion was stored before the document failed (companions go first, so a document never lands
 *   without its metadata).
 * - `BytesSent`: with the `progress` option, the bytes of documents sent so far by the run, counted as
 *   they go out (files in flight included; an attempt that failed takes its bytes back). At most one per
 *   interval, and only when the count changed; the files' own events still say when a file lands.
 * - `FileSkipped`: a source marked `skip` (an entry of a folder that cannot or must not be uploaded, see
 *   `UploadSource.fromPaths`) was not sent; `reason` says why. No session is opened for it.
 * - `SessionClosed`: the session was closed (ingestion starts), or closing failed (`error`).
 * - `IngestionProgress`: counts from polling a closed session's status.
 * - `IngestionFailed`: waiting for a session's ingestion ended without an answer (timeout, API error).
 * - `FileIngested`: a file's final ingestion state, after waiting: one per document the session's file list
 *   holds (its name as listed, which may match no file of the run if the store changed it).
 * - `IngestionDone`: waiting for a session ended, its file list read in full or not (an `IngestionFailed`
 *   before it says why); every `FileIngested` of the session came before it. A file of the session that
 *   reached S3 and has no `FileIngested` by then is reported with an unknown ingestion state. A run stopped
 *   or interrupted while waiting emits none for the sessions it did not finish waiting for.
 * - `Done`: the last event: the run ended, its sessions closed (and waited for, with `wait`).
 *
 * @since 0.1.0
 * @category models
 */
export type UploadEvent = Data.TaggedEnum<{
  SessionOpened: {
    readonly sessionId: string
    readonly expiresAt: DateTime.Utc
  }
  SessionPossiblyCreated: {
    readonly error: Errors.CreateError
    readonly willRetry: boolean
  }
  FileUploaded: {
    /** The source's position in the input. */
    readonly index: number
    /** The name as given. */
    readonly input: string
    /** The safe name it is stored under. */
    readonly name: string
    readonly sessionId: string
    /** The document's size; its companion is not counted. */
    readonly bytes: number
    /** Whether a metadata companion was uploaded with it. */
    readonly meta: boolean
  }
  FileFailed: {
    readonly index: number
    readonly input: string
    /** The safe name, or the input name when it has no safe form. */
    readonly name: string
    /** The session it was meant for; absent when none could be opened for it. */
    readonly sessionId: string | undefined
    readonly error: UploadErrors.FileError
    readonly metaUploaded: boolean
  }
  BytesSent: {
    /** Document bytes sent so far, of attempts in flight or done; companions are not counted. */
    readonly bytes: number
  }
  FileSkipped: {
    readonly index: number
    /** The name as given (for an entry of a folder, its path). */
    readonly input: string
    /** Why it was not sent, e.g. `"symbolic link loop"` or `"not a regular file: FIFO"`. */
    readonly reason: string
  }
  SessionClosed: {
    readonly sessionId: string
    /** Sources that went to this session, uploaded or failed. */
    readonly files: number
    /** Documents of this session that reached S3. */
    readonly uploaded: number
    readonly error: Errors.CloseError | undefined
  }
  IngestionProgress: {
    readonly sessionId: string
    readonly expected: number
    readonly finished: number
    readonly failed: number
  }
  IngestionFailed: {
    readonly sessionId: string
    readonly error: IngestionTimeoutError | Errors.GetStatusError | Errors.GetFilesError
  }
  FileIngested: {
    readonly sessionId: string
    readonly name: string
    readonly status: Models.IngestionStatus
    readonly reason: Models.IngestionStatusReason | undefined
  }
  IngestionDone: {
    readonly sessionId: string
  }
  Done: {}
}>

/**
 * Constructors, guards and `$match` for {@link UploadEvent}.
 *
 * @example
 * ```ts
 * import { UploadEvent } from "@effect-deepset/sdk"
 *
 * const describe = UploadEvent.UploadEvent.$match({
 *   SessionOpened: (e) => `opened ${e.sessionId}`,
 *   SessionPossiblyCreated: (e) => `a session may exist unseen: ${e.error.message}`,
 *   FileUploaded: (e) => `uploaded ${e.name} (${e.bytes} bytes)`,
 *   FileFailed: (e) => `failed ${e.name}: ${e.error.message}`,
 *   BytesSent: (e) => `${e.bytes} bytes sent`,
 *   FileSkipped: (e) => `skipped ${e.input}: ${e.reason}`,
 *   SessionClosed: (e) => `closed ${e.sessionId}`,
 *   IngestionProgress: (e) => `${e.finished + e.failed}/${e.expected} ingested`,
 *   IngestionFailed: (e) => e.error.message,
 *   FileIngested: (e) => `${e.name}: ${e.status}`,
 *   IngestionDone: (e) => `waited for ${e.sessionId}`,
 *   Done: () => "done"
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const UploadEvent = Data.taggedEnum<UploadEvent>()

/**
 * Whether a value is an event of the given tag (`UploadEvent.$is("FileUploaded")(event)`).
 *
 * @since 0.1.0
 * @category guards
 */
export const $is: typeof UploadEvent.$is = UploadEvent.$is

/**
 * Matches an event by its tag, every tag handled (`UploadEvent.$match(event, { FileUploaded: … })`).
 *
 * @since 0.1.0
 * @category pattern matching
 */
export const $match: typeof UploadEvent.$match = UploadEvent.$match
