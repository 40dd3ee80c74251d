import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Predicate from "effect/Predicate"
import type { Service } from "../DeepsetClient.js"
import * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import * as Responses from "./responses.js"

/** @internal */
export interface ExecuteOptions {
  /** The per-call policy: undefined takes the client's, `false` turns retries off. */
  readonly retry: Retry.Policy | false | undefined
  /** Which failures may be retried at all, whatever the policy says. */
  readonly retryable: Predicate.Predicate<Errors.ApiError>
}

// Guarded policies are built once per (policy, gate) pair, not per call: clients and callers reuse
// their schedule values, so the composition is paid once.
const guarded = new WeakMap<Retry.Policy, Map<Predicate.Predicate<Errors.ApiError>, Retry.Policy>>()

const guard = (policy: Retry.Policy, retryable: Predicate.Predicate<Errors.ApiError>): Retry.Policy => {
  let byGate = guarded.get(policy)
  if (byGate === undefined) {
    byGate = new Map()
    guarded.set(policy, byGate)
  }
  let result = byGate.get(retryable)
  if (result === undefined) {
    result = Retry.guard(policy, retryable)
    byGate.set(retryable, result)
  }
  return result
}

/**
 * Sends one request to the API and handles its response, as one attempt bounded by the client's
 * timeout (the body read included), retried by the policy within `retryable`. The request value is
 * immutable and its body a byte array, so every attempt sends the same bytes.
 *
 * @internal
 */
export const execute = <A, E extends Errors.ApiError>(
  client: Service,
  request: HttpClientRequest.HttpClientRequest,
  handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>,
  options: ExecuteOptions
): Effect.Effect<A, E | Errors.TransportError | Errors.TimeoutError> => {
  const sent = client.http.execute(request).pipe(
    Effect.catchTags({
      RequestError: (error) => Effect.fail(Responses.transport(error, client.redact)),
      // A transformClient that fails on statuses still hands over the response: read it like any other.
      ResponseError: (error) => Effect.succeed(error.response)
    }),
    Effect.flatMap(handle)
  )
  const attempt = Option.match(client.timeout, {
    onNone: () => sent,
    onSome: (timeout) =>
      Effect.timeoutFail(sent, {
        duration: timeout,
        onTimeout: () => new Errors.TimeoutError({ ...Responses.requestInfo(request, client.baseUrl), timeout })
      })
  })
  const policy = options.retry === undefined
    ? client.retry
    : options.retry === false
    ? Option.none()
    : Option.some(options.retry)
  return Option.match(policy, {
    onNone: () => attempt,
    onSome: (policy) => Effect.retry(attempt, guard(policy, options.retryable))
  })
}
