import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"

/**
 * The wait until `deadline`, or undefined when it is due. A deadline less than a nanosecond ahead (a
 * fractional "now", as a jittered retry wait gives under `TestClock`) rounds to a zero sleep, and one
 * lost in the rounding of a large "now" moves no clock either: the watcher would spin at that instant,
 * so both count as due.
 */
const waitUntil = (deadline: number, now: number): Duration.Duration | undefined => {
  const wait = Duration.millis(deadline - now)
  return now + Duration.toMillis(wait) > now ? wait : undefined
}

interface InFlight {
  readonly deadline: number
  readonly timeout: Duration.Duration
  readonly scope: Scope.CloseableScope
  timedOut: boolean
}

/**
 * Per-attempt timeouts without a timer and a racing fiber per request (what `Effect.timeout` costs,
 * and what weighs most in a short API call). Each attempt runs in a scope of its own, which a
 * `withScope` client ties to the request's abort signal; one watcher fiber per instance sleeps until
 * the earliest deadline and closes the scopes of late attempts, which aborts them wherever they are
 * (waiting for the answer or reading its body). An attempt may bring its own timeout (S3 bodies get
 * longer ones by size); one whose deadline comes before the watcher's wake-up wakes it early. The
 * watcher runs on the caller's `Clock` (so `TestClock` drives it), starts with the first attempt,
 * and ends after one idle timeout period, or with the instance's scope.
 *
 * @internal
 */
export interface Deadlines {
  /** The timeout of an attempt that does not bring its own. */
  readonly timeout: Duration.Duration
  /**
   * Runs `attempt` in a fresh scope that is closed at its deadline (`timeout`, or the instance's), and
   * fails with `onTimeout(timeout)` when that is what stopped it. The attempt must consume its answer
   * before it succeeds.
   */
  readonly run: <A, E, R, E2>(
    attempt: Effect.Effect<A, E, R | Scope.Scope>,
    onTimeout: (timeout: Duration.Duration) => E2,
    timeout?: Duration.Duration
  ) => Effect.Effect<A, E | E2, Exclude<R, Scope.Scope>>
}

/** @internal */
export const make = (timeout: Duration.Duration): Effect.Effect<Deadlines, never, Scope.Scope> =>
  Effect.map(Effect.scope, (home) => {
    const inFlight = new Set<InFlight>()
    let watching = false
    // When the watcher will look next, and how to make it look earlier; `missed` tells it that an
    // attempt came in while it was not asleep (after its scan), so that it scans again at once.
    let sleepingUntil = Infinity
    let wake: Deferred.Deferred<void> | undefined
    let missed = false

    const sleep = (wait: Duration.Duration, now: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (missed) return Effect.void
        const woken = Deferred.unsafeMake<void>(FiberId.none)
        wake = woken
        sleepingUntil = now + Duration.toMillis(wait)
        return Effect.raceFirst(Effect.sleep(wait), Deferred.await(woken))
      }).pipe(Effect.ensuring(Effect.sync(() => {
        wake = undefined
        sleepingUntil = Infinity
      })))

    const watch: Effect.Effect<void> = Effect.gen(function*() {
      while (true) {
        missed = false
        const now = yield* Clock.currentTimeMillis
        let next: Duration.Duration | undefined
        for (const attempt of inFlight) {
          const wait = waitUntil(attempt.deadline, now)
          if (wait === undefined) {
            inFlight.delete(attempt)
            attempt.timedOut = true
            yield* Scope.close(attempt.scope, Exit.void)
          } else if (next === undefined || Duration.lessThan(wait, next)) {
            next = wait
          }
        }
        yield* sleep(next ?? timeout, now)
        // Deciding to stop and saying so happen in one step: no attempt can slip in between.
        if (next === undefined && inFlight.size === 0) {
          watching = false
          return
        }
      }
    }).pipe(Effect.onInterrupt(() =>
      Effect.sync(() => {
        watching = false
      })
    ))

    const run = <A, E, R, E2>(
      attempt: Effect.Effect<A, E, R | Scope.Scope>,
      onTimeout: (timeout: Duration.Duration) => E2,
      attemptTimeout: Duration.Duration = timeout
    ): Effect.Effect<A, E | E2, Exclude<R, Scope.Scope>> =>
      Effect.flatMap(Effect.zip(Scope.make(), Clock.currentTimeMillis), ([scope, now]) => {
        const entry: InFlight = {
          deadline: now + Duration.toMillis(attemptTimeout),
          timeout: attemptTimeout,
          scope,
          timedOut: false
        }
        inFlight.add(entry)
        if (entry.deadline < sleepingUntil) {
          if (wake === undefined) missed = true
          else Deferred.unsafeDone(wake, Exit.void)
        }
        const started = watching ? attempt : Effect.suspend(() => {
          watching = true
          // The first attempt may run uninterruptibly (say, as the acquire of a resource); the watcher
          // must not inherit that, or closing the client's scope could not stop it.
          return Effect.zipRight(Effect.forkIn(Effect.interruptible(watch), home), attempt)
        })
        return started.pipe(
          Scope.extend(scope),
          // A successful attempt has read its answer: closing its scope would only abort a finished
          // request, and an abort is not free (it builds an AbortError). Failures and interruptions
          // close it, which aborts whatever is still in flight.
          Effect.onExit((exit) => {
            inFlight.delete(entry)
            return Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)
          }),
          Effect.catchAll((error): Effect.Effect<never, E | E2> =>
            Effect.fail(entry.timedOut ? onTimeout(entry.timeout) : error)
          )
        )
      })

    return { timeout, run }
  })
