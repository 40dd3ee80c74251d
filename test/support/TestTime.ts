/**
 * Helpers for time-based tests under TestClock that also wait for real I/O.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Order from "effect/Order"
import * as TestClock from "effect/TestClock"

/** One turn of the event loop, so that sockets can make progress; not a sleep. */
export const tick: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/**
 * Waits until `count` sleeps are scheduled on the TestClock and returns their wake-up times (epoch
 * millis, ascending). Gives up after many event-loop turns rather than hanging the suite.
 */
export const awaitSleeps = (count: number): Effect.Effect<ReadonlyArray<number>> =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 100_000; turn++) {
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.size(sleeps) >= count) return Chunk.toReadonlyArray(Chunk.sort(sleeps, Order.number))
      yield* tick
    }
    return yield* Effect.dieMessage(`fewer than ${count} sleeps were scheduled`)
  })
