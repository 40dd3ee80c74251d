/**
 * The upload command at work: collect the files, connect, run `Upload.events`, show progress (a live
 * bar on a terminal, lines in a pipe, nothing but the final document for `--json`), then the summary.
 * Ctrl-C stops the uploads; the sessions are closed and the summary says what was done.
 *
 * @since 0.1.0
 */
import * as Upload from "@effect-deepset/sdk/Upload"
import type { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as UploadReport from "@effect-deepset/sdk/UploadReport"
import * as UploadSessions from "@effect-deepset/sdk/UploadSessions"
import * as UploadSource from "@effect-deepset/sdk/UploadSource"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Terminal from "@effect/platform/Terminal"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { IncompleteUpload, UsageError } from "./CliError.js"
import * as Connection from "./Connection.js"
import * as EventLog from "./EventLog.js"
import * as Format from "./Format.js"
import * as Output from "./Output.js"
import * as Progress from "./Progress.js"
import * as ReportView from "./ReportView.js"
import * as Settings from "./Settings.js"

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
  readonly wait: boolean
  readonly timeout: Option.Option<Duration.Duration>
  readonly json: boolean
  readonly emulator: boolean
}

/**
 * How long `--wait` waits unless `--timeout` says otherwise.
 *
 * @since 0.1.0
 */
export const defaultTimeout = "10 minutes"

// Erase the line, then write: the bar is redrawn in place, and text printed above it does not mix
// with a stale bar.
const CLEAR_LINE = "\r\u001b[2K"
const HIDE_CURSOR = "\u001b[?25l"
const SHOW_CURSOR = "\u001b[?25h"

/**
 * Runs the upload command.
 *
 * @since 0.1.0
 */
export const run = Effect.fn("UploadRun.run")(function*(options: Options) {
  const output = yield* Output.detect(options.json)
  const target = yield* Connection.target(options).pipe(
    Effect.mapError((error) =>
      new Settings.SettingsError({
        message: `${error.message}\nTo try it without an account: deepset-upload --emulator ${options.paths.join(" ")}`
      })
    )
  )
  const sources = yield* UploadSource.fromPaths(options.paths, {
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
  const bytes = yield* totalBytes(sources)
  yield* Effect.scoped(Connection.provide(target, (connected) => upload(options, output, connected, sources, bytes)))
})

const totalBytes = (sources: ReadonlyArray<UploadSource.UploadSource>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    let sum = 0
    for (const source of sources) {
      // A skipped entry is not sent: its size is no part of the plan.
      if (source.skip !== undefined) continue
      if (typeof source.body === "object" && "path" in source.body) {
        // A file that cannot be stat'ed fails alone during the upload; here it only counts as 0.
        sum += yield* fs.stat(source.body.path).pipe(
          Effect.map((info) => Number(info.size)),
          Effect.orElseSucceed(() => 0)
        )
      }
    }
    return sum
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

    const draw = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const current = yield* Ref.get(state)
      yield* terminal.display(CLEAR_LINE + Progress.render(current, { now, columns: output.columns, style }))
    }).pipe(Effect.ignore)

    // Print a line for an event; on a terminal the bar is erased first and redrawn by the next tick.
    const log = (event: UploadEvent) =>
      Option.match(
        EventLog.line(event, { detail: output.mode === "tty" ? "notable" : "all", style }),
        {
          onNone: () => Effect.void,
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

    const onEvent = (event: UploadEvent) =>
      Effect.gen(function*() {
        yield* Ref.update(fold, (current) => UploadReport.step(current, event))
        yield* Ref.update(state, (current) => Progress.update(current, event))
        if (output.mode !== "json" && !isRepeat(event)) yield* log(event)
      })

    const events = Upload.events(sources, {
      workspaceName: connected.workspace,
      writeMode: Option.getOrUndefined(options.writeMode),
      // Sent only when asked for: the service's own default applies otherwise.
      parallelProcessing: options.parallelProcessing || undefined,
      concurrency: Option.getOrUndefined(options.concurrency),
      wait: options.wait ? { timeout: Option.getOrElse(options.timeout, () => defaultTimeout) } : false
    })

    const finish = (interrupted: boolean) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const seen = UploadReport.fromFold(yield* Ref.get(fold))
        const report = interrupted ? yield* confirmClosed(seen) : seen
        const context: ReportView.Context = {
          workspace: connected.workspace,
          target: connected.kind,
          apiUrl: connected.apiUrl,
          waited: options.wait,
          interrupted,
          planned: sources.length,
          elapsedMillis: now - startedAt
        }
        if (output.mode === "tty") yield* draw.pipe(Effect.zipRight(terminal.display("\n")), Effect.ignore)
        if (output.mode === "json") {
          yield* Output.json(ReportView.json(report, context))
        } else {
          yield* Console.log(`\n${ReportView.summary(report, context, style)}`)
        }
        return ReportView.verdict(report, options.wait)
      })

    const running = Effect.gen(function*() {
      if (output.mode === "tty") {
        yield* terminal.display(HIDE_CURSOR).pipe(Effect.ignore)
        yield* Effect.addFinalizer(() => terminal.display(SHOW_CURSOR).pipe(Effect.ignore))
        yield* Effect.forkScoped(Effect.repeat(draw, Schedule.spaced("100 millis")))
      }
      yield* Stream.runForEach(events, onEvent)
    })

    yield* Effect.scoped(running).pipe(
      Effect.onInterrupt(() => finish(true).pipe(Effect.ignore)),
      Effect.mapError((error) =>
        error._tag === "InvalidSourcesError" || error._tag === "InvalidInputError"
          ? new UsageError({ message: error.message })
          : error
      )
    )
    const verdict = yield* finish(false)
    if (!verdict.ok) {
      return yield* new IncompleteUpload({ failed: verdict.uploadFailed + verdict.ingestionFailed + verdict.pending })
    }
  })

/**
 * After Ctrl-C the SDK closes the sessions on its way out, but the events saying so were never
 * delivered. Closing again is harmless (the API answers 204 for a closed session), so every session
 * the report does not know as closed is closed here, and the report says what the API answered.
 */
const confirmClosed = (report: UploadReport.UploadReport) =>
  Effect.gen(function*() {
    const sessions = yield* Effect.forEach(report.sessions, (session) =>
      session.closed
        ? Effect.succeed(session)
        : UploadSessions.close({ sessionId: session.sessionId, retry: false }).pipe(
          Effect.timeout("5 seconds"),
          Effect.as(new UploadReport.SessionReport({ ...session, closed: true })),
          Effect.orElseSucceed(() => session)
        ), { concurrency: "unbounded" })
    return new UploadReport.UploadReport({ sessions, files: report.files })
  })
