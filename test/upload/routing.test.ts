/**
 * Routing as a pure function (internal/routing.ts): for any sequence of sources with and without
 * companions (one or two objects, routed as one step) and any session limit, sessions fill in input order,
 * never past the limit, a new session is opened only when the next source does not fit, and no decision
 * depends on a source not yet seen.
 */
import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Routing from "../../packages/sdk/src/internal/routing.js"

const counts = FastCheck.array(FastCheck.constantFrom(1, 2), { maxLength: 200 })
const limit = FastCheck.integer({ min: 2, max: 12 })

describe("routing", () => {
  it.prop("sessions fill in order, within the limit, and the next opens only when a source does not fit", [
    counts,
    limit
  ], ([objects, maxFiles]) => {
    const sessions = Routing.plan(maxFiles, objects)
    assert.strictEqual(sessions.length, objects.length)
    const used = new Map<number, number>()
    sessions.forEach((session, i) => {
      const previous = i === 0 ? 0 : sessions[i - 1]!
      // The first source opens session 0; after that a source stays or moves to the very next session.
      assert.include(i === 0 ? [0] : [previous, previous + 1], session)
      if (i > 0 && session === previous + 1) {
        assert.isAbove(
          used.get(previous)! + objects[i]!,
          maxFiles,
          "a session is sealed only when the source does not fit"
        )
      }
      used.set(session, (used.get(session) ?? 0) + objects[i]!)
      assert.isAtMost(used.get(session)!, maxFiles)
    })
  }, { fastCheck: { seed: 20261206, numRuns: 300 } })

  it.prop("routing decides online: a prefix of the sources is routed as in the whole input", [
    counts,
    limit,
    FastCheck.nat()
  ], ([objects, maxFiles, cut]) => {
    // Sources may come from a stream: no decision may depend on a source not yet seen.
    const prefix = objects.slice(0, cut % (objects.length + 1))
    assert.deepStrictEqual(Routing.plan(maxFiles, prefix), Routing.plan(maxFiles, objects).slice(0, prefix.length))
  }, { fastCheck: { seed: 7, numRuns: 300 } })

  it("the step opens the first session, keeps filling it, then opens the next", () => {
    const step = Routing.step(3)
    const [first, a] = step(Routing.initial, 2)
    const [second, b] = step(a, 1)
    const [third, c] = step(b, 1)
    assert.deepStrictEqual([first, second, third], ["Next", "Current", "Next"])
    assert.deepStrictEqual(c, { sessions: 2, used: 1, limit: Number.POSITIVE_INFINITY })
  })

  it("a session S3 said is full teaches the limit: later sessions get no more than it held, and room for a pair", () => {
    const step = Routing.step(10)
    const [, full] = step(Routing.initial, 1)
    const [decision, next] = step(Routing.limitTo(Routing.sealCurrent(full), 3), 1)
    assert.strictEqual(decision, "Next")
    const filled = [1, 1].reduce((state, objects) => step(state, objects)[1], next)
    assert.deepStrictEqual(filled, { sessions: 2, used: 3, limit: 3 })
    assert.strictEqual(step(filled, 1)[0], "Next")
    // Never below a document and its companion, and never raised again.
    assert.strictEqual(Routing.limitTo(filled, 0).limit, 2)
    assert.strictEqual(Routing.limitTo(filled, 8).limit, 3)
  })
})
