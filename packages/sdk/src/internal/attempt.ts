/**
 * The one attempt pipeline of the SDK, shared by API calls and S3 posts: each attempt bounded by its
 * timeout (`Effect.timeoutFail`: interrupting an attempt aborts its request, whether it is waiting for
 * the answer or reading the body), the attempts retried by a schedule (`Effect.retry`), and every retry
 * recorded on the current span as an event.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"

/** The OpenTelemetry attribute that counts the resends of a request. */
export const ATTR_RESEND_COUNT = "http.request.resend_count"

/** How the attempts of one call run. */
export interface Options<E, E2> {
  /** The limit of one attempt; none when undefined. */
  readonly timeout: Duration.Duration | undefined
  /** The failure of an attempt that ran out of time. */
  readonly onTimeout: (timeout: Duration.Duration) => E2
  /**
   * Decides, from each failure, whether and when to try again; no retries when undefined. Built once
   * per client where it can be (see {@link traced}), not per call.
   */
  readonly retry: Schedule.Schedule<unknown, E | E2> | undefined
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
 * The schedule, unchanged in its decisions, with a `retry` event (the attempt, the failure and the wait)
 * on the current span for every retry it allows, and the resend count kept on that span. It holds no
 * state of its own (the resends are the schedule's own count), so one is built per client and policy,
 * not per call.
 *
 * @internal
 */
export const traced = <E>(schedule: Schedule.Schedule<unknown, E>): Schedule.Schedule<unknown, E> =>
  Schedule.intersect(Schedule.intersect(schedule, Schedule.identity<E>()), Schedule.count).pipe(
    Schedule.modifyDelayEffect(([[, error], retries], wait) =>
      Effect.flatMap(Effect.currentSpan, (span) =>
        // In millis: a TestClock at a fractional instant (jittered waits) cannot tell its time in nanos.
        Effect.map(Clock.currentTimeMillis, (millis) => {
          const now = BigInt(Math.floor(millis)) * 1_000_000n
          // `count` starts at 0 and only retries reach this: the first retry is the first resend.
          const resends = retries + 1
          const status = statusOf(error)
          span.attribute(ATTR_RESEND_COUNT, resends)
          span.event("retry", now, {
            [ATTR_RESEND_COUNT]: resends,
            "error.type": tagOf(error),
            "retry.wait_ms": Math.round(Duration.toMillis(wait)),
            ...(status === undefined ? {} : { "http.response.status_code": status })
          })
          return wait
        })).pipe(Effect.orElseSucceed(() => wait))
    )
  )

/**
 * Bounds one attempt by `timeout`: interrupting it at the deadline aborts its request. Where the caller
 * cannot be interrupted (a session's create as the acquire of its scope, a close that runs to its end), an
 * interruption at the deadline would wait for the request to end, and a request the server holds would hang
 * the call: there the attempt runs in an interruptible fiber of its own, which the caller awaits.
 *
 * @internal
 */
export const within = <A, E, R, E2>(
  attempt: Effect.Effect<A, E, R>,
  timeout: Duration.Duration | undefined,
  onTimeout: (timeout: Duration.Duration) => E2
): Effect.Effect<A, E | E2, R> => {
  if (timeout === undefined) return attempt
  const bounded = Effect.timeoutFail(attempt, { duration: timeout, onTimeout: () => onTimeout(timeout) })
  return Effect.checkInterruptible((interruptible) =>
    interruptible ? bounded : Effect.flatMap(Effect.forkDaemon(Effect.interruptible(bounded)), Fiber.join)
  )
}

/**
 * Retries `attempt` by the schedule. `Effect.retry` is entered at the first failure, with that failure
 * as the schedule's first input, so the schedule decides exactly as if it had wrapped the first attempt
 * (its clock starts at the first failure either way), while a call that succeeds at once pays for no
 * retry driver (`pnpm bench` scenario 1: see bench/FINDINGS.md, "the SDK's own share").
 *
 * @internal
 */
export const retrying = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  retry: Schedule.Schedule<unknown, E> | undefined
): Effect.Effect<A, E, R> =>
  retry === undefined ? attempt : Effect.catchAll(attempt, (first) => {
    let replayed = false
    return Effect.retry(
      Effect.suspend(() => {
        if (replayed) return attempt
        replayed = true
        return Effect.fail(first)
      }),
      retry
    )
  })

/**
 * Runs `attempt` within its timeout, retried by the schedule. The attempt must consume its answer
 * before it succeeds, so that the timeout covers the body read.
 *
 * @internal
 */
export const run = <A, E, R, E2>(
  attempt: Effect.Effect<A, E, R>,
  options: Options<E, E2>
): Effect.Effect<A, E | E2, R> => retrying(within(attempt, options.timeout, options.onTimeout), options.retry)
