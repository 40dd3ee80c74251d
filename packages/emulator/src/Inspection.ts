/**
 * What a test can see of the emulator: the requests it received, the objects it stored, the
 * workspace file index and the sessions. The same shapes are served as JSON under `/_emulator/`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Routes from "./internal/routes.js"

/**
 * The name of the route a request reached; `control` is never logged, `unknown` is a path the
 * emulator does not serve. `uploadFile`, `listFiles`, `getFile` and `getFileMeta` are the files API
 * (`/api/v1/workspaces/{workspace}/files[/{file_id}[/meta]]`).
 *
 * @since 0.1.0
 */
export const RouteName = Schema.Literal(...Routes.served, "unknown")

/**
 * @since 0.1.0
 */
export type RouteName = typeof RouteName.Type

/**
 * One request as received. It never holds a header's value, only the header names and whether an
 * `Authorization` header was present, so that the log can be printed and shared without a secret.
 *
 * @since 0.1.0
 */
export class LoggedRequest extends Schema.Class<LoggedRequest>("LoggedRequest")({
  /** Arrival order, from 1. */
  id: Schema.Number,
  method: Schema.String,
  /** The path as received, still percent-encoded. */
  path: Schema.String,
  /** The raw query string, without `?` (empty when there is none). */
  search: Schema.String,
  /** The decoded query parameters (the last value of a repeated one). */
  query: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** Lower-cased header names, in the order received (a plain array, so assertion libraries take it as is). */
  headerNames: Schema.mutable(Schema.Array(Schema.String)),
  authorization: Schema.Boolean,
  route: RouteName,
  /** The status answered, `undefined` when no answer was written (reset, hang, still running). */
  status: Schema.optional(Schema.Number),
  /** The `_tag` of the fault injected into this request, if any. */
  fault: Schema.optional(Schema.String),
  /** When it arrived, in milliseconds on the emulator's `Clock`. */
  receivedAt: Schema.Number
}) {}

/**
 * An object stored through the S3 endpoint, or posted to the files API.
 *
 * @since 0.1.0
 */
export class StoredObject extends Schema.Class<StoredObject>("StoredObject")({
  /** The upload session; empty for a file posted to the files API. */
  sessionId: Schema.String,
  workspace: Schema.String,
  /**
   * The full S3 key, `<org>/<workspace id>/<session id>/<filename>`; for a file posted to the files
   * API, `<org>/<workspace id>/files/<file id>`.
   */
  key: Schema.String,
  /** The file's name as the API lists it: the key below the session prefix, percent-decoded. */
  filename: Schema.String,
  /** The `file_ingestion_id` the file is listed under (the `file_id` for the files API). */
  fileIngestionId: Schema.String,
  size: Schema.Number,
  sha256: Schema.String,
  /**
   * Where the bytes are on disk. Absent for a document made by `seedSession`, which has no bytes
   * (its size and hashes are those of the one byte `x`).
   */
  path: Schema.optional(Schema.String),
  /** The text of a `.meta.json` upload (when under 1 MiB), or the `meta` part of a files-API upload. */
  meta: Schema.optional(Schema.String),
  uploadedAt: Schema.Number
}) {}

/**
 * A document that ingestion accepted into a workspace, or that the files API stored.
 *
 * @since 0.1.0
 */
export class WorkspaceFile extends Schema.Class<WorkspaceFile>("WorkspaceFile")({
  name: Schema.String,
  /** Its `file_ingestion_id`, which is also its `file_id` in the files API. */
  fileIngestionId: Schema.String,
  /** The session it came through; empty for a file posted to the files API. */
  sessionId: Schema.String,
  size: Schema.Number,
  sha256: Schema.String,
  /** The parsed metadata object, when the document came with one. */
  meta: Schema.optional(Schema.Unknown),
  ingestedAt: Schema.Number
}) {}

/**
 * A session as the emulator holds it.
 *
 * @since 0.1.0
 */
export class SessionInfo extends Schema.Class<SessionInfo>("SessionInfo")({
  sessionId: Schema.String,
  workspace: Schema.String,
  writeMode: Schema.Literal("KEEP", "OVERWRITE", "FAIL"),
  /** `parallel_processing_enabled` as given on create (false when absent): ingestion takes a few files at a time. */
  parallelProcessingEnabled: Schema.Boolean,
  status: Schema.Literal("OPEN", "CLOSED", "EXPIRED"),
  createdAt: Schema.Number,
  expiresAt: Schema.Number,
  /** When it was closed or expired, that is when its ingestion started. */
  endedAt: Schema.optional(Schema.Number),
  /** When the last file of its ingestion settles (set once closed or expired): its ingestion is done from then on. */
  ingestedAt: Schema.optional(Schema.Number),
  /** Uploads stored, metadata files included (what the file limit counts). */
  uploads: Schema.Number,
  finishedFiles: Schema.Number,
  failedFiles: Schema.Number
}) {}
