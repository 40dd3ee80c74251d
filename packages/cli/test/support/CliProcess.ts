/**
 * Runs `deepset-upload` as a child process from its TypeScript sources, as a user would run it, with
 * an environment that holds only what the test gives (so a developer's own DEEPSET_* never leak in).
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type { PlatformError } from "@effect/platform/Error"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root: `pnpm demo` runs from there, and `examples/data` is relative to it. */
export const root = fileURLToPath(new URL("../../../../", import.meta.url))

export interface Result {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/**
 * The environment every run gets besides the test's own: PATH, HOME, and a state folder of this test
 * process's own, so that upload journals never come from a developer's earlier runs or another suite.
 */
export const baseEnv: Record<string, string> = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  XDG_STATE_HOME: mkdtempSync(join(tmpdir(), "deepset-upload-state-"))
}

const command = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Command.make(process.execPath, "--conditions=source", "--import", "tsx", "packages/cli/src/bin.ts", ...args).pipe(
    Command.workingDirectory(root),
    Command.env({ ...baseEnv, ...env }, { extendEnv: false })
  )

const text = (stream: Stream.Stream<Uint8Array, PlatformError>) => stream.pipe(Stream.decodeText(), Stream.mkString)

/** Runs the CLI to its end. */
export const run = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): Effect.Effect<Result, PlatformError, CommandExecutor.CommandExecutor> =>
  Effect.scoped(Effect.gen(function*() {
    const process = yield* Command.start(command(args, env))
    const [stdout, stderr, exitCode] = yield* Effect.all(
      [text(process.stdout), text(process.stderr), process.exitCode],
      {
        concurrency: "unbounded"
      }
    )
    return { stdout, stderr, exitCode: Number(exitCode) }
  }))

/**
 * Starts the CLI, waits until a line of its stdout satisfies `until` (or `when` succeeds: e.g. the
 * emulator saw a request, for `--json` runs that print nothing before the end), sends `signal`, and
 * returns what it printed by the time it exited.
 */
export const signalWhen = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  until: (line: string) => boolean,
  signal: "SIGINT" | "SIGTERM",
  when: Effect.Effect<void> = Effect.never
): Effect.Effect<Result, PlatformError, CommandExecutor.CommandExecutor | Scope.Scope> =>
  Effect.gen(function*() {
    const process = yield* Command.start(command(args, env))
    const seen = yield* Deferred.make<void>()
    const lines = yield* Ref.make<Array<string>>([])
    const stdout = yield* process.stdout.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) =>
        Ref.update(lines, (all) => [...all, line]).pipe(
          Effect.zipRight(until(line) ? Deferred.succeed(seen, undefined) : Effect.void)
        )
      ),
      Effect.fork
    )
    const stderr = yield* Effect.fork(text(process.stderr))
    // If the line never comes, the process's own end (and its output) tells the test why.
    yield* Effect.raceAll([Deferred.await(seen), when, Effect.asVoid(process.exitCode)])
    if (yield* process.isRunning) {
      // A process that does not end after the signal is a failure to report, not a test that hangs.
      yield* process.kill(signal).pipe(
        Effect.timeout("90 seconds"),
        Effect.catchTag("TimeoutException", () => process.kill("SIGKILL"))
      )
    }
    const exitCode = yield* process.exitCode
    yield* Fiber.await(stdout)
    return { stdout: (yield* Ref.get(lines)).join("\n"), stderr: yield* Fiber.join(stderr), exitCode: Number(exitCode) }
  })
