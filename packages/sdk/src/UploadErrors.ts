/**
 * The errors of the upload workflow: bad inputs (found before anything is sent), failures of single
 * files (S3's answer, an unreadable source, an expired session), and waiting that ran out of time.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import type * as Errors from "./Errors.js"

/**
 * A file name that cannot become a safe S3 key: empty, a directory name, too long, or a name reserved
 * for metadata companions.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFileNameError
  extends Schema.TaggedError<InvalidFileNameError>("@effect-deepset/sdk/InvalidFileNameError")("InvalidFileNameError", {
    name: Schema.String,
    reason: Schema.String
  })
{
  override get message(): string {
    return `Cannot upload ${JSON.stringify(this.name)}: ${this.reason}`
  }
}

/**
 * Two inputs that would be stored under the same name (after taking the base name and making it safe),
 * which would silently overwrite or fail one of them.
 *
 * @since 0.1.0
 * @category errors
 */
export class FileNameConflictError
  extends Schema.TaggedError<FileNameConflictError>("@effect-deepset/sdk/FileNameConflictError")(
    "FileNameConflictError",
    {
      name: Schema.String,
      first: Schema.String,
      second: Schema.String
    }
  )
{
  override get message(): string {
    return `${JSON.stringify(this.first)} and ${JSON.stringify(this.second)} would both be stored as ${
      JSON.stringify(this.name)
    }`
  }
}

/**
 * A `x.meta.json` companion whose document `x` is not among the inputs.
 *
 * @since 0.1.0
 * @category errors
 */
export class OrphanMetaError
  extends Schema.TaggedError<OrphanMetaError>("@effect-deepset/sdk/OrphanMetaError")("OrphanMetaError", {
    path: Schema.String,
    document: Schema.String
  })
{
  override get message(): string {
    return `${this.path} is a metadata companion, but its document ${this.document} is not among the inputs`
  }
}

/**
 * A source whose bytes could not be read as promised: a missing or unreadable file, a directory given as
 * a file, a file or stream whose size changed while it was being sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class SourceReadError
  extends Schema.TaggedError<SourceReadError>("@effect-deepset/sdk/SourceReadError")("SourceReadError", {
    name: Schema.String,
    path: Schema.optional(Schema.String),
    reason: Schema.String
  })
{
  override get message(): string {
    return `Cannot read ${this.path ?? JSON.stringify(this.name)}: ${this.reason}`
  }
}

/**
 * Inputs rejected before anything was sent, each with its own error.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidSourcesError
  extends Schema.TaggedError<InvalidSourcesError>("@effect-deepset/sdk/InvalidSourcesError")("InvalidSourcesError", {
    errors: Schema.NonEmptyArray(
      Schema.Union(InvalidFileNameError, FileNameConflictError, OrphanMetaError, SourceReadError)
    )
  })
{
  override get message(): string {
    const shown = this.errors.slice(0, 5).map((error) => error.message).join("; ")
    const more = this.errors.length > 5 ? `; and ${this.errors.length - 5} more` : ""
    const count = this.errors.length === 1 ? "1 problem" : `${this.errors.length} problems`
    return `Nothing was uploaded, ${count} with the inputs: ${shown}${more}`
  }
}

/**
 * S3 refused an upload. `code` and `detail` come from S3's XML error body (`<Code>`, `<Message>`);
 * where the body is not S3's XML, `code` is `"Unknown"` and `detail` an excerpt of the body.
 *
 * @since 0.1.0
 * @category errors
 */
export class S3Error extends Schema.TaggedError<S3Error>("@effect-deepset/sdk/S3Error")("S3Error", {
  status: Schema.Number,
  code: Schema.String,
  detail: Schema.String,
  fileName: Schema.String,
  url: Schema.String
}) {
  override get message(): string {
    return `S3 refused ${JSON.stringify(this.fileName)} with ${this.status} ${this.code}${
      this.detail.length > 0 ? `: ${this.detail}` : ""
    } (POST ${this.url})`
  }
}

