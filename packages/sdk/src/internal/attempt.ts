/**
 * The one attempt pipeline of the SDK, shared by API calls and S3 posts: each attempt bounded by its
 * timeout (`Effect.timeoutFail`: interrupting an attempt aborts its request, whether it is waiting for
 * the answer or reading the body), the attempts retried by a schedule (`Effect.retry`), and every retry
 * recorded on the caller's span as an event.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Tracer from "effect/Tracer"

/** The OpenTelemetry attribute that counts the resends of a request. */
export const ATTR_RESEND_COUNT = "http.request.resend_count"

/** How the attempts of one call run. */
export interface Options<E, E2> {
  /** The limit of one attempt; none when undefined. */
  readonly timeout: Duration.Duration | undefined
  /** The failure of an attempt that ran out of time. */
  readonly onTimeout: (timeout: Duration.Duration) => E2
  /** Decides, from each failure, whether and when to try again; no retries when undefined. */
  readonly retry: Schedule.Schedule<unknown, E | E2> | undefined
  /** The span that hears of every retry (a `retry` event with the attempt, the failure and the wait). */
  readonly span?: Tracer.Span | undefined
}

/** The status of a failure that came from an answer, for the retry event. */
const statusOf = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
    ? error.status
    : undefined

const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : "unknown"

/**
 * The schedule, unchanged in its decisions, with a span event for every retry it allows and the resend
 * count kept on the span.
 */
const traced = <E>(schedule: Schedule.Schedule<unknown, E>, span: Tracer.Span): Schedule.Schedule<unknown, E> => {
  let resends = 0
  return Schedule.intersect(schedule, Schedule.identity<E>()).pipe(
    Schedule.modifyDelayEffect(([, error], wait) =>
      // In millis: a TestClock at a fractional instant (jittered waits) cannot tell its time in nanos.
      Effect.map(Clock.currentTimeMillis, (millis) => {
        const now = BigInt(Math.floor(millis)) * 1_000_000n
        resends++
        const status = statusOf(error)
        span.attribute(ATTR_RESEND_COUNT, resends)
        span.event("retry", now, {
          [ATTR_RESEND_COUNT]: resends,
          "error.type": tagOf(error),
          "retry.wait_ms": Math.round(Duration.toMillis(wait)),
          ...(status === undefined ? {} : { "http.response.status_code": status })
        })
        return wait
      })
    )
  )
}

/**
 * Bounds one attempt by `timeout`: interrupting it at the deadline aborts its request.
 *
 * @internal
 */
export const within = <A, E, R, E2>(
  attempt: Effect.Effect<A, E, R>,
  timeout: Duration.Duration | undefined,
  onTimeout: (timeout: Duration.Duration) => E2
): Effect.Effect<A, E | E2, R> =>
  timeout === undefined
    ? attempt
    : Effect.timeoutFail(attempt, { duration: timeout, onTimeout: () => onTimeout(timeout) })

/**
 * Retries `attempt` by the schedule; with a span, every retry is a `retry` event on it.
 *
 * @internal
 */
export const retrying = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  retry: Schedule.Schedule<unknown, E> | undefined,
  span?: Tracer.Span
): Effect.Effect<A, E, R> =>
  retry === undefined ? attempt : Effect.retry(attempt, span === undefined ? retry : traced(retry, span))

/**
 * Runs `attempt` within its timeout, retried by the schedule. The attempt must consume its answer
 * before it succeeds, so that the timeout covers the body read.
 *
 * @internal
 */
export const run = <A, E, R, E2>(
  attempt: Effect.Effect<A, E, R>,
  options: Options<E, E2>
): Effect.Effect<A, E | E2, R> =>
  retrying(within(attempt, options.timeout, options.onTimeout), options.retry, options.span)
