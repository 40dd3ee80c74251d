/**
 * The data the upload-session API exchanges, as `effect/Schema` classes: camelCase in TypeScript,
 * snake_case on the wire.
 *
 * Two rules shape every model here:
 * - enums are open: a value this SDK does not know yet (a new ingestion reason, a new status) is kept
 *   as an {@link Unrecognized} string instead of failing the whole page;
 * - date-times are decoded into `DateTime.Utc`, and a date-time without a zone designator is UTC.
 *
 * @since 0.1.0
 */
import type * as Brand from "effect/Brand"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { parseIsoUtc } from "./internal/dateTime.js"

/**
 * A wire value of an open enum that this version of the SDK does not know. It is still a string, so it
 * can be logged or compared, but it is branded so that it never mixes with the known literals.
 *
 * @since 0.1.0
 * @category models
 */
export type Unrecognized<Name extends string> = string & Brand.Brand<`@effect-deepset/sdk/Unrecognized${Name}`>

/**
 * The schema of an open enum and of its known values. Every string decodes (no `Union`: a page of
 * files decodes its two enums per item, so a plain string check plus a guard is what it costs), the
 * known values as their literals and anything else as an {@link Unrecognized} string; the wire form is
 * the string itself.
 */
const openEnum = <const Name extends string, const Literals extends readonly [string, ...Array<string>]>(
  name: Name,
  literals: Literals
) => {
  const known = Schema.Literal(...literals)
  const open = Schema.String.pipe(
    // Always true: the guard only tells the type system that an unknown value is branded.
    Schema.filter((_value): _value is Literals[number] | Unrecognized<Name> => true)
  ).annotations({
    identifier: name,
    arbitrary: () => (fc) => fc.oneof(fc.constantFrom(...literals), fc.string())
  })
  return { known, open }
}

const WriteModes = openEnum("WriteMode", ["KEEP", "OVERWRITE", "FAIL"])
const IngestionStatuses = openEnum("IngestionStatus", ["PENDING", "FAILED", "FINISHED"])
const IngestionStatusReasons = openEnum("IngestionStatusReason", [
  "EMPTY_FILE",
  "FILE_NOT_FOUND",
  "FAILED_TO_PARSE_META",
  "FILE_ALREADY_EXISTS",
  "UNKNOWN_ERROR"
])
const SessionStatuses = openEnum("SessionStatus", ["OPEN", "CLOSED", "EXPIRED"])

/**
 * How a session treats a file whose name already exists in the workspace.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KnownWriteMode = WriteModes.known

/**
 * @since 0.1.0
 * @category models
 */
export type KnownWriteMode = typeof KnownWriteMode.Type

/**
 * The write mode as it comes back from the API: one of {@link KnownWriteMode} or an unrecognized value.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WriteMode = WriteModes.open

/**
 * @since 0.1.0
 * @category models
 */
export type WriteMode = typeof WriteMode.Type

/**
 * Ingestion states of a file in a session; also the filter of `UploadSessions.getFiles`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KnownIngestionStatus = IngestionStatuses.known

/**
 * @since 0.1.0
 * @category models
 */
export type KnownIngestionStatus = typeof KnownIngestionStatus.Type

/**
 * The ingestion state as it comes back from the API (open enum).
 *
 * @since 0.1.0
 * @category schemas
 */
export const IngestionStatus = IngestionStatuses.open

/**
 * @since 0.1.0
 * @category models
 */
export type IngestionStatus = typeof IngestionStatus.Type

/**
 * Why a file failed to ingest (known values).
 *
 * @since 0.1.0
 * @category schemas
 */
export const KnownIngestionStatusReason = IngestionStatusReasons.known

/**
 * @since 0.1.0
 * @category models
 */
export type KnownIngestionStatusReason = typeof KnownIngestionStatusReason.Type

/**
 * Why a file failed to ingest, as it comes back from the API (open enum).
 *
 * @since 0.1.0
 * @category schemas
 */
export const IngestionStatusReason = IngestionStatusReasons.open

/**
 * @since 0.1.0
 * @category models
 */
export type IngestionStatusReason = typeof IngestionStatusReason.Type

/**
 * Session states (known values).
 *
 * @since 0.1.0
 * @category schemas
 */
export const KnownSessionStatus = SessionStatuses.known

/**
 * @since 0.1.0
 * @category models
 */
export type KnownSessionStatus = typeof KnownSessionStatus.Type

/**
 * A session's state as it comes back from the API (open enum; only some deployments send it).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SessionStatus = SessionStatuses.open

/**
 * @since 0.1.0
 * @category models
 */
export type SessionStatus = typeof SessionStatus.Type

/**
 * An ISO 8601 date-time string decoded into a `DateTime.Utc`. A value without a zone designator
 * (`2024-01-01T00:00:00`) is read as UTC, never as the machine's local time.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IsoDateTimeUtc: Schema.Schema<DateTime.Utc, string> = Schema.transformOrFail(
  Schema.String,
  Schema.DateTimeUtcFromSelf,
  {
    strict: true,
    decode: (input, _, ast) => {
      const millis = parseIsoUtc(input)
      return Option.match(millis === undefined ? Option.none() : DateTime.make(millis), {
        onNone: () =>
          ParseResult.fail(new ParseResult.Type(ast, input, `Expected an ISO 8601 date-time, got ${input}`)),
        onSome: (date) => ParseResult.succeed(DateTime.toUtc(date))
      })
    },
    encode: (date) => ParseResult.succeed(DateTime.formatIso(date))
  }
).annotations({ identifier: "IsoDateTimeUtc" })

// FastAPI serializes absent optional fields as `null`; both spellings mean "not there".
const optionalField = <S extends Schema.Schema.Any>(schema: S, key: string) =>
  Schema.optionalWith(schema, { nullable: true }).pipe(Schema.fromKey(key))

const requiredField = <S extends Schema.Schema.All>(schema: S, key: string) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

/**
 * The S3 presigned POST of a session: send every entry of `fields` verbatim, then the file as the
 * last multipart part, to `url`.
 *
 * @since 0.1.0
 * @category models
 */
