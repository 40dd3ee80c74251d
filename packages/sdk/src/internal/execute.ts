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
  /** The per-call policy: undefined takes the client's, `false` turns retries off. */
  readonly retry: Retry.Policy | false | undefined
  /** Which failures may be retried at all, whatever the policy says. */
  readonly retryable: Predicate.Predicate<Errors.ApiError>
}

// OpenTelemetry's HTTP client attributes, which the operation span carries besides its attempts' spans.
const ATTR_METHOD = "http.request.method"
const ATTR_URL = "url.full"

const policyOf = (api: Api, options: ExecuteOptions): Retry.Policy | undefined => {
  const policy = options.retry === undefined ? Option.getOrUndefined(api.retry) : options.retry || undefined
  return policy === undefined ? undefined : Retry.guard(policy, options.retryable)
}

/**
 * Sends one request to the API and handles its answer, as attempts bounded by the client's timeout (the
 * body read included), retried by the policy within `retryable`, all in the operation's span. The
 * request value is immutable and its body a byte array, so every attempt sends the same bytes.
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
  return Effect.useSpan(options.span, {
    kind: "client",
    // The call site is the SDK's own code: capturing it costs an `Error` per call and says nothing.
    captureStackTrace: false,
    attributes: {
      ...options.attributes,
      [ATTR_METHOD]: request.method,
      [ATTR_URL]: Responses.urlOf(request, api.baseUrl)
    }
  }, (span) =>
    Effect.withParentSpan(
      Attempt.run(attempt, { timeout: api.timeout, onTimeout, retry: policyOf(api, options), span }),
      span
    ))
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
