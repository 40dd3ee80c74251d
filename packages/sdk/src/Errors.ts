/**
 * The typed failures of the SDK. Every error that comes from a request carries the request's `method`
 * and `url` (without credentials) and has a readable `message`; none ever holds the API key. Bodies
 * the server sent back are kept only as a bounded excerpt.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ValidationDetail } from "./Models.js"

/**
 * The most bytes of a response body an error keeps (and the SDK reads) when a request fails.
 *
 * @since 0.1.0
 * @category constants
 */
export const bodyExcerptBytes = 1024

const request = {
  /** The HTTP method of the failed request. */
  method: Schema.String,
  /** The URL of the failed request, without credentials. */
  url: Schema.String
}

/** At most {@link bodyExcerptBytes} of what the server answered, as text. */
const body = Schema.String

const OptionalDuration = Schema.OptionFromSelf(Schema.DurationFromSelf)

// Messages stay on one line and short; the full excerpt remains available in `body`.
const MESSAGE_EXCERPT_CHARS = 200

const excerptSuffix = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  if (flat === "") return ""
  return `: ${flat.length > MESSAGE_EXCERPT_CHARS ? `${flat.slice(0, MESSAGE_EXCERPT_CHARS)}…` : flat}`
}

const retryAfterSuffix = (retryAfter: Option.Option<Duration.Duration>): string =>
  Option.match(retryAfter, {
    onNone: () => "",
    onSome: (duration) => ` (retry after ${Duration.format(duration)})`
  })

/**
 * 404: the workspace or session does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends Schema.TaggedError<NotFoundError>("@effect-deepset/sdk/NotFoundError")(
  "NotFoundError",
  { ...request, body }
) {
  override get message(): string {
    return `Not found (404): ${this.method} ${this.url}${excerptSuffix(this.body)}`
  }
}

/**
 * 422: the API rejected the request's parameters; `details` holds what it said, field by field.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Schema.TaggedError<ValidationError>("@effect-deepset/sdk/ValidationError")(
  "ValidationError",
  { ...request, details: Schema.Array(ValidationDetail), body }
) {
  override get message(): string {
    const details = this.details.map((detail) =>
      detail.loc.length === 0 ? detail.msg : `${detail.loc.join(".")}: ${detail.msg}`
    )
    const what = details.length === 0 ? excerptSuffix(this.body) : `: ${details.join("; ")}`
    return `Validation failed (422): ${this.method} ${this.url}${what}`
  }
}

/**
 * 415: the API did not accept the request body's media type.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedMediaTypeError
  extends Schema.TaggedError<UnsupportedMediaTypeError>("@effect-deepset/sdk/UnsupportedMediaTypeError")(
    "UnsupportedMediaTypeError",
    { ...request, body }
  )
{
  override get message(): string {
    return `Unsupported media type (415): ${this.method} ${this.url}${excerptSuffix(this.body)}`
  }
}

/**
 * 401 or 403: the API key is missing, wrong, expired, or lacks access to the workspace.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError
  extends Schema.TaggedError<AuthenticationError>("@effect-deepset/sdk/AuthenticationError")(
    "AuthenticationError",
    { ...request, status: Schema.Literal(401, 403), body }
  )
{
  override get message(): string {
    const what = this.status === 401 ? "the API key was not accepted" : "the API key has no access"
    return `Authentication failed (${this.status}, ${what}): ${this.method} ${this.url}${excerptSuffix(this.body)}`
  }
}

/**
 * 429: too many requests. `retryAfter` is the server's `Retry-After`, parsed (seconds or HTTP date).
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitedError extends Schema.TaggedError<RateLimitedError>("@effect-deepset/sdk/RateLimitedError")(
  "RateLimitedError",
  { ...request, retryAfter: OptionalDuration, body }
) {
  override get message(): string {
    return `Rate limited (429)${retryAfterSuffix(this.retryAfter)}: ${this.method} ${this.url}${
      excerptSuffix(this.body)
    }`
  }
}

/**
 * 5xx: the API failed. `retryAfter` is set when the server said when to come back (typically 503).
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>("@effect-deepset/sdk/ServerError")(
  "ServerError",
  { ...request, status: Schema.Int, retryAfter: OptionalDuration, body }
) {
  override get message(): string {
    return `Server error (${this.status})${retryAfterSuffix(this.retryAfter)}: ${this.method} ${this.url}${
      excerptSuffix(this.body)
    }`
  }
}

/**
 * Any other status the operation does not expect (for example 400, 408 or a redirect).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatusError
  extends Schema.TaggedError<UnexpectedStatusError>("@effect-deepset/sdk/UnexpectedStatusError")(
    "UnexpectedStatusError",
    { ...request, status: Schema.Int, body }
  )
{
  override get message(): string {
    return `Unexpected status ${this.status}: ${this.method} ${this.url}${excerptSuffix(this.body)}`
  }
}

/**
 * The request did not complete: connection refused or reset, DNS failure, TLS failure, body cut off.
 * `code` is the system error code when there is one (`ECONNREFUSED`, `ECONNRESET`, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@effect-deepset/sdk/TransportError")(
  "TransportError",
  {
    ...request,
    reason: Schema.Literal("Transport", "Encode", "InvalidUrl"),
    code: Schema.optional(Schema.String),
    description: Schema.String
  }
) {
  /**
   * Whether the connection was refused, that is, the request provably never reached the server.
   *
   * @since 0.1.0
   */
  get connectionRefused(): boolean {
    return this.code === "ECONNREFUSED"
  }

  override get message(): string {
    const code = this.code === undefined ? "" : ` [${this.code}]`
    return `Transport error${code}: ${this.method} ${this.url}: ${this.description}`
  }
}

