/**
 * Retry policies as `Schedule`s. The default policy backs off exponentially with jitter, caps every
 * wait, bounds the number of retries and the total time, retries only transient failures, and never
 * comes back sooner than the server's `Retry-After`.
 *
 * The building block, {@link make}, is generic in the failure type so that other transports (the S3
 * uploads of the `Upload` module) get the same shape with their own idea of "transient".
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import type * as Errors from "./Errors.js"

/**
 * A retry policy for API calls: any `Schedule` fed with the failures of the attempts. Whatever the
 * policy, the SDK only lets it retry failures that are safe to repeat (see {@link isTransient} and
 * {@link isProvablyUnprocessed}) and stretches its waits to honor `Retry-After`.
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = Schedule.Schedule<unknown, Errors.ApiError>

/**
 * The shape of a backoff policy built by {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<E> {
  /** How many times to retry after the first attempt. Default 4. */
  readonly maxRetries?: number | undefined
  /** The first wait; each next one doubles (times `factor`). Default 250 millis. */
  readonly base?: Duration.DurationInput | undefined
  /** Growth of the wait per retry. Default 2. */
  readonly factor?: number | undefined
  /** The longest single wait. A `Retry-After` longer than this fails at once. Default 30 seconds. */
  readonly cap?: Duration.DurationInput | undefined
  /** No retry is scheduled whose wait would end later than this after the first failure. Default 2 minutes. */
  readonly maxElapsed?: Duration.DurationInput | undefined
  /** Which failures are worth another attempt. */
  readonly isTransient: Predicate.Predicate<E>
  /** When the failure says how long to wait (a `Retry-After`), that wait is the minimum. */
  readonly retryAfter?: ((error: E) => Option.Option<Duration.Duration>) | undefined
}

/**
 * The defaults of {@link make}.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  maxRetries: 4,
  base: Duration.millis(250),
  factor: 2,
  cap: Duration.seconds(30),
  maxElapsed: Duration.minutes(2)
} as const

/**
 * Stretches every wait of `self` to at least the `Retry-After` its input carries.
 *
 * @since 0.1.0
 * @category combinators
 */
export const honorRetryAfter: {
  <E>(
    retryAfter: (error: E) => Option.Option<Duration.Duration>
  ): <Out, R>(self: Schedule.Schedule<Out, E, R>) => Schedule.Schedule<Out, E, R>
  <Out, E, R>(
    self: Schedule.Schedule<Out, E, R>,
    retryAfter: (error: E) => Option.Option<Duration.Duration>
  ): Schedule.Schedule<Out, E, R>
} = dual(2, <Out, E, R>(
  self: Schedule.Schedule<Out, E, R>,
  retryAfter: (error: E) => Option.Option<Duration.Duration>
): Schedule.Schedule<Out, E, R> =>
  Schedule.intersect(self, Schedule.identity<E>()).pipe(
    Schedule.modifyDelay(([, error], delay) =>
      Option.match(retryAfter(error), {
        onNone: () => delay,
        onSome: (wait) => Duration.max(delay, wait)
      })
    ),
    Schedule.map(([out]) => out)
  ))

/**
 * Builds a backoff policy: exponential waits with jitter (each wait is drawn between half and all of
 * its exponential value), capped at `cap`, at most `maxRetries` retries, no wait ending later than
 * `maxElapsed` after the first failure, only while `isTransient` holds, and never shorter than
 * `retryAfter`. A `retryAfter` longer than `cap` stops the schedule at once, so the caller gets the
 * failure that carries it instead of a silent long wait. The output is the wait before the next try.
 *
 * @example
 * ```ts
 * import { Retry } from "@effect-deepset/sdk"
 *
 * // Same shape, other transport: retry S3 failures that are worth it, at most twice.
 * const s3Policy = Retry.make({ maxRetries: 2, isTransient: (e: { transient: boolean }) => e.transient })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E>(options: Options<E>): Schedule.Schedule<Duration.Duration, E> => {
  const cap = Duration.decode(options.cap ?? defaults.cap)
  const maxElapsed = Duration.decode(options.maxElapsed ?? defaults.maxElapsed)
  const retryAfter = options.retryAfter ?? Option.none
  const worthRetrying = (error: E): boolean =>
    options.isTransient(error) &&
    Option.match(retryAfter(error), { onNone: () => true, onSome: (wait) => Duration.lessThanOrEqualTo(wait, cap) })
  const backoff = Schedule.exponential(options.base ?? defaults.base, options.factor ?? defaults.factor).pipe(
    // The union of two schedules waits for the shorter delay: this caps every wait.
    Schedule.union(Schedule.spaced(cap)),
    Schedule.jitteredWith({ min: 0.5, max: 1 }),
    Schedule.intersect(Schedule.recurs(options.maxRetries ?? defaults.maxRetries)),
    Schedule.whileInput(worthRetrying)
  )
  return Schedule.delays(honorRetryAfter(backoff, retryAfter)).pipe(
    Schedule.intersect(Schedule.elapsed),
    Schedule.whileOutput(([delay, elapsed]) => Duration.lessThanOrEqualTo(Duration.sum(elapsed, delay), maxElapsed)),
    Schedule.map(([delay]) => delay)
  )
}

/**
 * The `Retry-After` a failure carries (429 and 5xx answers), if any.
 *
 * @since 0.1.0
 * @category getters
 */
