/**
 * The upload command at work: collect the files, connect, run `Upload.events`, show progress (a live
 * bar on a terminal, lines in a pipe, nothing but the final document for `--json`), then the summary.
 * Ctrl-C stops gracefully (the SDK's `stop`): no more files are taken, the ones in flight finish, the
 * sessions are closed, and the summary says what was done; cleanup gets {@link cleanupBound} in all.
 *
 * @since 0.1.0
 */
import * as Upload from "@effect-deepset/sdk/Upload"
import type { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as UploadReport from "@effect-deepset/sdk/UploadReport"
import * as UploadSource from "@effect-deepset/sdk/UploadSource"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { IncompleteUpload, Interrupted, type RunFailed, UsageError } from "./CliError.js"
import * as Connection from "./Connection.js"
import * as EventLog from "./EventLog.js"
import * as Fatal from "./Fatal.js"
import * as Format from "./Format.js"
import * as Journal from "./Journal.js"
import * as Output from "./Output.js"
import * as Progress from "./Progress.js"
import * as ReportLines from "./ReportLines.js"
import * as ReportView from "./ReportView.js"
import * as Settings from "./Settings.js"
import * as Signals from "./Signals.js"

/**
 * The parsed options of the upload command.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly paths: ReadonlyArray<string>
  readonly workspace: Option.Option<string>
  readonly apiUrl: Option.Option<string>
  readonly writeMode: Option.Option<"KEEP" | "OVERWRITE" | "FAIL">
  readonly parallelProcessing: boolean
  readonly recursive: boolean
  /** Follow symbolic links out of the folders given (`--follow-symlinks`). */
  readonly followSymlinks?: boolean | undefined
  readonly ext: ReadonlyArray<string>
  readonly concurrency: Option.Option<number>
  readonly maxFilesPerSession: Option.Option<number>
  readonly wait: boolean
  readonly timeout: Option.Option<Duration.Duration>
  readonly json: boolean
  /** The report as JSON lines (`--json-lines`): a line per file as its outcome is final, then a summary. */
  readonly jsonLines?: boolean | undefined
  readonly emulator: boolean
  /** Keep no journal (`--no-journal`); `fresh`: start it anew (`--fresh`). */
  readonly noJournal: boolean
  readonly fresh: boolean
}

/**
 * How long `--wait` waits unless `--timeout` says otherwise.
 *
 * @since 0.1.0
 */
export const defaultTimeout = "10 minutes"

// Erase the line, then write: the bar is redrawn in place, and text printed above it does not mix
// with a stale bar.
/**
 * How long the upload may take to finish its files in flight and close its sessions after Ctrl-C; then
 * the report is printed with what is known, and the command exits.
 *
 * @since 0.1.0
 */
export const cleanupBound = "10 seconds"

/**
 * How often the bar is redrawn on a terminal: at least 4 times a second. A frame is written only once the
 * one before it was taken (the pause starts when the write completes), so a slow terminal gets fewer.
 *
 * @since 0.1.0
 */
export const redrawEvery = "200 millis"

/**
 * How often a progress line is printed when the output is not a terminal (a pipe, a log, `NO_COLOR`).
 *
 * @since 0.1.0
 */
export const plainLineEvery = "5 seconds"

const CLEAR_LINE = "\r\u001b[2K"
const HIDE_CURSOR = "\u001b[?25l"
const SHOW_CURSOR = "\u001b[?25h"

/**
 * Runs the upload command.
 *
 * @since 0.1.0
 */
export const run = Effect.fn("UploadRun.run")(function*(options: Options) {
  // `--json-lines` keeps stdout for its lines as `--json` does for its document.
  const output = yield* Output.detect(options.json || options.jsonLines === true)
  const target = yield* Connection.target(options).pipe(
    Effect.mapError((error) =>
      new Settings.SettingsError({
        message: `${error.message}\nTo try it without an account: deepset-upload --emulator ${options.paths.join(" ")}`
      })
    )
  )
  // Absolute paths: a file is known to the journal by its path, whatever folder the command runs from.
  const path = yield* Path.Path
  const sources = yield* UploadSource.fromPaths(options.paths.map((given) => path.resolve(given)), {
    recursive: options.recursive,
    followSymlinks: options.followSymlinks,
    extensions: options.ext.length > 0 ? options.ext : undefined
  }).pipe(Effect.mapError((error) => new UsageError({ message: error.message })))
  if (sources.length === 0) {
    return yield* new UsageError({
      message: `No files to upload in ${options.paths.join(", ")}${
        options.ext.length > 0 ? ` with extension ${options.ext.join(" or ")}` : ""
      }${options.recursive ? "" : " (folders are read without their sub-folders; --recursive reads those too)"}.`
    })
  }
  // The total is for the bar and the first line, which `--json` and `--json-lines` do not print: a stat per file
  // spared.
  const bytes = output.mode === "json" ? 0 : yield* totalBytes(sources)
  yield* Effect.scoped(Connection.provide(target, (connected) => upload(options, output, connected, sources, bytes)))
})

