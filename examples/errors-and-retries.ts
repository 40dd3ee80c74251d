/**
 * Typed errors with `Effect.catchTags`, and a retry schedule of your own.
 *
 * Every operation fails with exactly the errors it can meet, as tagged classes (`NotFoundError`,
 * `RateLimitedError`, `ServerError`, …), so `catchTags` handles the ones you care about and the
 * compiler knows what is left. The client's retry policy is any `Schedule` fed with the failures;
 * whatever it says, the SDK only retries failures that are safe to repeat and never comes back sooner
 * than the server's `Retry-After`.
 *
 * On the emulator the example injects faults: `create` is rate limited twice (once with
 * `Retry-After: 1`), `getStatus` answers 503 once and then 404 for a session that does not exist,
 * and `list` answers 503 until the policy gives up. On deepset Cloud nothing is injected, so you
 * see whatever the service says.
 *
 * Run: pnpm tsx --conditions=source examples/errors-and-retries.ts
 */
import { Fault } from "@effect-deepset/emulator"
import { type Errors, UploadSessions } from "@effect-deepset/sdk"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Target from "./Target.js"

/**
 * Up to 3 retries, 200 ms apart and doubling. `tapInput` sees every failed attempt, including the last
 * one and the ones the SDK does not retry (a 404 would fail the same way again).
 */
const retryPolicy = Schedule.exponential("200 millis").pipe(
  Schedule.intersect(Schedule.recurs(3)),
  Schedule.tapInput((error: Errors.ApiError) => Console.log(`  attempt failed: ${error.message}`))
)

const injectFaults = Effect.gen(function*() {
  const { emulator } = yield* Target.Target
  if (Option.isNone(emulator)) {
    return yield* Console.log("(deepset Cloud: no faults injected)")
  }
  yield* emulator.value.setFaults([
    Fault.sequence("create", [Fault.tooManyRequests({ retryAfter: 1 }), Fault.tooManyRequests({ format: "none" })]),
    Fault.times("getStatus", Fault.serverError(503), 1),
    Fault.always("list", Fault.serverError(503))
  ])
})

const program = Effect.gen(function*() {
  yield* injectFaults

  yield* Console.log("1. create (the emulator rate limits it twice first):")
  const session = yield* UploadSessions.create()
  yield* Console.log(`created session ${session.sessionId}`)
  yield* UploadSessions.close({ sessionId: session.sessionId })

  yield* Console.log("2. getStatus of a session that does not exist (the emulator answers 503 once first):")
  yield* UploadSessions.getStatus({ sessionId: "00000000-0000-4000-8000-000000000000" }).pipe(
    Effect.flatMap((status) => Console.log(`unexpectedly found ${status.sessionId}`)),
    Effect.catchTags({
      NotFoundError: (error) => Console.log(`caught NotFoundError: ${error.method} ${error.url}`),
      ValidationError: (error) => Console.log(`caught ValidationError: ${error.details.map((d) => d.msg).join("; ")}`)
    })
  )

  yield* Console.log("3. list (the emulator is down for it):")
  yield* UploadSessions.list({ limit: 5 }).pipe(
    Effect.flatMap((page) => Console.log(`listed ${page.data.length} of ${page.total} sessions`)),
    Effect.catchTags({
      ServerError: (error) => Console.log(`gave up: ServerError ${error.status} after the policy's last retry`),
      RateLimitedError: (error) => Console.log(`gave up: ${error.message}`)
    })
  )
})

program.pipe(
  Effect.provide(Target.layer({ client: { retry: retryPolicy } })),
  NodeRuntime.runMain
)
