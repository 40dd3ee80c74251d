import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { InvalidInputError } from "../Errors.js"

// The checks are pure: an operation runs them all and fails once, with the first problem, instead of
// spending run-loop steps on every input it accepts.

const invalid = (operation: string, field: string, description: string) =>
  Either.left(new InvalidInputError({ operation, field, description }))

/**
 * A path segment must be non-empty and must not be a dot segment: URL parsers resolve `.` and `..`
 * (also percent-encoded) and the request would reach another resource.
 *
 * @internal
 */
export const pathSegment = (
  operation: string,
  field: string,
  value: string | undefined
): Either.Either<string, InvalidInputError> => {
  if (typeof value !== "string" || value.trim() === "") return invalid(operation, field, "must not be empty")
  if (value === "." || value === "..") return invalid(operation, field, `must not be "${value}"`)
  return Either.right(value)
}

/** The call's workspace, or the client's default one. @internal */
export const workspace = (
  operation: string,
  fallback: Option.Option<string>,
  workspaceName: string | undefined
): Either.Either<string, InvalidInputError> =>
  workspaceName === undefined && Option.isNone(fallback)
    ? invalid(operation, "workspaceName", "is required: pass workspaceName or configure a default workspace")
    : pathSegment(operation, "workspaceName", workspaceName ?? Option.getOrUndefined(fallback))

/** @internal */
export const positiveInt = <N extends number | undefined>(
  operation: string,
  field: string,
  value: N
): Either.Either<N, InvalidInputError> =>
  value === undefined || (Number.isSafeInteger(value) && value > 0)
    ? Either.right(value)
    : invalid(operation, field, `must be a positive integer, got ${String(value)}`)

/** @internal */
export const cursor = <S extends string | undefined>(
  operation: string,
  field: string,
  value: S
): Either.Either<S, InvalidInputError> =>
  value === undefined || value.trim() !== ""
    ? Either.right(value)
    : invalid(operation, field, "must not be empty")

/** What a page request may carry besides its filters. */
export interface PageInput {
  readonly after?: string | undefined
  readonly before?: string | undefined
  readonly limit?: number | undefined
  readonly pageNumber?: number | undefined
}

/**
 * The cursor and size parameters of one page request, checked, under their wire names.
 *
 * @internal
 */
export const pageParams = (operation: string, input: PageInput): Either.Either<{
  readonly after: string | undefined
  readonly before: string | undefined
  readonly limit: number | undefined
  readonly page_number: number | undefined
}, InvalidInputError> =>
  Either.all({
    after: cursor(operation, "after", input.after),
    before: cursor(operation, "before", input.before),
    limit: positiveInt(operation, "limit", input.limit),
    page_number: positiveInt(operation, "pageNumber", input.pageNumber)
  })
