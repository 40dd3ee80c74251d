import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import { parseUuid } from "./ids.js"
import type { IngestionStatus, WriteMode } from "./session.js"
import { ingestionStatuses, writeModes } from "./session.js"

/**
 * Request validation that answers the way FastAPI and pydantic v2 do: every problem of a request
 * at once, each as `{ type, loc, msg, input, ctx? }`.
 *
 * @internal
 */
export interface ErrorDetail {
  readonly type: string
  readonly loc: ReadonlyArray<string | number>
  readonly msg: string
  readonly input?: unknown
  readonly ctx?: Record<string, unknown>
}

/** @internal */
export type BodyError =
  | { readonly _tag: "UnsupportedMediaType" }
  | { readonly _tag: "Invalid"; readonly detail: ReadonlyArray<ErrorDetail> }

/** The pagination part of a list query. @internal */
export interface Paging {
  readonly after: string | undefined
  readonly before: string | undefined
  readonly limit: number
  readonly pageNumber: number
}

/** @internal */
export interface FilesQuery extends Paging {
  readonly ingestionStatus: IngestionStatus | undefined
}

/** @internal */
export interface SessionsQuery extends Paging {
  readonly isExpired: boolean | undefined
}

const expected = (values: ReadonlyArray<string>): string => {
  const quoted = values.map((v) => `'${v}'`)
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`
}

/** pydantic's `enum` detail. @internal */
export const enumDetail = (loc: ReadonlyArray<string>, input: unknown, values: ReadonlyArray<string>): ErrorDetail => ({
  type: "enum",
  loc,
  msg: `Input should be ${expected(values)}`,
  input,
  ctx: { expected: expected(values) }
})

/** Starlette keeps the last value of a repeated query parameter. @internal */
export const lastValue = (params: URLSearchParams, name: string): string | undefined => {
  const all = params.getAll(name)
  return all.length === 0 ? undefined : all[all.length - 1]
}

/** An integer query parameter within bounds, or `fallback` when absent; problems go to `errors`. @internal */
export const integer = (
  params: URLSearchParams,
  name: string,
  fallback: number,
  bounds: { readonly ge: number; readonly le?: number },
  errors: Array<ErrorDetail>
): number => {
  const raw = lastValue(params, name)
  if (raw === undefined) return fallback
  const loc = ["query", name]
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
    errors.push({
      type: "int_parsing",
      loc,
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: raw
    })
    return fallback
  }
  const value = Number(raw)
  const broken = value < bounds.ge
    ? { type: "greater_than_equal", relation: "greater", key: "ge", limit: bounds.ge }
    : bounds.le !== undefined && value > bounds.le
    ? { type: "less_than_equal", relation: "less", key: "le", limit: bounds.le }
    : undefined
  if (broken !== undefined) {
    errors.push({
      type: broken.type,
      loc,
      msg: `Input should be ${broken.relation} than or equal to ${broken.limit}`,
      input: raw,
      ctx: { [broken.key]: broken.limit }
    })
  }
  return value
}

/** A uuid query parameter, normalised; problems go to `errors`. @internal */
export const uuid = (params: URLSearchParams, name: string, errors: Array<ErrorDetail>): string | undefined => {
  const raw = lastValue(params, name)
  if (raw === undefined) return undefined
  const parsed = parseUuid(raw)
  if (parsed === undefined) {
    errors.push({
      type: "uuid_parsing",
      loc: ["query", name],
      msg: "Input should be a valid UUID, unable to parse string as a UUID",
      input: raw
    })
  }
  return parsed
}

const truthy = new Set(["1", "on", "t", "true", "y", "yes"])
const falsy = new Set(["0", "off", "f", "false", "n", "no"])

const paging = (params: URLSearchParams, errors: Array<ErrorDetail>): Paging => ({
  after: uuid(params, "after", errors),
  before: uuid(params, "before", errors),
  limit: integer(params, "limit", 10, { ge: 1, le: 100 }, errors),
  pageNumber: integer(params, "page_number", 1, { ge: 1 }, errors)
})

/** The paging parameters and one filter, read with every problem reported at once. */
const pagedWith = <A>(
  params: URLSearchParams,
  name: string,
  read: (raw: string, loc: ReadonlyArray<string>) => Either.Either<A, ErrorDetail>
): Either.Either<{ readonly paging: Paging; readonly filter: A | undefined }, ReadonlyArray<ErrorDetail>> => {
  const errors: Array<ErrorDetail> = []
  const base = paging(params, errors)
  const raw = lastValue(params, name)
  const filter = raw === undefined ? Either.right(undefined) : read(raw, ["query", name])
  if (Either.isLeft(filter)) errors.push(filter.left)
  return errors.length > 0 || Either.isLeft(filter)
    ? Either.left(errors)
    : Either.right({ paging: base, filter: filter.right })
}

const readIngestionStatus = (raw: string, loc: ReadonlyArray<string>): Either.Either<IngestionStatus, ErrorDetail> => {
  const status = ingestionStatuses.find((s) => s === raw)
  return status === undefined ? Either.left(enumDetail(loc, raw, ingestionStatuses)) : Either.right(status)
}

const readBoolean = (raw: string, loc: ReadonlyArray<string>): Either.Either<boolean, ErrorDetail> => {
  const lower = raw.toLowerCase()
  if (truthy.has(lower)) return Either.right(true)
  if (falsy.has(lower)) return Either.right(false)
  return Either.left({
    type: "bool_parsing",
    loc,
    msg: "Input should be a valid boolean, unable to interpret input",
    input: raw
  })
}

/** @internal */
export const filesQuery = (params: URLSearchParams): Either.Either<FilesQuery, ReadonlyArray<ErrorDetail>> =>
  Either.map(
    pagedWith(params, "ingestion_status", readIngestionStatus),
    ({ filter, paging }) => ({ ...paging, ingestionStatus: filter })
  )

/** @internal */
export const sessionsQuery = (params: URLSearchParams): Either.Either<SessionsQuery, ReadonlyArray<ErrorDetail>> =>
  Either.map(pagedWith(params, "is_expired", readBoolean), ({ filter, paging }) => ({ ...paging, isExpired: filter }))

const isJsonContentType = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const essence = contentType.split(";")[0]!.trim().toLowerCase()
  return essence === "application/json" || (essence.startsWith("application/") && essence.endsWith("+json"))
}

/**
 * Reads a JSON body: absent (`undefined`), or the parsed value. A body that is present but not
 * declared as JSON is 415; one that does not parse is pydantic's `json_invalid`.
 */
const jsonBody = (body: string, contentType: string | undefined): Either.Either<unknown, BodyError> => {
  if (body.length === 0) return Either.right(undefined)
  if (!isJsonContentType(contentType)) return Either.left({ _tag: "UnsupportedMediaType" })
  try {
    return Either.right(JSON.parse(body))
  } catch (error) {
    const position = /position (\d+)/.exec(String(error))?.[1]
    return Either.left({
      _tag: "Invalid",
      detail: [{
        type: "json_invalid",
        loc: ["body", position === undefined ? 0 : Number(position)],
        msg: "JSON decode error",
        input: {},
        ctx: { error: "Expecting value" }
      }]
    })
  }
}

const notAnObject = (input: unknown): BodyError => ({
  _tag: "Invalid",
  detail: [{
    type: "model_attributes_type",
    loc: ["body"],
    msg: "Input should be a valid dictionary or object to extract fields from",
    input
  }]
})

const missing = (loc: ReadonlyArray<string>, input: unknown): BodyError => ({
  _tag: "Invalid",
  detail: [{ type: "missing", loc, msg: "Field required", input }]
})

/** What `create` asks for. @internal */
export interface CreateRequest {
  readonly writeMode: WriteMode
  readonly parallelProcessing: boolean
}

/**
 * A JSON boolean read as pydantic v2 reads one in lax mode: true/false, the numbers 0 and 1, and the
 * strings it knows (`"yes"`, `"off"`, ...); anything else is `bool_parsing` or `bool_type`.
 */
const jsonBoolean = (value: unknown, loc: ReadonlyArray<string>): Either.Either<boolean, ErrorDetail> => {
  if (typeof value === "boolean") return Either.right(value)
  if (value === 0 || value === 1) return Either.right(value === 1)
  if (typeof value === "string") return readBoolean(value, loc)
  return Either.left(
    typeof value === "number"
      ? { type: "bool_parsing", loc, msg: "Input should be a valid boolean, unable to interpret input", input: value }
      : { type: "bool_type", loc, msg: "Input should be a valid boolean", input: value }
  )
}

/**
 * The body of `create`: optional, and so are its fields, `write_mode` (KEEP when absent) and
 * `parallel_processing_enabled` (false when absent); every problem is reported at once.
 *
 * @internal
 */
export const createBody = (body: string, contentType: string | undefined): Either.Either<CreateRequest, BodyError> =>
  Either.flatMap(jsonBody(body, contentType), (value) => {
    if (value === undefined || value === null) return Either.right({ writeMode: "KEEP", parallelProcessing: false })
    if (!Predicate.isRecord(value) || Array.isArray(value)) return Either.left(notAnObject(value))
    const errors: Array<ErrorDetail> = []
    const mode = value["write_mode"]
    const known = mode === undefined || mode === null ? "KEEP" : writeModes.find((m) => m === mode)
    if (known === undefined) errors.push(enumDetail(["body", "write_mode"], mode, writeModes))
    const parallel = value["parallel_processing_enabled"]
    const flag = parallel === undefined || parallel === null
      ? Either.right(false)
      : jsonBoolean(parallel, ["body", "parallel_processing_enabled"])
    if (Either.isLeft(flag)) errors.push(flag.left)
    return errors.length > 0 || known === undefined || Either.isLeft(flag)
      ? Either.left({ _tag: "Invalid", detail: errors })
      : Either.right({ writeMode: known, parallelProcessing: flag.right })
  })

/**
 * The body of `close`: `{"status": "closed"}`, required; the status is matched case-insensitively
 * because clients in the field send both "closed" and "CLOSED".
 *
 * @internal
 */
export const closeBody = (body: string, contentType: string | undefined): Either.Either<void, BodyError> =>
  Either.flatMap(jsonBody(body, contentType), (value) => {
    if (value === undefined) return Either.left(missing(["body"], null))
    if (!Predicate.isRecord(value) || Array.isArray(value)) return Either.left(notAnObject(value))
    const status = value["status"]
    if (status === undefined) return Either.left(missing(["body", "status"], value))
    return typeof status === "string" && status.toLowerCase() === "closed"
      ? Either.right(undefined)
      : Either.left({ _tag: "Invalid", detail: [enumDetail(["body", "status"], status, ["closed"])] })
  })
