/**
 * Runs `deepset-upload` on a pseudo-terminal, as in a person's terminal: util-linux `script` gives the
 * child a pty for stdin, stdout and stderr, and its `-e` passes the child's exit code on. What the pty
 * shows (stdout and stderr together, with `\r\n` line ends) comes back as `screen`.
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type { PlatformError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { baseEnv, root } from "./CliProcess.js"

export interface Result {
  readonly screen: string
  readonly exitCode: number
}

const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`

/** Runs the CLI to its end on a pty; `env` is all the environment it gets besides PATH and HOME. */
export const run = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): Effect.Effect<Result, PlatformError, CommandExecutor.CommandExecutor> =>
  Effect.scoped(Effect.gen(function*() {
    const line = [process.execPath, "--conditions=source", "--import", "tsx", "packages/cli/src/bin.ts", ...args]
      .map(quote)
      .join(" ")
    const process_ = yield* Command.start(
      Command.make("script", "-qec", line, "/dev/null").pipe(
        Command.workingDirectory(root),
        Command.env({ ...baseEnv, ...env }, { extendEnv: false })
      )
    )
    const [screen, exitCode] = yield* Effect.all(
      [process_.stdout.pipe(Stream.decodeText(), Stream.mkString), process_.exitCode],
      { concurrency: "unbounded" }
    )
    return { screen, exitCode: Number(exitCode) }
  }))
