/**
 * The help texts, recorded ahead of time. `bundle.mjs` runs {@link record} while it builds the executable
 * and stores what each help request prints in the bundle, where `bin.ts` answers it without loading the CLI
 * (rendering the help with `@effect/cli` and `@effect/printer` costs more than loading them). What is stored
 * is what {@link Cli.main} prints on a terminal that takes colour; `bin.ts` strips the escape sequences
 * where the CLI would.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Terminal from "@effect/platform/Terminal"
import * as ConfigProvider from "effect/ConfigProvider"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Argv from "./Argv.js"
import * as Cli from "./Cli.js"
import { ExitCode } from "./CliError.js"
import * as Signals from "./Signals.js"

/**
 * What a help request prints: the arguments of each `console.log` call, in order. Keyed by
 * {@link key} of the command line.
 *
 * @since 0.1.0
 */
export type Recorded = Readonly<Record<string, ReadonlyArray<ReadonlyArray<string>>>>

/**
 * The key of a command line (the words after the program's name) in {@link Recorded}.
 *
 * @since 0.1.0
 */
export const key = (args: ReadonlyArray<string>): string => JSON.stringify(args)

/**
 * Every help request of the tree: `--help` and `-h` after each command's words (`sessions list --help`).
 *
 * @since 0.1.0
 */
export const requests = (grammar: Argv.Grammar): ReadonlyArray<ReadonlyArray<string>> => {
  const words = grammar.path.slice(1)
  return [
    [...words, "--help"],
    [...words, "-h"],
    ...grammar.subcommands.flatMap(requests)
  ]
}

class RecordingFailed extends Error {}

// A terminal that takes escape sequences, whatever this process's stdout is.
const colourTerminal = Layer.effect(
  Terminal.Terminal,
  Effect.map(Terminal.Terminal, (terminal) => ({ ...terminal, isTTY: Effect.succeed(true) }))
)

// Never signalled: a help request has nothing to stop.
const noSignals = Signals.Signals.of({
  stop: Effect.never,
  stopped: Effect.succeed(false),
  graceful: identity,
  leaveBehind: (_, self) => self
})

/**
 * Runs {@link Cli.main} on one help request as on a colour terminal with no `NO_COLOR` or `TERM` set, and
 * returns what it printed on stdout. Anything on stderr, a value that is not text, or an exit code other
 * than 0 fails: such a request is not answered from a recording.
 *
 * @since 0.1.0
 */
export const recordOne = (args: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<ReadonlyArray<string>>> =>
  Effect.gen(function*() {
    const printed: Array<ReadonlyArray<string>> = []
    const problems: Array<string> = []
    const take = (stream: "stdout" | "stderr", values: ReadonlyArray<unknown>) => {
      if (stream === "stderr") problems.push(`printed on stderr: ${values.map(String).join(" ")}`)
      else if (values.every((value) => typeof value === "string")) printed.push(values)
      else problems.push("printed a value that is not text")
    }
    const console = yield* Effect.console
    const recording: Console.Console = {
      ...console,
      log: (...values) => Effect.sync(() => take("stdout", values)),
      error: (...values) => Effect.sync(() => take("stderr", values)),
      unsafe: {
        ...console.unsafe,
        log: (...values) => take("stdout", values),
        error: (...values) => take("stderr", values)
      }
    }
    const code = yield* Cli.main(["node", "deepset-upload", ...args]).pipe(
      Effect.withConsole(recording),
      Effect.provide(colourTerminal),
      Effect.provide(NodeContext.layer),
      Effect.provideService(Signals.Signals, noSignals),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
    )
    if (code !== ExitCode.ok) problems.push(`exit code ${code}`)
    if (problems.length > 0) {
      return yield* Effect.die(new RecordingFailed(`deepset-upload ${args.join(" ")}: ${problems.join("; ")}`))
    }
    return printed
  })

/**
 * Every help request of the CLI's tree ({@link requests}), recorded.
 *
 * @since 0.1.0
 */
export const record: Effect.Effect<Recorded> = Effect.map(
  Effect.forEach(
    requests(Cli.grammar),
    (args) => Effect.map(recordOne(args), (printed) => [key(args), printed] as const)
  ),
  Object.fromEntries
)
