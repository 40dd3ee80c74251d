import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import type { Service } from "../DeepsetClient.js"
import * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import type * as Deadlines from "./deadlines.js"
import * as Responses from "./responses.js"

/**
 * What `DeepsetClient.make` prepares for the calls of one client, beside the public service: the API
 * client with scoped requests, so that a deadline can abort them, and the deadline watcher.
 *
 * @internal
 */
export interface Internals {
  readonly scoped: HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>
  readonly deadlines: Deadlines.Deadlines
}

const internals = new WeakMap<Service, Internals>()

/** @internal */
export const register = (service: Service, value: Internals): Service => {
  internals.set(service, value)
  return service
}

/** @internal */
export interface ExecuteOptions {
  /** The operation's span (`UploadSessions.<op>`), the only one of the call. */
  readonly span: string
  /** What the span says about the call besides the HTTP attributes. */
  readonly attributes: Readonly<Record<string, string>>
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
 * Retries `attempt` by `policy`. The schedule's driver is only made after a first failure: most calls
 * never need it, and making it costs more than the rest of the bookkeeping of a call.
 */
const retrying = <A, E>(attempt: Effect.Effect<A, E>, policy: Schedule.Schedule<unknown, E>): Effect.Effect<A, E> =>
  Effect.catchAll(attempt, (first) =>
    Effect.flatMap(Schedule.driver(policy), (driver) => {
      const again = (error: E): Effect.Effect<A, E> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(attempt, again)
        })
      return again(first)
    }))

// OpenTelemetry's HTTP client attributes, which the operation span carries (the API client makes no
// `http.client` span of its own).
const ATTR_METHOD = "http.request.method"
const ATTR_URL = "url.full"
const ATTR_STATUS = "http.response.status_code"

const spanOptions = (
  options: ExecuteOptions,
  request: HttpClientRequest.HttpClientRequest,
  url: string
): Tracer.SpanOptions => ({
  kind: "client",
  // The call site is the SDK's own code: capturing it costs an `Error` per call and says nothing.
  captureStackTrace: false,
  attributes: { ...options.attributes, [ATTR_METHOD]: request.method, [ATTR_URL]: url }
})

/**
 * Sends one request to the API and handles its response, as one attempt bounded by the client's
 * timeout (the body read included), retried by the policy within `retryable`, all in the operation's
 * span. The request value is immutable and its body a byte array, so every attempt sends the same bytes.
 *
 * @internal
 */
export const execute = <A, E extends Errors.ApiError>(
  client: Service,
  request: HttpClientRequest.HttpClientRequest,
  handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>,
  options: ExecuteOptions
): Effect.Effect<A, E | Errors.TransportError | Errors.TimeoutError> =>
  Effect.useSpan(
    options.span,
    spanOptions(options, request, Responses.urlOf(request, client.baseUrl)),
    (span) => Effect.withParentSpan(attempts(client, request, handle, options, span), span)
  )

/**
 * Fails with `error` in the operation's span: an input that does not pass its checks sends nothing.
 *
 * @internal
 */
export const refuse = (
  options: Pick<ExecuteOptions, "span" | "attributes">,
  error: Errors.InvalidInputError
): Effect.Effect<never, Errors.InvalidInputError> =>
  Effect.withSpan(Effect.fail(error), options.span, { captureStackTrace: false, attributes: options.attributes })

const attempts = <A, E extends Errors.ApiError>(
  client: Service,
  request: HttpClientRequest.HttpClientRequest,
  handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>,
  options: ExecuteOptions,
  span: Tracer.Span
): Effect.Effect<A, E | Errors.TransportError | Errors.TimeoutError> => {
  const handleTraced = (response: HttpClientResponse.HttpClientResponse) => {
    span.attribute(ATTR_STATUS, response.status)
    return handle(response)
  }
  const send = <R>(http: HttpClient.HttpClient.With<HttpClientError.HttpClientError, R>) =>
    http.execute(request).pipe(
      Effect.catchTags({
        RequestError: (error) => Effect.fail(Responses.transport(error, client.redact)),
        // A transformClient that fails on statuses still hands over the response: read it like any other.
        ResponseError: (error) => Effect.succeed(error.response)
      }),
      Effect.flatMap(handleTraced)
    )
  const timedOut = (timeout: Duration.Duration) =>
    new Errors.TimeoutError({ ...Responses.requestInfo(request, client.baseUrl), timeout })
  const prepared = internals.get(client)
  const attempt: Effect.Effect<A, E | Errors.TransportError | Errors.TimeoutError> = prepared !== undefined
    ? prepared.deadlines.run(send(prepared.scoped), timedOut)
    : Option.match(client.timeout, {
      onNone: () => send(client.http),
      // A service made by hand (not by `make`) has no deadline watcher: fall back to Effect.timeout.
      onSome: (timeout) =>
        Effect.timeoutFail(send(client.http), { duration: timeout, onTimeout: () => timedOut(timeout) })
    })
  const policy = options.retry === undefined
    ? client.retry
    : options.retry === false
    ? Option.none()
    : Option.some(options.retry)
  return Option.match(policy, {
    onNone: () => attempt,
    onSome: (policy) => retrying(attempt, guard(policy, options.retryable))
  })
}
