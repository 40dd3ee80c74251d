/**
 * Where log lines go: stderr, always. stdout is the command's report (a summary, a table, or the one
 * `--json` document), so nothing logged by the SDK or the CLI may land there; Effect's default logger
 * and the pretty logger `NodeRuntime.runMain` installs both write with `console.log`, to stdout.
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"

const label = (level: LogLevel.LogLevel): string => {
  switch (level._tag) {
    case "Fatal":
    case "Error":
      return "error"
    case "Warning":
      return "warning"
    default:
      return level.label.toLowerCase()
  }
}

/**
 * One line per message, as the CLI writes its own errors: `deepset-upload: warning: <message>`, the
 * cause's details indented under it.
 *
 * @since 0.1.0
 */
export const format: Logger.Logger<unknown, string> = Logger.make(({ cause, logLevel, message }) => {
  const text = Arr.ensure(message).map((part) => typeof part === "string" ? part : Inspectable.toStringUnknown(part))
  const details = Cause.isEmpty(cause) ? [] : [Cause.pretty(cause, { renderErrorCause: true })]
  return [`deepset-upload: ${label(logLevel)}: ${text.join(" ")}`, ...details].join("\n").split("\n").join("\n  ")
})

/**
 * {@link format} written to stderr through the `Console` in context (so a console that strips
 * escape sequences applies to it as well).
 *
 * @since 0.1.0
 */
export const stderr: Logger.Logger<unknown, void> = Logger.withConsoleError(format)

/**
 * Replaces every logger that writes to stdout (Effect's default and the pretty logger of
 * `NodeRuntime.runMain`) with {@link stderr}, for the effect it is provided to.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<never> = Layer.scopedDiscard(
  Effect.locallyScopedWith(
    FiberRef.currentLoggers,
    (loggers) =>
      loggers.pipe(
        HashSet.remove(Logger.defaultLogger),
        HashSet.remove(Logger.prettyLoggerDefault),
        HashSet.add(stderr)
      )
  )
)
