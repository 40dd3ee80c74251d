/**
 * The SDK against the emulator over loopback: an emulator per test, a client configured for it, and the
 * platform services uploads need.
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient } from "@effect-deepset/sdk"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as TestServices from "effect/TestServices"

export const workspace = "default"

/**
 * A client for the emulator in context. A fresh layer per call: layers are memoised by identity, and a
 * shared one would keep talking to the first emulator of a file.
 */
export const client = (timeout: Duration.DurationInput = "20 seconds") =>
  Layer.unwrapEffect(Effect.map(Emulator.Emulator, (emulator) =>
    DeepsetClient.layer({
      apiKey: Redacted.make(emulator.apiKey),
      baseUrl: emulator.apiUrl,
      workspace,
      timeout
    }))).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Emulator, client (`timeout`: its limit per request) and platform services, for `it.layer` or `Effect.provide`. */
export const layer = (options?: Emulator.Options, timeout?: Duration.DurationInput) =>
  Layer.mergeAll(client(timeout), NodeContext.layer).pipe(Layer.provideMerge(Emulator.layerTest(options)))

/**
 * Runs `effect` with the test clock moving on its own, 50 ms every 5 ms of real time, until it ends. A
 * waited run reads a session's status only after its schedule's first delay (a quarter second by default),
 * and under `TestClock` no time passes unless the test moves it; ten times real time keeps the client's
 * request deadlines far from what a loopback request takes.
 */
export const clockMoving = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.raceFirst(
    effect,
    Effect.forever(Effect.zipRight(TestClock.adjust("50 millis"), TestServices.provideLive(Effect.sleep("5 millis"))))
  )
