import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Service } from "../DeepsetClient.js"
import { InvalidInputError } from "../Errors.js"

const invalid = (operation: string, field: string, description: string) =>
  Effect.fail(new InvalidInputError({ operation, field, description }))

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
): Effect.Effect<string, InvalidInputError> => {
  if (typeof value !== "string" || value.trim() === "") return invalid(operation, field, "must not be empty")
  if (value === "." || value === "..") return invalid(operation, field, `must not be "${value}"`)
  return Effect.succeed(value)
}

/** @internal */
export const workspace = (
  operation: string,
  client: Service,
  workspaceName: string | undefined
): Effect.Effect<string, InvalidInputError> =>
  workspaceName === undefined && Option.isNone(client.workspace)
    ? invalid(operation, "workspaceName", "is required: pass workspaceName or configure a default workspace")
    : pathSegment(operation, "workspaceName", workspaceName ?? Option.getOrUndefined(client.workspace))

/** @internal */
export const positiveInt = <N extends number | undefined>(
  operation: string,
  field: string,
  value: N
): Effect.Effect<N, InvalidInputError> =>
  value === undefined || (Number.isSafeInteger(value) && value > 0)
    ? Effect.succeed(value)
    : invalid(operation, field, `must be a positive integer, got ${String(value)}`)

/** @internal */
export const cursor = <S extends string | undefined>(
  operation: string,
  field: string,
  value: S
): Effect.Effect<S, InvalidInputError> =>
  value === undefined || value.trim() !== ""
    ? Effect.succeed(value)
    : invalid(operation, field, "must not be empty")
