/**
 * The channel between the upload workers and the consumer of `Upload.events`: every value arrives once and
 * in the order sent, the producer's end (success, failure, defect) reaches the consumer after the values
 * sent before it, and a producer stays blocked until the consumer has pulled past its value, which is
 * what bounds the files stored without a reported event.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Handoff from "../../packages/sdk/src/internal/handoff.js"

describe("Handoff", () => {
  it.effect.prop(
    "producers' values arrive once each, every producer's in its own order, and a successful end ends the stream",
    [FastCheck.array(FastCheck.array(FastCheck.integer(), { maxLength: 20 }), { minLength: 1, maxLength: 6 })],
    ([perProducer]) =>
      Effect.gen(function*() {
        const handoff = yield* Handoff.make<readonly [number, number], never>()
        const producers = Effect.forEach(
          perProducer,
          (values, producer) => Effect.forEach(values, (value) => handoff.send([producer, value]), { discard: true }),
          { concurrency: "unbounded", discard: true }
        )
        yield* Effect.forkScoped(handoff.into(producers))
        const received = Chunk.toReadonlyArray(yield* Stream.runCollect(handoff.stream))
        assert.strictEqual(received.length, perProducer.flat().length)
        perProducer.forEach((values, producer) =>
          assert.deepStrictEqual(received.filter(([from]) => from === producer).map(([, value]) => value), values)
        )
      }).pipe(Effect.scoped)
  )

  it.scoped("a sender waits until the consumer pulls again after taking its value", () =>
    Effect.gen(function*() {
      const handoff = yield* Handoff.make<string, never>()
      const sender = yield* Effect.fork(handoff.send("a"))
      const pull = yield* Stream.toPull(handoff.stream)
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* pull), ["a"])
      yield* Effect.yieldNow({ priority: 1_000 })
      assert.isTrue(Option.isNone(yield* Fiber.poll(sender)), "acknowledged before the consumer asked for more")
      const next = yield* Effect.fork(pull)
      yield* Fiber.join(sender)
      yield* Fiber.interrupt(next)
    }))

  it.scoped("values sent at once come in order, and their sender waits until the consumer pulls after the last", () =>
    Effect.gen(function*() {
      const handoff = yield* Handoff.make<string, never>()
      const sender = yield* Effect.fork(handoff.sendAll(["a", "b", "c"]))
      const pull = yield* Stream.toPull(handoff.stream)
      const received: Array<string> = []
      while (received.length < 3) {
        received.push(...Chunk.toReadonlyArray(yield* pull))
        yield* Effect.yieldNow({ priority: 1_000 })
        assert.isTrue(Option.isNone(yield* Fiber.poll(sender)), `acknowledged after ${received.length} values`)
      }
      assert.deepStrictEqual(received, ["a", "b", "c"])
      const next = yield* Effect.fork(pull)
      yield* Fiber.join(sender)
      yield* Fiber.interrupt(next)
      // Nothing to send is no hand-off: it returns at once.
      yield* handoff.sendAll([])
    }))

  it.scoped("the producer's failure and defect reach the consumer after the values sent before them", () =>
    Effect.gen(function*() {
      const ends = [
        { end: Effect.fail("boom" as const), expected: "boom", of: Cause.failureOption<"boom"> },
        { end: Effect.die("bug"), expected: "bug", of: Cause.dieOption<"boom"> }
      ]
      for (const { end, expected, of } of ends) {
        const handoff = yield* Handoff.make<number, "boom">()
        yield* Effect.forkScoped(handoff.into(Effect.zipRight(handoff.send(1), end)))
        const seen: Array<number> = []
        const exit = yield* Effect.exit(Stream.runForEach(handoff.stream, (n) => Effect.sync(() => seen.push(n))))
        assert.deepStrictEqual(seen, [1])
        assert.deepStrictEqual(Exit.isFailure(exit) ? of(exit.cause) : Option.none(), Option.some(expected))
      }
    }))
})