export class PresignedPost extends Schema.Class<PresignedPost>("@effect-deepset/sdk/PresignedPost")({
  url: Schema.String,
  fields: Schema.Record({ key: Schema.String, value: Schema.String })
}) {}

/**
 * A freshly created upload session (answer of `UploadSessions.create`).
 *
 * @since 0.1.0
 * @category models
 */
export class UploadSession extends Schema.Class<UploadSession>("@effect-deepset/sdk/UploadSession")({
  sessionId: requiredField(Schema.String, "session_id"),
  documentationUrl: optionalField(Schema.String, "documentation_url"),
  expiresAt: requiredField(IsoDateTimeUtc, "expires_at"),
  awsPrefixedRequestConfig: requiredField(PresignedPost, "aws_prefixed_request_config")
}) {}

const count = (key: string) =>
  Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }).pipe(Schema.fromKey(key))

/**
 * How many files of a session have been ingested so far, and how many failed. Counts the API leaves
 * out are zero.
 *
 * @since 0.1.0
 * @category models
 */
export class IngestionCounts extends Schema.Class<IngestionCounts>("@effect-deepset/sdk/IngestionCounts")({
  failedFiles: count("failed_files"),
  finishedFiles: count("finished_files")
}) {}

/**
 * The state of one session (answer of `UploadSessions.getStatus`).
 *
 * @since 0.1.0
 * @category models
 */
export class SessionDetail extends Schema.Class<SessionDetail>("@effect-deepset/sdk/SessionDetail")({
  sessionId: requiredField(Schema.String, "session_id"),
  documentationUrl: optionalField(Schema.String, "documentation_url"),
  expiresAt: requiredField(IsoDateTimeUtc, "expires_at"),
  ingestionStatus: Schema.optionalWith(IngestionCounts, {
    nullable: true,
    default: () => new IngestionCounts({ failedFiles: 0, finishedFiles: 0 })
  }).pipe(Schema.fromKey("ingestion_status"))
}) {}

/**
 * One file of a session (an item of `UploadSessions.getFiles`). `fileIngestionId` is its cursor id;
 * `ingestionStatusReason` is only set for failed files.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionFile extends Schema.Class<SessionFile>("@effect-deepset/sdk/SessionFile")({
  name: Schema.String,
  ingestionStatus: requiredField(IngestionStatus, "ingestion_status"),
  fileIngestionId: optionalField(Schema.String, "file_ingestion_id"),
  ingestionStatusReason: optionalField(IngestionStatusReason, "ingestion_status_reason")
}) {}

/**
 * The user who created a session.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionCreator extends Schema.Class<SessionCreator>("@effect-deepset/sdk/SessionCreator")({
  userId: requiredField(Schema.String, "user_id"),
  givenName: requiredField(Schema.String, "given_name"),
  familyName: requiredField(Schema.String, "family_name")
}) {}

/**
 * A session as `UploadSessions.list` shows it. `status` is only sent by some deployments.
 *
 * @since 0.1.0
 * @category models
 */
export class Session extends Schema.Class<Session>("@effect-deepset/sdk/Session")({
  sessionId: requiredField(Schema.String, "session_id"),
  createdAt: requiredField(IsoDateTimeUtc, "created_at"),
  createdBy: requiredField(SessionCreator, "created_by"),
  expiresAt: optionalField(IsoDateTimeUtc, "expires_at"),
  writeMode: requiredField(WriteMode, "write_mode"),
  status: optionalField(SessionStatus, "status")
}) {}

/**
 * One page of a paginated answer. `hasMore` says whether more items lie further in the direction of
 * travel; `total` counts every item matching the filters.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly hasMore: boolean
  readonly total: number
}

/**
 * The schema of a page of `item`s.
 *
 * @since 0.1.0
 * @category models
 */
export const Page = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    data: Schema.Array(item),
    hasMore: requiredField(Schema.Boolean, "has_more"),
    total: Schema.Number
  })

/**
 * A page of session files (answer of `UploadSessions.getFiles`).
 *
 * @since 0.1.0

/**
 * A page of session files (answer of `UploadSessions.getFiles`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SessionFilePage = Page(SessionFile)

/**
 * A page of sessions (answer of `UploadSessions.list`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SessionPage = Page(Session)

/**
 * One entry of a 422 answer (FastAPI style): where the problem is (`loc`), what it is (`msg`) and its
 * kind (`type`).
 *
 * @since 0.1.0
 * @category models
 */
export class ValidationDetail extends Schema.Class<ValidationDetail>("@effect-deepset/sdk/ValidationDetail")({
  loc: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  msg: Schema.String,
  type: Schema.String
}) {}

/**
 * The body of a 422 answer. FastAPI sends a list of {@link ValidationDetail}s; a plain string detail
 * (as `HTTPException` sends it) is read as one detail without location.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ValidationErrorBody = Schema.Struct({
  detail: Schema.Union(
    Schema.Array(ValidationDetail),
    Schema.transform(Schema.String, Schema.Array(Schema.typeSchema(ValidationDetail)), {
      strict: true,
      decode: (msg) => [new ValidationDetail({ loc: [], msg, type: "value_error" })],
      encode: (details) => details.map((detail) => detail.msg).join("; ")
    })
  )
})
