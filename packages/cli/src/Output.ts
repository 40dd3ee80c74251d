/**
 * How a command prints: a live, coloured display on a terminal, plain lines into a pipe, or one JSON
 * document for programs. Decided once per run from `--json`, the terminal and `NO_COLOR`.
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

/**
 * Detects the mode: `json` when asked for, `tty` when stdout is a terminal, else `plain`.
 *
 * @since 0.1.0
 */
export const detect = (json: boolean): Effect.Effect<Output, never, Terminal.Terminal> =>
  Effect.gen(function*() {
    const terminal = yield* Terminal.Terminal
    const isTTY = yield* terminal.isTTY
    const noColor = yield* Config.string("NO_COLOR").pipe(
      Config.option,
      Effect.map(Option.exists((value) => value !== "")),
      Effect.orElseSucceed(() => false)
    )
    const columns = isTTY ? yield* terminal.columns : 80
    return {
      mode: json ? "json" : isTTY ? "tty" : "plain",
      style: json ? Ansi.plain : Ansi.choose({ isTTY, noColor }),
      columns: columns > 0 ? columns : 80
    } as const
  })

/**
 * Prints a value as indented JSON on stdout.
 *
 * @since 0.1.0
 */
export const json = (value: unknown): Effect.Effect<void> => Console.log(JSON.stringify(value, null, 2))
