/**
 * The retry policy as a schedule, stepped by hand with a simulated clock: how many retries, how long
 * each wait, how long in total, which failures.
 */
import { Errors, Retry } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"

/** The waits a schedule asks for when every input is `input`, time moving on by each wait. */
const plan = <In>(schedule: Schedule.Schedule<unknown, In>, input: In, limit = 1_000): Effect.Effect<Array<number>> =>
  Effect.gen(function*() {
    const waits: Array<number> = []
    let now = 1_700_000_000_000
    let state = schedule.initial
    for (let step = 0; step < limit; step++) {
      const [next, , decision] = yield* schedule.step(now, input, state)
      if (ScheduleDecision.isDone(decision)) return waits
      const wait = ScheduleIntervals.start(decision.intervals) - now
      waits.push(wait)
      now += wait
      state = next
    }
    return waits
  })

const request = { method: "GET", url: "https://api.example.com/api/v1/workspaces/w/upload_sessions" }
const rateLimited = (retryAfter: Option.Option<Duration.Duration>) =>
  new Errors.RateLimitedError({ ...request, retryAfter, body: "" })
const server = (status: number, retryAfter = Option.none<Duration.Duration>()) =>
  new Errors.ServerError({ ...request, status, retryAfter, body: "" })
const transport = (code?: string) =>
  new Errors.TransportError({ ...request, reason: "Transport", ...(code ? { code } : {}), description: "x" })

describe("Retry.make", () => {
  it.effect("backs off exponentially with jitter, within the cap, a bounded number of times", () =>
    Effect.gen(function*() {
      const waits = yield* plan(
        Retry.make({
          base: "1 second",
          cap: "5 seconds",
          maxRetries: 6,
          maxElapsed: "1 hour",
          isTransient: () => true
        }),
        "failure"
      )
      assert.strictEqual(waits.length, 6)
      const ceilings = [1_000, 2_000, 4_000, 5_000, 5_000, 5_000]
      waits.forEach((wait, index) => {
        assert.isAtMost(wait, ceilings[index])
        assert.isAtLeast(wait, ceilings[index] / 2)
      })
    }))

  it.effect("stops before a wait would end past maxElapsed", () =>
    Effect.gen(function*() {
      const waits = yield* plan(
        Retry.make({
          base: "1 second",
          cap: "8 seconds",
          maxRetries: 100,
          maxElapsed: "30 seconds",
          isTransient: () => true
        }),
        "failure"
      )
      const total = waits.reduce((sum, wait) => sum + wait, 0)
      assert.isAtMost(total, 30_000)
      assert.isAbove(total + 8_000, 30_000, "it does use the time it has")
    }))

  it.effect("does not retry what is not transient", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* plan(Retry.make({ isTransient: () => false }), "failure"), [])
    }))

  it.effect("waits at least the Retry-After, and fails at once when it is longer than the cap", () =>
    Effect.gen(function*() {
      const policy = Retry.policy({ cap: "10 seconds", maxElapsed: "10 minutes" })
      const waits = yield* plan(policy, rateLimited(Option.some(Duration.seconds(7))))
      assert.strictEqual(waits.length, Retry.defaults.maxRetries)
      for (const wait of waits) assert.isAtLeast(wait, 7_000)
      assert.deepStrictEqual(yield* plan(policy, rateLimited(Option.some(Duration.seconds(11)))), [])
    }))

  it.effect("honourRetryAfter stretches any schedule to the Retry-After", () =>
    Effect.gen(function*() {
      const waits = yield* plan(
        Retry.guard(Schedule.recurs(2), Retry.isTransient),
        server(503, Option.some(Duration.seconds(3)))
      )
      assert.deepStrictEqual(waits, [3_000, 3_000])
    }))

  it("keeps every bound for any options (property)", () =>
    FastCheck.assert(
      FastCheck.asyncProperty(
        FastCheck.integer({ min: 0, max: 20 }),
        FastCheck.integer({ min: 1, max: 5_000 }),
        FastCheck.integer({ min: 1, max: 60_000 }),
        FastCheck.integer({ min: 0, max: 300_000 }),
        FastCheck.option(FastCheck.integer({ min: 0, max: 90_000 }), { nil: undefined }),
        (maxRetries, base, cap, maxElapsed, retryAfter) =>
          Effect.runPromise(Effect.gen(function*() {
            const waits = yield* plan(
              Retry.policy({
                maxRetries,
                base: Duration.millis(base),
                cap: Duration.millis(cap),
                maxElapsed: Duration.millis(maxElapsed)
              }),
              rateLimited(retryAfter === undefined ? Option.none() : Option.some(Duration.millis(retryAfter)))
            )
            assert.isAtMost(waits.length, maxRetries)
            assert.isAtMost(waits.reduce((sum, wait) => sum + wait, 0), maxElapsed)
            for (const wait of waits) {
              assert.isAtMost(wait, cap)
              if (retryAfter !== undefined) assert.isAtLeast(wait, retryAfter)
            }
            if (retryAfter !== undefined && retryAfter > cap) assert.strictEqual(waits.length, 0)
          }))
      ),
      { numRuns: 200 }
    ))
})

describe("Retry predicates", () => {
  it("isTransient: 408, 429, 500, 502, 503, 504, transport and timeout only", () => {
    const unexpected = (status: number) => new Errors.UnexpectedStatusError({ ...request, status, body: "" })
    const transient = [
      rateLimited(Option.none()),
      server(500),
      server(502),
      server(503),
      server(504),
      unexpected(408),
      transport(),
      new Errors.TimeoutError({ ...request, timeout: Duration.seconds(1) })
    ]
    const permanent = [
      server(501),
      server(505),
      unexpected(400),
      unexpected(409),
      new Errors.NotFoundError({ ...request, body: "" }),
      new Errors.ValidationError({ ...request, details: [], body: "" }),
      new Errors.AuthenticationError({ ...request, status: 401, body: "" }),
      new Errors.UnsupportedMediaTypeError({ ...request, body: "" }),
      new Errors.DecodeError({ ...request, status: 200, description: "", body: "" }),
      new Errors.TransportError({ ...request, reason: "InvalidUrl", description: "x" })
    ]
    for (const error of transient) assert.isTrue(Retry.isTransient(error), error.message)
    for (const error of permanent) assert.isFalse(Retry.isTransient(error), error.message)
  })

  it("isProvablyUnprocessed: 429, 503 with Retry-After, refused connection only", () => {
    assert.isTrue(Retry.isProvablyUnprocessed(rateLimited(Option.none())))
    assert.isTrue(Retry.isProvablyUnprocessed(server(503, Option.some(Duration.seconds(1)))))
    assert.isTrue(Retry.isProvablyUnprocessed(transport("ECONNREFUSED")))
    assert.isFalse(Retry.isProvablyUnprocessed(server(503)))
    assert.isFalse(Retry.isProvablyUnprocessed(server(500, Option.some(Duration.seconds(1)))))
    assert.isFalse(Retry.isProvablyUnprocessed(server(502)))
    assert.isFalse(Retry.isProvablyUnprocessed(transport("ECONNRESET")))
    assert.isFalse(Retry.isProvablyUnprocessed(new Errors.TimeoutError({ ...request, timeout: Duration.seconds(1) })))
  })
})
