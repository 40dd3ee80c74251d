/**
 * One API call: the request sent and its answer handled as one attempt, bounded by the client's
 * timeout and retried by the policy, inside the operation's span.
 *
 * @internal
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Predicate from "effect/Predicate"
import type * as Schedule from "effect/Schedule"
import * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import * as Attempt from "./attempt.js"
import * as Responses from "./responses.js"

/**
 * What every operation of one client shares: the configured API client and its settings.
 *
 * @internal
 */
export interface Api {
  /** The API client: base URL, bearer authorization, `Accept`, user agent. */
  readonly http: HttpClient.HttpClient
  /** The normalized base URL, ending in `/api/v1`. */
  readonly baseUrl: string
  /** The workspace of calls that name none. */
  readonly workspace: Option.Option<string>
  /** The retry policy of every call; none when retries are off. */
  readonly retry: Option.Option<Retry.Policy>
  /** The limit of one attempt; none when disabled. */
  readonly timeout: Duration.Duration | undefined
  /** Removes the API key from text that came back from a server (a proxy may echo request headers). */
  readonly redact: Responses.Redact
}

/** @internal */
export interface ExecuteOptions {
  /** The operation's span (`UploadSessions.<op>`); each attempt is a child `http.client` span. */
  readonly span: string
  /** What the span says about the call besides the HTTP attributes. */
  readonly attributes: Readonly<Record<string, string>>
  /** The retries of this call (see {@link Retries}); none when undefined. */
  readonly retry: Schedule.Schedule<unknown, Errors.ApiError> | undefined
}

// OpenTelemetry's HTTP client attributes, which the operation span carries besides its attempts' spans.
const ATTR_METHOD = "http.request.method"
const ATTR_URL = "url.full"

/**
 * The retry schedule of a call: the per-call policy (undefined takes the client's, `false` turns retries
 * off) restricted to the failures `retryable` admits, honoring `Retry-After`, with a span event per retry.
 *
 * @internal
 */
export type Retries = (
  perCall: Retry.Policy | false | undefined,
  retryable: Predicate.Predicate<Errors.ApiError>
) => Schedule.Schedule<unknown, Errors.ApiError> | undefined

/**
 * The retry schedules of one client: those of its own policy are built once per `retryable` (the
 * operations use two), a per-call policy's on each call that has one.
 *
 * @internal
 */
export const retries = (api: Api): Retries => {
  const build = (policy: Retry.Policy, retryable: Predicate.Predicate<Errors.ApiError>) =>
    Attempt.traced(Retry.guard(policy, retryable))
  const built = new Map<Predicate.Predicate<Errors.ApiError>, Schedule.Schedule<unknown, Errors.ApiError>>()
  return (perCall, retryable) => {
    if (perCall === false) return undefined
    if (perCall !== undefined) return build(perCall, retryable)
    if (Option.isNone(api.retry)) return undefined
    let schedule = built.get(retryable)
    if (schedule === undefined) {
      schedule = build(api.retry.value, retryable)
      built.set(retryable, schedule)
    }
    return schedule
  }
}

/**
 * Sends one request to the API and handles its answer, as attempts bounded by the client's timeout (the
 * body read included), retried by `options.retry`, all in the operation's span. The request value is
 * immutable and its body a byte array, so every attempt sends the same bytes.
 *
 * @internal
 */
export const execute = <A, E extends Errors.ApiError>(
  api: Api,
  request: HttpClientRequest.HttpClientRequest,
  handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>,
  options: ExecuteOptions
): Effect.Effect<A, E | Errors.TransportError | Errors.TimeoutError> => {
  const attempt = api.http.execute(request).pipe(
    Effect.catchTags({
      RequestError: (error) => Effect.fail(Responses.transport(error, api.redact)),
      // A transformClient that fails on statuses still hands over the response: read it like any other.
      ResponseError: (error) => Effect.succeed(error.response)
    }),
    Effect.flatMap(handle)
  )
  const onTimeout = (timeout: Duration.Duration) =>
    new Errors.TimeoutError({ ...Responses.requestInfo(request, api.baseUrl), timeout })
  return Effect.withSpan(
    Attempt.run(attempt, { timeout: api.timeout, onTimeout, retry: options.retry }),
    options.span,
    {
      kind: "client",
      // The call site is the SDK's own code: capturing it costs an `Error` per call and says nothing.
      captureStackTrace: false,
      attributes: {
        ...options.attributes,
        [ATTR_METHOD]: request.method,
        [ATTR_URL]: Responses.urlOf(request, api.baseUrl)
      }
    }
  )
}

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