export const retryAfter = (error: Errors.ApiError): Option.Option<Duration.Duration> => {
  switch (error._tag) {
    case "RateLimitedError":
    case "ServerError":
      return error.retryAfter
    default:
      return Option.none()
  }
}

const TRANSIENT_SERVER_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504])

/**
 * Transient failures: 408, 429, 500, 502, 503, 504, transport failures and per-attempt timeouts.
 * Everything else (404, 422, 401, …) would fail the same way again.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: Errors.ApiError): boolean => {
  switch (error._tag) {
    case "RateLimitedError":
    case "TimeoutError":
      return true
    case "ServerError":
      return TRANSIENT_SERVER_STATUSES.has(error.status)
    case "UnexpectedStatusError":
      return error.status === 408
    case "TransportError":
      return error.reason === "Transport"
    default:
      return false
  }
}

/**
 * Failures after which the server provably did not act on the request: 429 (rejected before any
 * work), 503 with a `Retry-After` (the service said it is not serving), and a refused connection
 * (the request never left). This is the retry rule for `create`, which is not idempotent: after a
 * timeout, a reset connection, a 500 or a 502/504 the session may exist already, and a retry would
 * open a second one that nobody closes.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isProvablyUnprocessed = (error: Errors.ApiError): boolean => {
  switch (error._tag) {
    case "RateLimitedError":
      return true
    case "ServerError":
      return error.status === 503 && Option.isSome(error.retryAfter)
    case "TransportError":
      return error.connectionRefused
    default:
      return false
  }
}

/**
 * The default policy for API calls ({@link make} with {@link defaults}, {@link isTransient} and the
 * failures' `Retry-After`), optionally with other numbers.
 *
 * @example
 * ```ts
 * import { DeepsetClient, Retry } from "@effect-deepset/sdk"
 * import * as Redacted from "effect/Redacted"
 *
 * const client = DeepsetClient.layer({
 *   apiKey: Redacted.make("…"),
 *   retry: Retry.policy({ maxRetries: 8, cap: "10 seconds" })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const policy = (
  options: Omit<Options<Errors.ApiError>, "isTransient" | "retryAfter"> = {}
): Schedule.Schedule<Duration.Duration, Errors.ApiError> => make({ ...options, isTransient, retryAfter })

/**
 * The policy a `DeepsetClient` uses unless told otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPolicy: Schedule.Schedule<Duration.Duration, Errors.ApiError> = policy()

/**
 * Restricts any policy to the failures `retryable` admits and makes it honor `Retry-After`; the SDK
 * applies this to every policy, its own or the caller's.
 *
 * @since 0.1.0
 * @category combinators
 */
export const guard: {
  (retryable: Predicate.Predicate<Errors.ApiError>): (self: Policy) => Schedule.Schedule<unknown, Errors.ApiError>
  (self: Policy, retryable: Predicate.Predicate<Errors.ApiError>): Schedule.Schedule<unknown, Errors.ApiError>
} = dual(
  2,
  (self: Policy, retryable: Predicate.Predicate<Errors.ApiError>): Schedule.Schedule<unknown, Errors.ApiError> =>
    honorRetryAfter(Schedule.whileInput(self, retryable), retryAfter)
)
