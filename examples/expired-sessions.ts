/**
 * List the workspace's expired sessions, newest first.
 *
 * `UploadSessions.streamList` walks every page of the session list lazily. `direction: "backward"`
 * starts at the newest session and walks back in time (each page reversed, so items come nearest
 * first); `isExpired: true` asks the API for expired sessions only. `Stream.take` stops the walk: no
 * page beyond the ones needed is fetched.
 *
 * Sessions expire 24 hours after creation, so on the emulator this example runs with sessions that
 * live two seconds: it opens three, lets them expire, opens two more, then lists.
 *
 * Run: pnpm tsx --conditions=source examples/expired-sessions.ts
 */
import { UploadSessions } from "@effect-deepset/sdk"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Target from "./Target.js"

/** On the emulator only: sessions that expired, and two that did not, so that the filter shows. */
const seed = Effect.gen(function*() {
  const expiring = yield* Effect.forEach([1, 2, 3], () => UploadSessions.create())
  yield* UploadSessions.close({ sessionId: expiring[0]!.sessionId })
  for (const session of expiring) {
    yield* Console.log(`created ${session.sessionId}, expires ${DateTime.formatIso(session.expiresAt)}`)
  }
  // Wait until the last of them is past its expiry.
  const last = expiring[expiring.length - 1]!
  yield* Effect.sleep(Duration.sum(DateTime.distanceDuration(yield* DateTime.now, last.expiresAt), "100 millis"))
  const fresh = yield* Effect.forEach([1, 2], () => UploadSessions.create())
  yield* Console.log(`created ${fresh.length} more sessions that are still open`)
})

const program = Effect.gen(function*() {
  const target = yield* Target.Target
  if (target.name === "emulator") yield* seed

  yield* Console.log("Expired sessions, newest first:")
  const count = yield* UploadSessions.streamList({ direction: "backward", isExpired: true }).pipe(
    Stream.take(20),
    Stream.tap((session) =>
      Console.log(
        `  ${session.sessionId}  created ${DateTime.formatIso(session.createdAt)}  ${session.status ?? "?"}`
      )
    ),
    Stream.runCount
  )
  yield* Console.log(`${count} expired sessions listed`)
})

program.pipe(
  Effect.provide(Target.layer({ emulator: { sessionTtl: "2 seconds" } })),
  NodeRuntime.runMain
)
