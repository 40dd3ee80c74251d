/**
 * `deepset-upload <paths...>`: the root command, which uploads files and folders.
 *
 * @since 0.1.0
 */
import * as Upload from "@effect-deepset/sdk/Upload"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "./CliError.js"
import * as Flags from "./Flags.js"
import * as Format from "./Format.js"
import type * as UploadRun from "./UploadRun.js"

const invalid = (text: string) => ValidationError.invalidValue(HelpDoc.p(text))

// Optional here so that `deepset-upload sessions …` parses: @effect/cli parses the root's arguments
// before it looks at the subcommand. The handler insists on at least one path.
const paths = Args.path({ name: "paths", exists: "yes" }).pipe(
  Args.withDescription("Files and folders to upload. A folder's files are uploaded; see --recursive."),
  Args.repeated
)

const writeMode = Flags.choice("write-mode", ["KEEP", "OVERWRITE", "FAIL"]).pipe(
  Options.withDescription(
    "What happens to a file whose name already exists in the workspace: KEEP both, OVERWRITE the old one, " +
      "or FAIL the new one (FILE_ALREADY_EXISTS). Default: the API's, KEEP."
  ),
  Options.optional
)

const parallelProcessing = Options.boolean("parallel-processing").pipe(
  Options.withDescription(
    "Ask deepset to ingest the session's files in parallel (parallel_processing_enabled). Faster; use it only " +
      "if no other upload of the same files runs at the same time."
  )
)

const recursive = Options.boolean("recursive").pipe(
  Options.withAlias("r"),
  Options.withDescription("Also upload the files in sub-folders of the folders given.")
)

const followSymlinks = Options.boolean("follow-symlinks").pipe(
  Options.withDescription(
    "Follow symbolic links wherever they point. By default a link is followed only to a target inside the " +
      "folder given; one pointing elsewhere is listed as skipped."
  )
)

const ext = Options.text("ext").pipe(
  Options.withPseudoName(".EXT"),
  Options.withDescription("Only upload files with this extension; repeat for several: --ext .pdf --ext .txt"),
  Options.repeated,
  Options.map((extensions) =>
    extensions.map((extension) => {
      const lower = extension.trim().toLowerCase()
      return lower.startsWith(".") ? lower : `.${lower}`
    })
  )
)

const concurrency = Flags.integer("concurrency", { min: 1, max: 64 }).pipe(
  Options.withAlias("c"),
  Options.withDescription(`How many files are sent at the same time, 1 to 64. Default: ${Upload.defaultConcurrency}.`),
  Options.optional
)

const maxFilesPerSession = Flags.integer("max-files-per-session", { min: 2, max: Upload.maxFilesPerSession }).pipe(
  Options.withDescription(
    `How many files one upload session holds before the next one is opened, 2 to ${Upload.maxFilesPerSession} ` +
      `(a document's .meta.json companion counts and stays in its session). Default: ${Upload.maxFilesPerSession}.`
  ),
  Options.optional
)

const wait = Options.boolean("wait").pipe(
  Options.withDescription(
    "After uploading, wait until deepset Cloud has ingested every file and report each file's result."
  )
)

const timeout = Options.text("timeout").pipe(
  Options.withPseudoName("DURATION"),
  Options.withDescription("How long --wait waits for ingestion, e.g. 90s, 10m, 1h. Default: 10m."),
  Options.optional,
  Options.mapEffect(Option.match({
    onNone: () => Effect.succeed(Option.none<Duration.Duration>()),
    onSome: (text) =>
      Option.match(Format.parseDuration(text), {
        onNone: () => Effect.fail(invalid(`--timeout: "${text}" is not a duration (try 90s, 10m or 1h).`)),
        onSome: (duration) => Effect.succeed(Option.some(duration))
      })
  }))
)

const jsonLines = Options.boolean("json-lines").pipe(
  Options.withDescription(
    "Print the report as JSON lines on stdout, and nothing else there: a line per file as soon as its outcome " +
      "is known, then a summary line. For runs too large to hold one --json document."
  )
)

const emulator = Options.boolean("emulator").pipe(
  Options.withDescription(
    "Upload to an emulator of deepset Cloud started inside this process: no account, key or network needed. " +
      "Nothing leaves your machine. The emulator is gone when the command ends, so --emulator implies --wait."
  )
)

const fresh = Options.boolean("fresh").pipe(
  Options.withDescription(
    "Forget what earlier runs over the same folders uploaded (their journal) and send every file again."
  )
)

const noJournal = Options.boolean("no-journal").pipe(
  Options.withDescription(
    "Keep no journal of this upload: a run that dies cannot be resumed, and a later run sends every file again."
  )
)

const sync = Options.boolean("sync").pipe(
  Options.withDescription(
    "Make the workspace match the folders: a changed file replaces its earlier copy instead of adding a second " +
      "one (the run's write mode is OVERWRITE; new files are added as usual). Files deleted from the folders " +
      "stay in the workspace: the upload API cannot delete."
  )
)

/**
 * The root command and its options; its handler uploads.
 *
 * @since 0.1.0
 */
export const command = Command.make(
  "deepset-upload",
  {
    paths,
    workspace: Flags.workspace,
    writeMode,
    parallelProcessing,
    recursive,
    followSymlinks,
    ext,
    concurrency,
    wait,
    timeout,
    maxFilesPerSession,
    json: Flags.json,
    jsonLines,
    emulator,
    apiUrl: Flags.apiUrl,
    allowInsecureHttp: Flags.allowInsecureHttp,
    fresh,
    noJournal,
    sync
  },
  (given) => {
    // The in-process emulator stops with the command: there is no background in which ingestion could
    // go on after it, so the command waits for it and reports each file's result.
    const waiting = given.emulator ? { ...given, wait: true } : given
    // A session has one write mode: --sync is OVERWRITE for the whole run. Unchanged files are not sent
    // (the journal skips them) and a new name is simply added, so only changed files are replaced.
    if (waiting.sync && Option.isSome(waiting.writeMode) && waiting.writeMode.value !== "OVERWRITE") {
      return Effect.fail(
        new UsageError({
          message: `--sync replaces changed files (write mode OVERWRITE): drop --write-mode ${waiting.writeMode.value}.`
        })
      )
    }
    const options = waiting.sync ? { ...waiting, writeMode: Option.some("OVERWRITE" as const) } : waiting
    if (options.paths.length === 0) {
      return Effect.fail(
        new UsageError({
          message: "Nothing to upload: give one or more files or folders, e.g. deepset-upload ./docs --wait. " +
            "See deepset-upload --help."
        })
      )
    }
    if (options.json && options.jsonLines) {
      return Effect.fail(new UsageError({ message: "--json and --json-lines: choose one." }))
    }
    if (Option.isSome(options.timeout) && !options.wait) {
      return Effect.fail(new UsageError({ message: "--timeout applies to --wait: add --wait, or drop --timeout." }))
    }
    // UploadRun passes `maxFilesPerSession` on to `Upload.events`; `allowInsecureHttp` reaches
    // `Connection.target` with the rest of the options.
    // Loaded only when an upload runs: `--help` and the sessions commands start without it.
    return Effect.flatMap(Effect.promise(() => import("./UploadRun.js")), (run: typeof UploadRun) => run.run(options))
  }
).pipe(
  Command.withDescription(
    "Upload files and folders to a deepset Cloud workspace through an upload session, then optionally wait " +
      "for ingestion. A file x.pdf.meta.json next to x.pdf is sent as x.pdf's metadata."
  )
)