/**
 * One attempt took longer than the client's per-attempt `timeout` (response and body included).
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>("@effect-deepset/sdk/TimeoutError")(
  "TimeoutError",
  { ...request, timeout: Schema.DurationFromSelf }
) {
  override get message(): string {
    return `Timed out after ${Duration.format(this.timeout)}: ${this.method} ${this.url}`
  }
}

/**
 * A successful answer whose body is not what the contract says: malformed JSON or a schema mismatch.
 * `body` is a bounded excerpt of what arrived.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("@effect-deepset/sdk/DecodeError")(
  "DecodeError",
  { ...request, status: Schema.Int, description: Schema.String, body }
) {
  override get message(): string {
    return `Could not decode the ${this.status} answer of ${this.method} ${this.url}: ${this.description}`
  }
}

/**
 * A bad argument, found before anything was sent: an empty id, a non-positive `limit`, no workspace
 * given and none configured.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInputError extends Schema.TaggedError<InvalidInputError>("@effect-deepset/sdk/InvalidInputError")(
  "InvalidInputError",
  { operation: Schema.String, field: Schema.String, description: Schema.String }
) {
  override get message(): string {
    return `Invalid input to ${this.operation}: ${this.field} ${this.description} (nothing was sent)`
  }
}

/**
 * The client's configuration is unusable (for example a plain-http base URL to a remote host); raised
 * when the `DeepsetClient` layer is built.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigurationError
  extends Schema.TaggedError<ConfigurationError>("@effect-deepset/sdk/ConfigurationError")(
    "ConfigurationError",
    { option: Schema.String, description: Schema.String }
  )
{
  override get message(): string {
    return `Invalid DeepsetClient configuration (${this.option}): ${this.description}`
  }
}

/**
 * Every failure of a request that was attempted: what a retry policy sees as its input. That is each
 * {@link CommonError} but {@link InvalidInputError} (found before anything is sent), and the failures
 * only some operations meet.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiError =
  | Exclude<CommonError, InvalidInputError>
  | NotFoundError
  | ValidationError
  | UnsupportedMediaTypeError
  | DecodeError

/**
 * Failures every operation can meet, whatever it does.
 *
 * @since 0.1.0
 * @category models
 */
export type CommonError =
  | AuthenticationError
  | RateLimitedError
  | ServerError
  | UnexpectedStatusError
  | TransportError
  | TimeoutError
  | InvalidInputError

/**
 * Failures of `UploadSessions.create` (404: the workspace does not exist).
 *
 * @since 0.1.0
 * @category models
 */
export type CreateError = CommonError | NotFoundError | UnsupportedMediaTypeError | ValidationError | DecodeError

/**
 * Failures of `UploadSessions.close` (no body is decoded, so no `DecodeError`).
 *
 * @since 0.1.0
 * @category models
 */
export type CloseError = CommonError | NotFoundError | ValidationError

/**
 * Failures of `UploadSessions.getStatus`.
 *
 * @since 0.1.0
 * @category models
 */
export type GetStatusError = CommonError | NotFoundError | ValidationError | DecodeError

/**
 * Failures of `UploadSessions.getFiles` and `UploadSessions.streamFiles`.
 *
 * @since 0.1.0
 * @category models
 */
export type GetFilesError = CommonError | NotFoundError | ValidationError | DecodeError

/**
 * Failures of `UploadSessions.list` and `UploadSessions.streamList` (404: the workspace does not exist).
 *
 * @since 0.1.0
 * @category models
 */
export type ListError = CommonError | NotFoundError | ValidationError | DecodeError
