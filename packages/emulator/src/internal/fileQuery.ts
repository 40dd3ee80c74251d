import * as Either from "effect/Either"
import * as Odata from "./odata.js"
import type { WriteMode } from "./session.js"
import { writeModes } from "./session.js"
import { enumDetail, type ErrorDetail, integer, lastValue, uuid } from "./validation.js"

/**
 * The query strings of the files API, read as FastAPI reads them: every problem at once, each a
 * pydantic detail. The listing takes what the official client sends (`limit`, `name`, `filter`,
 * `after_value` with `after_file_id`, and `content` in 1.0.x) and the sort the cursor walks.
 *
 * @internal
 */
export type SortField = "created_at" | "name" | "size"

const sortFields: ReadonlyArray<SortField> = ["created_at", "name", "size"]

/** @internal */
export type Order = "ASC" | "DESC"

const orders: ReadonlyArray<Order> = ["ASC", "DESC"]

/** @internal */
export interface ListQuery {
  readonly limit: number
  /** A substring of the name, matched without regard to case. */
  readonly name: string | undefined
  readonly conditions: ReadonlyArray<Odata.Condition>
  readonly field: SortField
  readonly order: Order
  /** Keyset cursor: the items strictly after (value, file id) in the listing's order. */
  readonly after: { readonly value: number | string; readonly fileId: string } | undefined
}

const valueError = (name: string, input: string, why: string): ErrorDetail => ({
  type: "value_error",
  loc: ["query", name],
  msg: `Value error, ${why}`,
  input
})

const isoDate = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** An ISO 8601 date-time in millis; one without a zone is UTC (docs/contract.md). */
const dateMillis = (text: string): number | undefined => {
  if (!isoDate.test(text)) return undefined
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`
  const millis = Date.parse(zoned.replace(" ", "T"))
  return Number.isNaN(millis) ? undefined : millis
}

const oneOf = <A extends string>(
  params: URLSearchParams,
  name: string,
  values: ReadonlyArray<A>,
  fallback: A,
  errors: Array<ErrorDetail>
): A => {
  const raw = lastValue(params, name)
  if (raw === undefined) return fallback
  const found = values.find((v) => v === raw)
  if (found === undefined) errors.push(enumDetail(["query", name], raw, values))
  return found ?? fallback
}

const cursorValue = (field: SortField, raw: string, errors: Array<ErrorDetail>): number | string | undefined => {
  switch (field) {
    case "name":
      return raw
    case "size": {
      if (/^\s*\d+\s*$/.test(raw)) return Number(raw)
      errors.push(valueError("after_value", raw, "a size cursor is a whole number of bytes"))
      return undefined
    }
    case "created_at": {
      const millis = dateMillis(raw)
      if (millis === undefined) {
        errors.push(valueError("after_value", raw, "a created_at cursor is an ISO 8601 date-time"))
      }
      return millis
    }
  }
}

/** @internal */
export const listQuery = (params: URLSearchParams): Either.Either<ListQuery, ReadonlyArray<ErrorDetail>> => {
  const errors: Array<ErrorDetail> = []
  const limit = integer(params, "limit", 10, { ge: 1, le: 100 }, errors)
  const field = oneOf(params, "field", sortFields, "created_at", errors)
  const order = oneOf(params, "order", orders, "DESC", errors)
  const content = lastValue(params, "content")
  if (content !== undefined && content !== "") {
    errors.push(valueError("content", content, "the emulator does not search file contents"))
  }
  const conditions: Array<Odata.Condition> = []
  const filter = lastValue(params, "filter")
  if (filter !== undefined && filter.trim() !== "") {
    const parsed = Odata.parse(filter)
    if (Either.isLeft(parsed)) errors.push(valueError("filter", filter, parsed.left))
    else conditions.push(...parsed.right)
  }
  // The deprecated pair, an exact match on one key.
  const metaKey = lastValue(params, "meta_key")
  const metaValue = lastValue(params, "meta_value")
  if (metaKey !== undefined && metaValue !== undefined) conditions.push({ key: metaKey, value: metaValue })
  const afterValue = lastValue(params, "after_value")
  const afterFileId = uuid(params, "after_file_id", errors)
  let after: ListQuery["after"] = undefined
  if ((afterValue === undefined) !== (params.get("after_file_id") === null)) {
    const missing = afterValue === undefined ? "after_value" : "after_file_id"
    errors.push({
      type: "missing",
      loc: ["query", missing],
      msg: "Field required: a cursor is after_value and after_file_id together",
      input: null
    })
  } else if (afterValue !== undefined && afterFileId !== undefined) {
    const value = cursorValue(field, afterValue, errors)
    if (value !== undefined) after = { value, fileId: afterFileId }
  }
  const name = lastValue(params, "name")
  return errors.length > 0 ? Either.left(errors) : Either.right({
    limit,
    name: name === undefined || name === "" ? undefined : name,
    conditions,
    field,
    order,
    after
  })
}

/** What `POST /files` is asked in its query: the write mode (KEEP when absent) and an optional name. @internal */
export interface UploadQuery {
  readonly writeMode: WriteMode
  readonly fileName: string | undefined
}

/** @internal */
export const uploadQuery = (params: URLSearchParams): Either.Either<UploadQuery, ReadonlyArray<ErrorDetail>> => {
  const errors: Array<ErrorDetail> = []
  const writeMode = oneOf(params, "write_mode", writeModes, "KEEP", errors)
  const fileName = lastValue(params, "file_name")
  return errors.length > 0 ? Either.left(errors) : Either.right({
    writeMode,
    fileName: fileName === undefined || fileName === "" ? undefined : fileName
  })
}
