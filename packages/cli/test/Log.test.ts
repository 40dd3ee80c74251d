import { assert, describe, it } from "@effect/vitest"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Log from "../src/Log.js"

// A console that records which stream each line went to.
const recording = () => {
  const lines: Array<readonly ["stdout" | "stderr", string]> = []
  const base = Effect.runSync(Effect.console)
  const console: Console.Console = {
    ...base,
    log: (...args) => Effect.sync(() => void lines.push(["stdout", args.join(" ")])),
    error: (...args) => Effect.sync(() => void lines.push(["stderr", args.join(" ")])),
    unsafe: {
      ...base.unsafe,
      log: (...args) => void lines.push(["stdout", args.join(" ")]),
      error: (...args) => void lines.push(["stderr", args.join(" ")]),
      group: () => {},
      groupEnd: () => {}
    }
  }
  return { console, lines }
}

describe("Log", () => {
  it.effect("every log line goes to stderr, even where runMain installed the pretty logger (stdout)", () =>
    Effect.gen(function*() {
      const { console, lines } = recording()
      yield* Effect.logWarning("Upload session s-1 could not be closed: Server error (500)").pipe(
        Effect.provide(Log.layer),
        // What NodeRuntime.runMain does before the program runs.
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLoggerDefault)),
        Effect.withConsole(console)
      )
      yield* Effect.logError("boom", "details").pipe(Effect.provide(Log.layer), Effect.withConsole(console))
      assert.deepStrictEqual(lines, [
        ["stderr", "deepset-upload: warning: Upload session s-1 could not be closed: Server error (500)"],
        ["stderr", "deepset-upload: error: boom details"]
      ])
    }))
})
