/**
 * The deadline watcher on its own, under TestClock: attempts with their own timeouts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Deadlines from "../../packages/sdk/src/internal/deadlines.js"

// An attempt that waits until its scope is closed, as an HTTP request on a `withScope` client is aborted.
const untilAborted = Effect.gen(function*() {
  const aborted = yield* Deferred.make<never, string>()
  yield* Effect.addFinalizer(() => Deferred.fail(aborted, "aborted"))
  return yield* Deferred.await(aborted)
})

describe("Deadlines", () => {
  it.scoped("an attempt with a shorter timeout than the watcher's wake-up times out at its own deadline", () =>
    Effect.gen(function*() {
      const deadlines = yield* Deadlines.make(Duration.seconds(30))
      const long = yield* Effect.fork(Effect.flip(deadlines.run(untilAborted, (timeout) => timeout)))
      yield* TestClock.adjust("1 second")
      const short = yield* Effect.fork(
        Effect.flip(deadlines.run(untilAborted, (timeout) => timeout, Duration.seconds(5)))
      )
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* Fiber.join(short), Duration.seconds(5))
      assert.isTrue(Option.isNone(yield* Fiber.poll(long)))
      yield* TestClock.adjust("23 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(long)))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(long), Duration.seconds(30))
    }))

  it.scoped("an attempt that ends in time, or fails on its own, keeps its outcome, also after the watcher went idle", () =>
    Effect.gen(function*() {
      const deadlines = yield* Deadlines.make(Duration.seconds(10))
      assert.strictEqual(yield* deadlines.run(Effect.succeed(1), () => "late"), 1)
      const failed = yield* Effect.flip(deadlines.run(Effect.fail("refused"), () => "late", Duration.seconds(1)))
      assert.strictEqual(failed, "refused")
      yield* TestClock.adjust("30 seconds")
      const scope = yield* Scope.make()
      assert.strictEqual(yield* deadlines.run(Effect.succeed(2), () => "late").pipe(Scope.extend(scope)), 2)
    }))
})