/**
 * The session expired before a file could be sent to it; the file was not uploaded.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionExpiredError
  extends Schema.TaggedError<SessionExpiredError>("@effect-deepset/sdk/SessionExpiredError")("SessionExpiredError", {
    sessionId: Schema.String,
    expiresAt: Schema.DateTimeUtcFromSelf,
    fileName: Schema.String
  })
{
  override get message(): string {
    return `Session ${this.sessionId} expired at ${this.expiresAt.toString()}; ${
      JSON.stringify(this.fileName)
    } was not uploaded`
  }
}

/**
 * A file sent to a session that already holds as many files as it accepts.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionFullError
  extends Schema.TaggedError<SessionFullError>("@effect-deepset/sdk/SessionFullError")("SessionFullError", {
    sessionId: Schema.String,
    limit: Schema.Number,
    fileName: Schema.String
  })
{
  override get message(): string {
    return `Session ${this.sessionId} already holds ${this.limit} files; ${JSON.stringify(this.fileName)} was not sent`
  }
}

/**
 * A file sent to a session that is already closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionClosedError
  extends Schema.TaggedError<SessionClosedError>("@effect-deepset/sdk/SessionClosedError")("SessionClosedError", {
    sessionId: Schema.String,
    fileName: Schema.String
  })
{
  override get message(): string {
    return `Session ${this.sessionId} is closed; ${JSON.stringify(this.fileName)} was not sent`
  }
}

/**
 * A file larger than the session accepts (the presigned policy's `content-length-range`, 5 GiB on S3): it
 * fails before any of its bytes is sent, instead of after all of them with S3's `EntityTooLarge`.
 *
 * @since 0.1.0
 * @category errors
 */
export class FileTooLargeError
  extends Schema.TaggedError<FileTooLargeError>("@effect-deepset/sdk/FileTooLargeError")("FileTooLargeError", {
    fileName: Schema.String,
    size: Schema.Number,
    limit: Schema.Number
  })
{
  override get message(): string {
    return `${JSON.stringify(this.fileName)} is ${this.size} bytes, over the session's limit of ${this.limit} bytes; ` +
      "it was not sent"
  }
}

/**
 * The service stopped answering: `failures` files in a row failed with a transport error or a timeout
 * after their retries, and a short probe of the API failed too. The run sends nothing more; the files
 * it had not sent fail with this error (or, with `failFast`, the run fails with it).
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnreachableError
  extends Schema.TaggedError<ServiceUnreachableError>("@effect-deepset/sdk/ServiceUnreachableError")(
    "ServiceUnreachableError",
    {
      failures: Schema.Number,
      lastError: Schema.String
    }
  )
{
  override get message(): string {
    return `The service stopped answering: ${this.failures} uploads in a row failed (last: ${this.lastError}), ` +
      `and the API did not answer a probe either; nothing more was sent`
  }
}

/**
 * Ingestion did not finish in time. Carries the last counts seen.
 *
 * @since 0.1.0
 * @category errors
 */
export class IngestionTimeoutError
  extends Schema.TaggedError<IngestionTimeoutError>("@effect-deepset/sdk/IngestionTimeoutError")(
    "IngestionTimeoutError",
    {
      sessionId: Schema.String,
      expected: Schema.Number,
      finished: Schema.Number,
      failed: Schema.Number,
      timeout: Schema.DurationFromSelf
    }
  )
{
  override get message(): string {
    return `Ingestion of session ${this.sessionId} did not finish within ${Duration.format(this.timeout)}: ${
      this.finished + this.failed
    } of ${this.expected} files done (${this.finished} finished, ${this.failed} failed)`
  }
}

/**
 * What one attempt to send an object to S3 can fail with; `Upload`'s `s3Retry` schedules are fed these.
 *
 * @since 0.1.0
 * @category errors
 */
export type S3AttemptError =
  | S3Error
  | Errors.TransportError
  | Errors.TimeoutError
  | SourceReadError
  | FileTooLargeError

/**
 * Why one file did not reach S3: S3's refusal, the network, a timeout, an unreadable source, an expired
 * session, a bad name or a name conflict (for sources arriving as a `Stream`, which are checked one by one),
 * the session it was meant for could not be created, or the service stopped answering before it was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export type FileError =
  | S3AttemptError
  | SessionExpiredError
  | SessionFullError
  | SessionClosedError
  | InvalidFileNameError
  | FileNameConflictError
  | ServiceUnreachableError
  | Errors.CreateError
