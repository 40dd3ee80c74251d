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
import * as Exit from "effect/Exit"
import * as Predicate from "effect/Predicate"
import { createRequire } from "node:module"
import { ExitCode } from "./CliError.js"
import * as SessionsCommand from "./SessionsCommand.js"
import * as Settings from "./Settings.js"
import * as UploadCommand from "./UploadCommand.js"

/**
 * The package version, read from `package.json` so that `--version` never drifts from it (the same
 * relative path works from `src/` and from `dist/`).
 *
 * @since 0.1.0
 */
export const version: string = createRequire(import.meta.url)("../package.json").version

/**
 * The whole command tree: `deepset-upload <paths...>` and `deepset-upload sessions list|status|files`.
 *
 * @since 0.1.0
 */
export const command = UploadCommand.command.pipe(Command.withSubcommands([SessionsCommand.command]))

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
    ["deepset-upload --emulator ./docs --wait", "Try it without an account: upload ./docs to an in-process emulator."],
    ["deepset-upload ./docs -r --ext .pdf --ext .md --wait", "Upload the PDF and Markdown files under ./docs."],
    ["deepset-upload report.pdf --write-mode OVERWRITE --json", "Replace report.pdf; print a JSON report."],
    ["deepset-upload sessions list --active", "The newest sessions that have not expired."],
    ["deepset-upload sessions files <session-id> --status FAILED", "Which files of a session failed, and why."]
  ]),
  section("ENVIRONMENT", [
    [Settings.variables.apiKey, "Your deepset Cloud API key (required unless --emulator)."],
    [Settings.variables.workspace, "The workspace, unless --workspace is given."],
    [Settings.variables.apiUrl, "The API's base URL, unless --api-url is given. Default: https://api.cloud.deepset.ai"],
    ["NO_COLOR", "Set to turn off colours."]
  ]),
  section("EXIT CODES", [
    ["0", "Every file landed (uploaded; with --wait also ingested)."],
    ["1", "Some files failed, or the API failed."],
    ["2", "Usage or configuration error; nothing was sent."],
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
      case "IncompleteUpload":
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

/**
 * Runs the CLI on `process.argv`-style arguments and succeeds with the exit code; failures are
 * printed here, so only defects and interruption escape.
 *
 * @since 0.1.0
 */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<ExitCode, never, CliApp.CliApp.Environment> =>
  cli(argv).pipe(
    Effect.as(ExitCode.ok),
    Effect.catchAll(exitCodeOf),
    Effect.provide(CliConfig.layer({ showBuiltIns: false }))
  )

/**
 * The teardown for `NodeRuntime.runMain`: exits with {@link main}'s code, 130 after Ctrl-C, 1 after a
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
