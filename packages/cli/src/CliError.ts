/**
 * The CLI's own failures and the exit code each one means.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The command line asked for something impossible (no paths, conflicting flags); nothing was sent.
 * Exit code 2.
 *
 * @since 0.1.0
 */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String
}) {}

/**
 * Some files did not land (upload or ingestion failed). The report has already been printed, so this
 * error only carries the exit code 1.
 *
 * @since 0.1.0
 */
export class IncompleteUpload extends Schema.TaggedError<IncompleteUpload>()("IncompleteUpload", {
  failed: Schema.Number
}) {}

/**
 * Some of what a command set out to do failed, and its report (already printed) says which: e.g. a
 * session `sessions close` could not close. Only carries the exit code 1.
 *
 * @since 0.1.0
 */
export class PartlyFailed extends Schema.TaggedError<PartlyFailed>()("PartlyFailed", {
  failed: Schema.Number
}) {}

/**
 * Ctrl-C (or SIGTERM) stopped the upload; its report (already printed) says what was done. Only carries
 * the exit code 130.
 *
 * @since 0.1.0
 */
export class Interrupted extends Schema.TaggedError<Interrupted>()("Interrupted", {}) {}

/**
 * The upload failed as a whole (a wrong key, an unknown workspace, an API out of reach, a service that
 * stopped answering): `message` says it once, with what to do. Exit code 2 for settings the user can fix,
 * 1 otherwise.
 *
 * @since 0.1.0
 */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  message: Schema.String,
  exitCode: Schema.Literal(1, 2)
}) {}

/**
 * The exit codes: 0 everything landed, 1 something failed, 2 usage or configuration error, 130
 * interrupted (Ctrl-C), as shells expect after SIGINT.
 *
 * @since 0.1.0
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  interrupted: 130
} as const

/**
 * One of the {@link ExitCode} values.
 *
 * @since 0.1.0
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
