/**
 * How a command prints: a live, coloured display on a terminal, plain lines into a pipe, or one JSON
 * document for programs. Decided once per run from `--json`, the terminal, `NO_COLOR` and `TERM`.
 *
 * @since 0.1.0
 */
import * as Terminal from "@effect/platform/Terminal"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ansi from "./Ansi.js"

/**
 * The output mode and its style.
 *
 * @since 0.1.0
 */
export interface Output {
  readonly mode: "tty" | "plain" | "json"
  readonly style: Ansi.Style
  /** The terminal's width; 80 off a terminal. */
  readonly columns: number
}

const variable = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Effect.map(Option.filter((value) => value !== "")),
    Effect.orElseSucceed(Option.none)
  )

/**
 * Whether escape sequences may be written at all: only when stdout is a terminal that understands them
 * (`TERM` is not `dumb`) and `NO_COLOR` is unset or empty (https://no-color.org). Otherwise nothing the
 * CLI prints holds one: no colour, and no redrawn progress line either.
 *
 * @since 0.1.0
 */
export const escapes: Effect.Effect<boolean, never, Terminal.Terminal> = Effect.gen(function*() {
  const terminal = yield* Terminal.Terminal
  const isTTY = yield* terminal.isTTY
  const noColor = Option.isSome(yield* variable("NO_COLOR"))
  const dumb = Option.exists(yield* variable("TERM"), (term) => term === "dumb")
  return isTTY && !noColor && !dumb
})

/**
 * Detects the mode: `json` when asked for, `tty` when stdout is a terminal that takes escape
 * sequences (see {@link escapes}), else `plain`.
 *
 * @since 0.1.0
 */
export const detect = (json: boolean): Effect.Effect<Output, never, Terminal.Terminal> =>
  Effect.gen(function*() {
    const terminal = yield* Terminal.Terminal
    const isTTY = yield* escapes
    const columns = isTTY ? yield* terminal.columns : 80
    return {
      mode: json ? "json" : isTTY ? "tty" : "plain",
      style: json ? Ansi.plain : Ansi.choose({ isTTY, noColor: false }),
      columns: columns > 0 ? columns : 80
    } as const
  })

const stripAll = (args: ReadonlyArray<unknown>): ReadonlyArray<unknown> =>
  args.map((arg) => typeof arg === "string" ? Ansi.strip(arg) : arg)

/**
 * A console that removes escape sequences from the text it prints. `@effect/cli` styles its help and
 * its parse errors with ANSI codes whatever the output; run under this console, they come out plain.
 *
 * @since 0.1.0
 */
export const plainConsole = (console: Console.Console): Console.Console => {
  const unsafe: Console.UnsafeConsole = {
    ...console.unsafe,
    log: (...args) => console.unsafe.log(...stripAll(args)),
    error: (...args) => console.unsafe.error(...stripAll(args)),
    info: (...args) => console.unsafe.info(...stripAll(args)),
    warn: (...args) => console.unsafe.warn(...stripAll(args)),
    debug: (...args) => console.unsafe.debug(...stripAll(args))
  }
  return {
    ...console,
    log: (...args) => console.log(...stripAll(args)),
    error: (...args) => console.error(...stripAll(args)),
    info: (...args) => console.info(...stripAll(args)),
    warn: (...args) => console.warn(...stripAll(args)),
    debug: (...args) => console.debug(...stripAll(args)),
    unsafe
  }
}

/**
 * Runs `effect` with a console that prints no escape sequences when {@link escapes} says none may be
 * written, `--help` included.
 *
 * @since 0.1.0
 */
export const withPlainConsoleUnlessTerminal = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | Terminal.Terminal> =>
  Effect.flatMap(
    escapes,
    (allowed) =>
      allowed ? effect : Effect.flatMap(Effect.console, (console) => Effect.withConsole(effect, plainConsole(console)))
  )

/**
 * Prints a value as indented JSON on stdout.
 *
 * @since 0.1.0
 */
export const json = (value: unknown): Effect.Effect<void> => Console.log(JSON.stringify(value, null, 2))
