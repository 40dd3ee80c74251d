/**
 * The CLI's main loop and what Ctrl-C (SIGINT) and SIGTERM do. Node's runtime for Effect interrupts the
 * program at the first signal and then leaves the next one to kill the process, sessions open and no
 * report printed. Here:
 *
 * - the first signal asks a command that can stop gracefully (the upload, inside {@link Signals.graceful})
 *   to stop: it takes no more files, finishes the ones in flight, closes its sessions and prints its report;
 *   any other command is interrupted;
 * - the second one says that cleanup goes on and how to quit at once;
 * - the third one quits at once with exit code 130, after printing what may be left behind
 *   ({@link Signals.leaveBehind}).
 *
 * @since 0.1.0
 */
import * as Runtime from "@effect/platform/Runtime"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { constVoid } from "effect/Function"

/**
 * The signals as the program sees them.
 *
 * @since 0.1.0
 */
export class Signals extends Context.Tag("@effect-deepset/cli/Signals")<Signals, {
  /** Completes at the first signal. */
  readonly stop: Effect.Effect<void>
  /** Whether the first signal came. */
  readonly stopped: Effect.Effect<boolean>
  /** Runs an effect that stops by itself once {@link stop} completes: the first signal does not interrupt it. */
  readonly graceful: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** What the third signal prints before quitting (the sessions that may be left open), while `self` runs. */
  readonly leaveBehind: <A, E, R>(describe: () => string, self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>() {}

// The process's signal handler is plain Node code: it reads and changes this state synchronously.
interface State {
  signals: number
  graceful: number
  leftBehind: () => string
}

const exitNow = 130

/**
 * Runs the CLI's program with {@link Signals} in context and Node's process as its host, exiting with the
 * code `teardown` gives.
 *
 * @since 0.1.0
 */
export const runMain = <E, A>(
  program: Effect.Effect<A, E, Signals>,
  options: { readonly teardown: Runtime.Teardown }
): void => {
  const state: State = { signals: 0, graceful: 0, leftBehind: () => "" }
  const stop = Deferred.unsafeMake<void>(FiberId.none)
  const around = <A, E, R>(enter: () => void, leave: () => void, self: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(Effect.sync(enter), () => self, () => Effect.sync(leave))
  const signals = Signals.of({
    stop: Deferred.await(stop),
    stopped: Deferred.isDone(stop),
    graceful: (self) => around(() => state.graceful++, () => state.graceful--, self),
    leaveBehind: (describe, self) => {
      let before = state.leftBehind
      return around(() => {
        before = state.leftBehind
        state.leftBehind = describe
      }, () => {
        state.leftBehind = before
      }, self)
    }
  })

  Runtime.makeRunMain(({ fiber, teardown }) => {
    const keepAlive = setInterval(constVoid, 2 ** 31 - 1)
    const onSignal = () => {
      state.signals++
      if (state.signals === 1) {
        if (state.graceful > 0) Deferred.unsafeDone(stop, Exit.void)
        else fiber.unsafeInterruptAsFork(fiber.id())
      } else if (state.signals === 2) {
        process.stderr.write("\nStill stopping (closing the sessions). Press Ctrl-C again to quit at once.\n")
      } else {
        const left = state.leftBehind()
        process.stderr.write(`\nQuit.${left === "" ? "" : ` ${left}`}\n`)
        process.exit(exitNow)
      }
    }
    process.on("SIGINT", onSignal)
    process.on("SIGTERM", onSignal)
    fiber.addObserver((exit) => {
      process.removeListener("SIGINT", onSignal)
      process.removeListener("SIGTERM", onSignal)
      clearInterval(keepAlive)
      teardown(exit, (code) => process.exit(code))
    })
  })(Effect.provideService(program, Signals, signals), { teardown: options.teardown })
}
