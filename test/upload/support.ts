/** Helpers for upload tests that wait on the emulator without sleeping. */
import * as Effect from "effect/Effect"

/** Lets pending I/O run: one turn of the event loop, not a timer. */
export const turn: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Repeats `check` until it holds, giving the event loop a turn in between. */
export const waitUntil = <E, R>(check: Effect.Effect<boolean, E, R>): Effect.Effect<void, E, R> =>
  Effect.flatMap(check, (ok) => ok ? Effect.void : Effect.zipRight(turn, waitUntil(check)))
