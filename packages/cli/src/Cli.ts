/**
 * The `deepset-upload` application: the command tree, its help, and the mapping from outcomes to exit
 * codes. `bin.ts` runs {@link main} with Node's runtime.
 *
 * @since 0.1.0
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Predicate from "effect/Predicate"
import { createRequire } from "node:module"
import * as Argv from "./Argv.js"
import { ExitCode, type RunFailed, UsageError } from "./CliError.js"
import * as Log from "./Log.js"
import * as Output from "./Output.js"
import * as SessionsCommand from "./SessionsCommand.js"
import * as Settings from "./Settings.js"
import type * as Signals from "./Signals.js"
import * as UploadCommand from "./UploadCommand.js"

/**
 * The package version, read from `package.json` so that `--version` never drifts from it (the same
 * relative path works from `src/` and from `dist/`).
 *
 * @since 0.1.0
 */
export const version: string = createRequire(import.meta.url)("../package.json").version

/**
 * The whole command tree: `deepset-upload <paths...>` and `deepset-upload sessions list|status|files|close`.
 *
 * @since 0.1.0
 */
export const command = UploadCommand.command.pipe(Command.withSubcommands([SessionsCommand.command]))

/**
 * What the command line may say, read from {@link command}: checked before `@effect/cli` parses it.
 *
 * @since 0.1.0
 */
export const grammar: Argv.Grammar = Argv.grammar(command)

const config = CliConfig.make({ showBuiltIns: false })

const section = (
  title: string,
  entries: Arr.NonEmptyReadonlyArray<readonly [term: string, text: string]>
): HelpDoc.HelpDoc =>
  HelpDoc.sequence(
    HelpDoc.h1(title),
    HelpDoc.descriptionList(
      Arr.map(entries, ([term, text]): [Span.Span, HelpDoc.HelpDoc] => [Span.text(term), HelpDoc.p(text)])
    )
  )

const footer = HelpDoc.blocks([
  section("EXAMPLES", [
    ["deepset-upload --emulator ./docs", "Try it without an account: upload ./docs to an in-process emulator."],
    ["deepset-upload ./docs -r --ext .pdf --ext .md --wait", "Upload the PDF and Markdown files under ./docs."],
    ["deepset-upload report.pdf --write-mode OVERWRITE --json", "Replace report.pdf; print a JSON report."],
    ["deepset-upload sessions list --active", "The newest sessions that have not expired."],
    ["deepset-upload sessions files <session-id> --status FAILED", "Which files of a session failed, and why."],
    ["deepset-upload sessions close --all-open", "Close every open session of the workspace, e.g. after a crash."]
  ]),
  section("ENVIRONMENT", [
    [Settings.variables.apiKey, "Your deepset Cloud API key (required unless --emulator)."],
    [Settings.variables.workspace, "The workspace, unless --workspace is given."],
    [Settings.variables.apiUrl, "The API's base URL, unless --api-url is given. Default: https://api.cloud.deepset.ai"],
    [
      Settings.variables.allowInsecureHttp,
      "true or 1: allow a plain-http API URL to a host that is not loopback, as --allow-insecure-http does."
    ],
    ["NO_COLOR", "Any non-empty value: no colours and no other escape sequences (no live progress line)."],
    ["TERM", "dumb: the same as NO_COLOR. Off a terminal (a pipe, a file) the output is always plain."]
  ]),
  section("EXIT CODES", [
    ["0", "Every file landed (uploaded; with --wait also ingested)."],
    ["1", "Some files failed, or the API failed."],
    ["2", "Usage or configuration error (an unknown option, a bad value, a missing key); nothing was sent."],
    ["130", "Interrupted (Ctrl-C): uploads stopped, sessions closed, report printed."]
  ]),
  HelpDoc.p("Every command also takes --help; deepset-upload --version prints the version.")
])

const cli = Command.run(command, {
  name: "deepset-upload",
  version,
  summary: Span.text("upload files to deepset Cloud"),
  footer
})

// Usage mistakes print their own message (the CLI library does it for parse errors); anything else
// that went wrong is described on stderr. The key never appears: no error the SDK makes contains it.
const exitCodeOf = (error: unknown): Effect.Effect<ExitCode> => {
  if (ValidationError.isValidationError(error)) return Effect.succeed(ExitCode.usage)
  if (Predicate.hasProperty(error, "_tag")) {
    switch (error._tag) {
      case "Interrupted":
        return Effect.succeed(ExitCode.interrupted)
      case "RunFailed":
        return Effect.as(Console.error(describe(error)), (error as RunFailed).exitCode)
      case "IncompleteUpload":
      case "PartlyFailed":
        return Effect.succeed(ExitCode.failed)
      case "UsageError":
      case "SettingsError":
        return Effect.as(Console.error(describe(error)), ExitCode.usage)
    }
  }
  return Effect.as(Console.error(describe(error)), ExitCode.failed)
}

// One problem per line, continuation lines indented under the program's name.
const describe = (error: unknown): string =>
  `deepset-upload: ${Predicate.hasProperty(error, "message") ? String(error.message) : String(error)}`
    .split("\n")
    .join("\n  ")

// The words after `node script`, checked against the tree: the parser would take an unknown option for
// a path and a misspelt subcommand for a mismatch of the whole tree.
const checked = (argv: ReadonlyArray<string>) =>
  Either.match(Argv.check(grammar, argv.slice(2), config), {
    onLeft: (problem) => Effect.fail(new UsageError({ message: Argv.describe(problem) })),
    onRight: () => cli(argv)
  })

/**
 * Runs the CLI on `process.argv`-style arguments and succeeds with the exit code; failures and
 * defects are printed here (on stderr), so only interruption escapes. Log lines go to stderr
 * (`Log.layer`), and nothing printed holds an escape sequence unless stdout is a terminal that takes
 * them (`Output.escapes`).
 *
 * @since 0.1.0
 */
export const main = (
  argv: ReadonlyArray<string>
): Effect.Effect<ExitCode, never, CliApp.CliApp.Environment | Signals.Signals> =>
  Effect.suspend(() => checked(argv)).pipe(
    Effect.as(ExitCode.ok),
    Effect.catchAll(exitCodeOf),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.as(Console.error(describe(`unexpected failure\n${Cause.pretty(cause)}`)), ExitCode.failed)
    ),
    Effect.provide(CliConfig.layer(config)),
    Output.withPlainConsoleUnlessTerminal,
    Effect.provide(Log.layer)
  )

/**
 * The teardown for `Signals.runMain`: exits with {@link main}'s code, 130 after Ctrl-C, 1 after a
 * defect.
 *
 * @since 0.1.0
 */
export const teardown = <E, A>(exit: Exit.Exit<A, E>, onExit: (code: number) => void): void =>
  onExit(
    Exit.match(exit, {
      onSuccess: (code) => typeof code === "number" ? code : ExitCode.ok,
      onFailure: (cause) => Cause.isInterruptedOnly(cause) ? ExitCode.interrupted : ExitCode.failed
    })
  )
