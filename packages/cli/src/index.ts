/**
 * `@effect-deepset/cli`: the `deepset-upload` command line, built with `@effect/cli` on the SDK's public
 * API. The modules are exported so that the command can be embedded in another CLI and its renderers
 * reused; `bin.ts` is the executable.
 *
 * @since 0.1.0
 */

/**
 * The application: command tree, help, exit codes, `main`.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * The CLI's own failures (usage, incomplete upload) and the exit codes.
 *
 * @since 0.1.0
 */
export * as CliError from "./CliError.js"

/**
 * The command line checked against the command tree before parsing: unknown options and commands.
 *
 * @since 0.1.0
 */
export * as Argv from "./Argv.js"

/**
 * The root command: `deepset-upload <paths...>` and its options.
 *
 * @since 0.1.0
 */
export * as UploadCommand from "./UploadCommand.js"

/**
 * The upload at work: progress, summary, Ctrl-C.
 *
 * @since 0.1.0
 */
export * as UploadRun from "./UploadRun.js"

/**
 * `deepset-upload sessions list|status|files|close`.
 *
 * @since 0.1.0
 */
export * as SessionsCommand from "./SessionsCommand.js"

/**
 * Options shared by every command.
 *
 * @since 0.1.0
 */
export * as Flags from "./Flags.js"

/**
 * Settings from flags and `DEEPSET_*` variables.
 *
 * @since 0.1.0
 */
export * as Settings from "./Settings.js"

/**
 * The `DeepsetClient` for a remote API or the in-process emulator.
 *
 * @since 0.1.0
 */
export * as Connection from "./Connection.js"

/**
 * Log lines on stderr.
 *
 * @since 0.1.0
 */
export * as Log from "./Log.js"

/**
 * Output mode detection: terminal, plain or JSON.
 *
 * @since 0.1.0
 */
export * as Output from "./Output.js"

/**
 * The live progress line as a pure fold of upload events.
 *
 * @since 0.1.0
 */
export * as Progress from "./Progress.js"

/**
 * Upload events as log lines.
 *
 * @since 0.1.0
 */
export * as EventLog from "./EventLog.js"

/**
 * The summary, the JSON report and the verdict of an upload.
 *
 * @since 0.1.0
 */
export * as ReportView from "./ReportView.js"

/**
 * Tables and JSON for the sessions commands.
 *
 * @since 0.1.0
 */
export * as SessionsView from "./SessionsView.js"

/**
 * Text tables.
 *
 * @since 0.1.0
 */
export * as Table from "./Table.js"

/**
 * Sizes, rates, durations and dates for people.
 *
 * @since 0.1.0
 */
export * as Format from "./Format.js"

/**
 * Switchable ANSI styling.
 *
 * @since 0.1.0
 */
export * as Ansi from "./Ansi.js"

/**
 * The main loop and what SIGINT and SIGTERM do: stop gracefully, go on cleaning up, quit.
 *
 * @since 0.1.0
 */
export * as Signals from "./Signals.js"

/**
 * An error that dooms the whole upload, said once, with what to do and its exit code.
 *
 * @since 0.1.0
 */
export * as Fatal from "./Fatal.js"

/**
 * Where the upload's journal lives, and what it says when a run resumes.
 *
 * @since 0.1.0
 */
export * as Journal from "./Journal.js"

/**
 * The help texts recorded into the bundle, which `bin.ts` prints without loading the CLI.
 *
 * @since 0.1.0
 */
export * as HelpText from "./HelpText.js"