const totalBytes = (sources: ReadonlyArray<UploadSource.UploadSource>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    // Many stats at a time: one after another, they held up the first request (a round trip to the thread
    // pool each, 3 000 files ~0.3 s on a busy machine).
    const sizes = yield* Effect.forEach(sources, (source) =>
      // A skipped entry is not sent: its size is no part of the plan. A file that cannot be stat'ed fails
      // alone during the upload; here it only counts as 0.
      source.skip === undefined && typeof source.body === "object" && "path" in source.body
        ? fs.stat(source.body.path).pipe(Effect.map((info) => Number(info.size)), Effect.orElseSucceed(() => 0))
        : Effect.succeed(0), { concurrency: 32 })
    return sizes.reduce((sum, size) => sum + size, 0)
  })

const upload = (
  options: Options,
  output: Output.Output,
  connected: Connection.Connected,
  sources: ReadonlyArray<UploadSource.UploadSource>,
  bytes: number
) =>
  Effect.gen(function*() {
    const { style } = output
    const startedAt = yield* Clock.currentTimeMillis
    const fold = yield* Ref.make(UploadReport.initial)
    const state = yield* Ref.make(Progress.initial({ files: sources.length, bytes, startedAt, waiting: options.wait }))
    const terminal = yield* Terminal.Terminal
    const pathOf = yield* Path.Path

    if (output.mode !== "json") {
      const where = connected.kind === "emulator"
        ? `the in-process emulator at ${connected.apiUrl} (nothing leaves this machine)`
        : connected.apiUrl
      yield* Console.log(
        `Uploading ${Format.plural(sources.length, "file")} (${Format.bytes(bytes)}) to workspace ${
          style.bold(`"${connected.workspace}"`)
        } on ${where}.`
      )
    }

    // Notes where the upload stands, for the rate and the ETA over their window.
    const sample = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) =>
        Effect.map(Ref.updateAndGet(state, (current) => Progress.sample(current, now)), (current) =>
          [now, current] as const)
    )
    let lastFrame = ""
    const draw = Effect.gen(function*() {
      const [now, current] = yield* sample
      const frame = Progress.render(current, { now, columns: output.columns, style })
      // An unchanged frame is not written again.
      if (frame === lastFrame) {
        return
      }
      lastFrame = frame
      yield* terminal.display(CLEAR_LINE + frame)
    }).pipe(Effect.ignore)
    // Off a terminal: the same line without bar or escapes, every few seconds, while the files go.
    const plainLine = Effect.gen(function*() {
      const [now, current] = yield* sample
      if (current.phase !== "uploading") {
        return
      }
      yield* Console.log(Progress.render(current, { now, columns: output.columns, style, bar: false }))
    })

    // Print a line for an event; on a terminal the bar is erased first and redrawn by the next tick.
    const log = (event: UploadEvent) =>
      Option.match(
        EventLog.line(event, { detail: output.mode === "tty" ? "notable" : "all", style }),
        {
          onNone: () =>
            Effect.void,
          onSome: (text) =>
            output.mode === "tty" ? terminal.display(`${CLEAR_LINE}${text}\n`).pipe(Effect.ignore) : Console.log(text)
        }
      )

    // Plain output logs ingestion counts only when they change: polls that saw nothing new are noise.
    const lastCounts = new Map<string, string>()
    const isRepeat = (event: UploadEvent): boolean => {
      if (event._tag !== "IngestionProgress") return false
      const counts = `${event.finished}/${event.failed}/${event.expected}`
      const repeat = lastCounts.get(event.sessionId) === counts
      lastCounts.set(event.sessionId, counts)
      return repeat
    }

    const stopping = output.mode === "json" ? Effect.void : Effect.gen(function*() {
      const line = "Stopping: no more files are taken; the files in flight finish and the sessions are closed."
      yield* output.mode === "tty" ? terminal.display(`${CLEAR_LINE}${line}\n`).pipe(Effect.ignore) : Console.log(line)
    })

    // `--json-lines` writes each file's line once its outcome is final and keeps only the files still open;
    // the other modes fold the whole report.
    const lines = options.jsonLines === true ? ReportLines.make(options.wait) : undefined
    const writeLines = (text: ReadonlyArray<string>) => text.length === 0 ? Effect.void : Console.log(text.join("\n"))
    const onEvent = (event: UploadEvent) =>
      lines !== undefined
        ? writeLines(lines.step(event))
        : Effect.gen(function*() {
          yield* Ref.update(fold, (current) => UploadReport.step(current, event))
          // `--json` draws no progress and logs no event.
          if (output.mode === "json") return
          yield* Ref.update(state, (current) => Progress.update(current, event))
          if (!isRepeat(event)) yield* log(event)
        })

    const signals = yield* Signals.Signals
    // The in-process emulator starts empty every time: a journal of it would skip files it does not hold.
    const journal = options.noJournal || connected.kind === "emulator"
      ? undefined
      : yield* Journal.open(options.paths.map((given) => pathOf.resolve(given)), connected.workspace, options.fresh)
        .pipe(
          Effect.mapError((error) =>
            new UsageError({ message: `${error.message}\nTo upload without a journal: add --no-journal.` })
          )
        )
    if (journal !== undefined && journal.notice !== "" && output.mode !== "json") yield* Console.log(journal.notice)
    const events = Upload.events(sources, {
      journal: journal?.options,
      workspaceName: connected.workspace,
      writeMode: Option.getOrUndefined(options.writeMode),
      // Sent only when asked for: the service's own default applies otherwise.
      parallelProcessing: options.parallelProcessing || undefined,
      concurrency: Option.getOrUndefined(options.concurrency),
      maxFilesPerSession: Option.getOrUndefined(options.maxFilesPerSession),
      wait: options.wait ? { timeout: Option.getOrElse(options.timeout, () => defaultTimeout) } : false,
      stop: signals.stop,
      // Bytes as they go out, for the bar; `--json` draws none.
      progress: output.mode !== "json",
      // A wrong key, an unknown workspace or an API out of reach is said once, not once per file.
      failFast: true
    })

    const finish = (interrupted: boolean, fatal?: RunFailed) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const context: ReportView.Context = {
          workspace: connected.workspace,
          target: connected.kind,
          apiUrl: connected.apiUrl,
          waited: options.wait,
          interrupted,
          planned: sources.length,
          elapsedMillis: now - startedAt
        }
        if (lines !== undefined) {
          // Every outcome ends with the summary line, a fatal one too (its line also goes to stderr).
          yield* writeLines(lines.end(context, fatal?.message))
          return lines.verdict(options.wait)
        }
        const report = UploadReport.fromFold(yield* Ref.get(fold))
        if (output.mode === "tty") {
          lastFrame = ""
          yield* draw.pipe(Effect.zipRight(terminal.display("\n")), Effect.ignore)
        }
        if (output.mode === "json") {
          // Every outcome is one JSON document on stdout, a fatal one too (its line also goes to stderr).
          const document = ReportView.json(report, context)
          yield* Output.json(
            fatal === undefined
              ? document
              : { ...(document as Record<string, unknown>), ok: false, error: fatal.message }
          )
        } else {
          yield* Console.log(`\n${ReportView.summary(report, context, style)}`)
        }
        return ReportView.verdict(report, options.wait)
      })

    const running = Effect.gen(function*() {
      if (output.mode === "tty") {
        yield* terminal.display(HIDE_CURSOR).pipe(Effect.ignore)
        yield* Effect.addFinalizer(() => terminal.display(SHOW_CURSOR).pipe(Effect.ignore))
        yield* Effect.forkScoped(Effect.repeat(draw, Schedule.spaced(redrawEvery)))
      }
      if (output.mode === "plain") {
        yield* Effect.forkScoped(Effect.repeat(Effect.asVoid(sample), Schedule.spaced("1 second")))
        yield* Effect.forkScoped(Effect.schedule(plainLine, Schedule.spaced(plainLineEvery)))
      }
      yield* Effect.forkScoped(Effect.zipRight(signals.stop, stopping))
      yield* Stream.runForEach(events, onEvent)
    })

    // After Ctrl-C the run finishes by itself; past the bound the report is printed without waiting for it
    // (a close that hangs is not waited for: the summary names its session as possibly open).
    const bounded = Effect.raceFirst(
      Effect.disconnect(Effect.scoped(running)),
      Effect.zipRight(signals.stop, Effect.sleep(cleanupBound))
    )
    const leftOpen = () =>
      openSessions(
        lines !== undefined ? lines.sessions() : UploadReport.fromFold(Ref.get(fold).pipe(Effect.runSync)).sessions
      )
    const outcome = yield* signals.graceful(signals.leaveBehind(leftOpen, bounded)).pipe(
      Effect.catchTags({
        InvalidSourcesError: (error) => Effect.fail(new UsageError({ message: error.message })),
        InvalidInputError: (error) => Effect.fail(new UsageError({ message: error.message }))
      }),
      Effect.either
    )
    // An error that dooms the run is said once, after the report of what was done before it, if anything was.
    if (Either.isLeft(outcome)) {
      if (outcome.left._tag === "UsageError") return yield* outcome.left
      const fatal = Fatal.describe(outcome.left, connected)
      if (output.mode === "json" || UploadReport.fromFold(yield* Ref.get(fold)).files.length > 0) {
        yield* finish(false, fatal)
      }
      return yield* fatal
    }
    const stopped = yield* signals.stopped
    const verdict = yield* finish(stopped)
    if (stopped) return yield* new Interrupted()
    if (!verdict.ok) {
      return yield* new IncompleteUpload({
        failed: verdict.uploadFailed + verdict.ingestionFailed + verdict.pending + verdict.unknown
      })
    }
  })

// What the third Ctrl-C leaves behind: the sessions not known to be closed, and how to close them.
const openSessions = (sessions: ReadonlyArray<UploadReport.SessionReport>): string => {
  const open = sessions.filter((session) => !session.closed).map((session) => session.sessionId)
  return open.length === 0
    ? ""
    : `Sessions that may still be open: ${open.join(", ")}; close them with deepset-upload sessions close <id>.`
}
