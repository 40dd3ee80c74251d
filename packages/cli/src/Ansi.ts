/**
 * Terminal styling that can be switched off: every renderer takes a `Style`, so the same code
 * draws a coloured table on a terminal and plain text into a pipe or a test.
 *
 * @since 0.1.0
 */

/**
 * A set of styling functions; `plain` leaves text untouched.
 *
 * @since 0.1.0
 */
export interface Style {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly cyan: (text: string) => string
}

const wrap = (open: number, close: number) => (text: string): string =>
  text.length === 0 ? text : `\u001b[${open}m${text}\u001b[${close}m`

/**
 * ANSI SGR styling for terminals.
 *
 * @since 0.1.0
 */
export const colored: Style = {
  enabled: true,
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39)
}

const identity = (text: string): string => text

/**
 * No styling at all: for pipes, files, `NO_COLOR` and tests.
 *
 * @since 0.1.0
 */
export const plain: Style = {
  enabled: false,
  bold: identity,
  dim: identity,
  red: identity,
  green: identity,
  yellow: identity,
  cyan: identity
}

// Matches CSI sequences (colours, cursor movement, erase) and OSC sequences.
// eslint-disable-next-line no-control-regex
const escapeSequence = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g

/**
 * Removes ANSI escape sequences, e.g. to measure how wide a styled string is on screen.
 *
 * @since 0.1.0
 */
export const strip = (text: string): string => text.replace(escapeSequence, "")

/**
 * The number of terminal columns a (possibly styled) string occupies.
 *
 * @since 0.1.0
 */
export const width = (text: string): number => [...strip(text)].length

/**
 * Chooses the style for an output: colour only on a terminal, and never when `NO_COLOR` is set
 * (https://no-color.org).
 *
 * @since 0.1.0
 */
export const choose = (options: { readonly isTTY: boolean; readonly noColor: boolean }): Style =>
  options.isTTY && !options.noColor ? colored : plain
