/**
 * The upload workflow: files into upload sessions through S3 presigned POSTs, sessions that are always
 * closed, ingestion tracking, and a report that matches what the service holds.
 *
 * - {@link files} and {@link paths} upload and return an `UploadReport`;
 * - {@link events} is the same run as a `Stream` of progress events, for pipelines and progress bars;
 * - {@link session} is a scoped session for callers who drive their own flow;
 * - {@link waitForIngestion} polls a closed session until its documents are ingested.
 *
 * Uploads go to S3 through the `DeepsetClient`'s `transfer` client: no `Authorization` header, no API
 * base URL, no trace headers; the API key never reaches S3. Bodies are built afresh for every attempt,
 * files stream from disk with an exact `Content-Length`, and memory stays flat whatever the sizes.
 *
 * Only a source that may hold a path requires a `FileSystem` (`UploadSource.Requirements`, in the types
 * and at run time): bytes, text and streams upload with an `HttpClient` (`FetchHttpClient.layer` on any
 * platform) and the `DeepsetClient` alone.
 *
 * @example
 * ```ts
 * import { DeepsetClient, Upload } from "@effect-deepset/sdk"
 * import { NodeContext, NodeHttpClient } from "@effect/platform-node"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const program = Effect.gen(function*() {
 *   const report = yield* Upload.paths("./docs", { recursive: true, wait: true })
 *   console.log(`${report.uploaded} uploaded, ${report.failed} failed`)
 * })
 *
 * program.pipe(
 *   Effect.provide(Layer.mergeAll(
 *     DeepsetClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici)),
 *     NodeContext.layer
 *   ))
 * )
 * ```
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import type * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "./DeepsetClient.js"
import * as Errors from "./Errors.js"
import * as S3Session from "./internal/s3Session.js"
import * as Source from "./internal/source.js"
import * as UploadRun from "./internal/uploadRun.js"
import type * as Models from "./Models.js"
import type * as UploadErrors from "./UploadErrors.js"
import type { UploadEvent } from "./UploadEvent.js"
import type * as UploadJournal from "./UploadJournal.js"
import { SessionIngestion, sink as reportOfEvents, type UploadReport } from "./UploadReport.js"
import * as UploadSource from "./UploadSource.js"

/**
 * How many files are sent at once unless `concurrency` says otherwise: the best of the benchmark's sweep
 * over 8, 16, 32 and 64 with 20 ms on every request (scenario 9 in BENCHMARKS.md; on loopback, scenario 6,
 * 32 and 64 are within a few percent). With latency the rounds of requests are what a run waits for, so
 * more in flight means fewer of them; the client's CPU per file is the limit beyond.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultConcurrency = 64

/**
 * How many files in a row may fail with a transport error or a timeout before the run probes the API
 * and, if it does not answer, gives up (`giveUpAfter`).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultGiveUpAfter = 10

/**
 * How often a run asked for `progress: true` reports the bytes sent so far (`BytesSent`), at most.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultProgressInterval: Duration.Duration = Duration.millis(250)

/**
 * The most files (documents and metadata companions) one session accepts.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxFilesPerSession: number = S3Session.maxFilesPerSession

/**
 * How long waiting for ingestion lasts unless told otherwise (30 minutes).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultIngestionTimeout: Duration.Duration = S3Session.defaultIngestionTimeout

/**
 * When a session's status is polled while waiting, unless told otherwise: a quarter second after the wait
 * starts, then every second, and once the wait is past twenty seconds, each poll a twentieth of the time
 * waited after the one before, at most a minute apart. The end of an ingestion is seen within a quarter
 * second when it is that quick, else within a second or a twentieth of its time, whichever is longer, with
 * at most one poll a second.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultIngestionSchedule: Schedule.Schedule<unknown> = S3Session.defaultIngestionSchedule

/**
 * How sessions are opened and how files are sent to S3.
 *
 * - `workspaceName`: default the client's workspace;
 * - `writeMode`: what happens to a name that exists already (`KEEP`, `OVERWRITE`, `FAIL`);
 * - `s3Retry`: the retry schedule per file, fed with each failure; only transient failures (5xx,
 *   400 `RequestTimeout`/`IncompleteBody`, 503 `SlowDown`, transport, timeout) are ever retried, and
 *   each attempt builds its body afresh. `false`: no retries. Default: the SDK's backoff
 *   (`Retry.make`) with four retries;
 * - `s3Timeout`: the limit of one attempt; default 30 seconds plus one second per MiB.
 *
 * @since 0.1.0
 * @category options
 */
export interface SessionSettings {
  readonly workspaceName?: string | undefined
  readonly writeMode?: Models.KnownWriteMode | undefined
  /** Sent on create as `parallel_processing_enabled` (see `UploadSessions.CreateOptions.parallelProcessing`). */
  readonly parallelProcessing?: boolean | undefined
  readonly s3Retry?: Schedule.Schedule<unknown, UploadErrors.S3AttemptError> | false | undefined
  readonly s3Timeout?: Duration.DurationInput | undefined
}

/**
 * How to wait for ingestion: at most `timeout` per session (default {@link defaultIngestionTimeout}),
 * polling on `schedule` (default {@link defaultIngestionSchedule}). Every poll, the first included, comes
 * after the schedule's next delay: `Schedule.spaced("5 seconds")` first polls after five seconds, and a
 * schedule that starts with `Schedule.once` (`Schedule.once.pipe(Schedule.andThen(...))`) polls at once.
 * A session that times out is reported with its last counts (`SessionReport.ingestionError`), not as a
 * failure of the whole run.
 *
 * @since 0.1.0
 * @category options
 */
export interface WaitOptions {
  readonly timeout?: Duration.DurationInput | undefined
  readonly schedule?: Schedule.Schedule<unknown> | undefined
}

/**
 * Options of {@link files}, {@link paths} and {@link events}.
 *
 * - `concurrency`: files in flight at once, default {@link defaultConcurrency};
 * - `maxFilesPerSession`: files per session, 2 to 10 000 (default); a document's companion stays in
 *   its session and counts toward the limit;
 * - `wait`: after closing, wait for ingestion and report each file's state (`true`: with defaults);
 * - `failFast`: an error that dooms every remaining file stops the run at once instead of failing each
 *   file with it: a session that cannot be opened (after the run's own retries: `UploadSessions.create`
 *   retries only where the server provably did not act; the run also retries timeouts, resets and 5xx,
 *   since a session created unseen is empty and harmless), or a service that stopped answering (see
 *   `giveUpAfter`). The files in flight finish, the sessions opened are closed with their events, and the
 *   stream fails with that error (`Errors.CreateError` or `ServiceUnreachableError`). Default `false`:
 *   the files meant for a session that could not be opened fail with its error, and the run goes on;
 * - `giveUpAfter`: how many files in a row may fail with a transport error or timeout (each after its own
 *   retries) before the run probes the API once (5 s) and, if it does not answer either, sends nothing
 *   more: the files not sent fail with `ServiceUnreachableError` (with `failFast`, the run fails with it).
 *   Default {@link defaultGiveUpAfter};
 * - `journal`: keep a journal of the run (see {@link JournalOptions} and `UploadJournal`), and resume from
 *   the runs it already holds: their open sessions are closed, files in flight when they ended are looked up
 *   in their sessions, and a source that landed before and has not changed since is reported as skipped
 *   (`uploaded earlier, in session …`) instead of being sent again;
 * - `stop`: a graceful stop. When this effect completes (`Deferred.await(stopped)`, a signal), the run
 *   takes no more sources, lets the files in flight finish, closes its sessions and ends with `Done`;
 *   it does not wait for ingestion any more. The report then holds exactly what was done: every file
 *   that reached S3 has its event, and sources never taken are absent;
 * - `progress`: also report the documents' bytes as they go out, in `BytesSent` events, at most every
 *   {@link defaultProgressInterval} (`true`) or the interval given, and only when the count changed. A
 *   streamed file counts its chunks as they are handed to the request (an addition per chunk), a small one
 *   counts when it lands, and an attempt that fails takes its bytes back, so a retried file counts once.
 *   Default: none, the files' events only.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options extends SessionSettings {
  readonly concurrency?: number | undefined
  readonly maxFilesPerSession?: number | undefined
  readonly wait?: boolean | WaitOptions | undefined
  readonly stop?: Effect.Effect<void> | undefined
  readonly failFast?: boolean | undefined
  readonly giveUpAfter?: number | undefined
  readonly journal?: JournalOptions | undefined
  readonly progress?: boolean | Duration.DurationInput | undefined
}

/**
 * Where a run keeps its journal: the `UploadJournal` service (`UploadJournal.makeFile`, `makeMemory`, or your
 * own), and the upload root and workspace its records name. Sources are known by the name they are given
 * (for files from `UploadSource.fromPaths`, their path as given: give absolute paths for a journal that
 * outlives the working folder). A file is journaled as `sending` before its first byte and as `sent`, with
 * the SHA-256 of the bytes as they went out, before it counts as uploaded; a journal that cannot be written
 * ends the run with `UploadJournalError`.
 *
 * @since 0.1.0
 * @category options
 */
export interface JournalOptions {
  readonly service: UploadJournal.Service
  readonly root: string
  readonly workspace: string
}

/**
 * What fails a whole run: with `failFast`, a session that cannot be opened or a service that stopped
 * answering; with a `journal`, a journal that cannot be read or written.
 *
 * @since 0.1.0
 * @category errors
 */
export type RunError = Errors.CreateError | UploadErrors.ServiceUnreachableError | UploadJournal.UploadJournalError

/**
 * Options of {@link paths}: what to upload from disk, and how.
 *
 * @since 0.1.0
 * @category options
 */
export interface PathsOptions extends Options, UploadSource.PathsOptions {}

const invalid = (operation: string, field: string, description: string) =>
  new Errors.InvalidInputError({ operation, field, description })

const settle = (operation: string, options: Options): Effect.Effect<UploadRun.Options, Errors.InvalidInputError> => {
  const concurrency = options.concurrency ?? defaultConcurrency
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    return Effect.fail(invalid(operation, "concurrency", `must be a positive integer, got ${concurrency}`))
  }
  const maxFiles = options.maxFilesPerSession ?? maxFilesPerSession
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 2 || maxFiles > maxFilesPerSession) {
    return Effect.fail(
      invalid(operation, "maxFilesPerSession", `must be an integer from 2 to ${maxFilesPerSession}, got ${maxFiles}`)
    )
  }
  const wait = options.wait === undefined || options.wait === false
    ? false as const
    : {
      timeout: (options.wait === true ? undefined : options.wait.timeout) ?? defaultIngestionTimeout,
      schedule: (options.wait === true ? undefined : options.wait.schedule) ?? defaultIngestionSchedule
    }
  const giveUpAfter = options.giveUpAfter ?? defaultGiveUpAfter
  if (!Number.isSafeInteger(giveUpAfter) || giveUpAfter < 1) {
    return Effect.fail(invalid(operation, "giveUpAfter", `must be a positive integer, got ${giveUpAfter}`))
  }
  return Effect.succeed({
    ...options,
    concurrency,
    maxFiles,
    wait,
    stop: options.stop,
    failFast: options.failFast === true,
    giveUpAfter,
    journal: options.journal,
    progress: options.progress === undefined || options.progress === false
      ? undefined
      : options.progress === true
      ? defaultProgressInterval
      : Duration.decode(options.progress)
  })
}

/**
 * The internals are typed for the worst case, any source, so they require `FileSystem`. At run time they ask
 * for it only to read a path body (`internal/source.ts`, and `internal/journaling.ts` for a file's identity),
 * so a run whose sources hold no path never touches it: the run requires what its sources do (see
 * `UploadSource.Requirements`), besides the caller's `R` and the `DeepsetClient`.
 */
const onlyForPaths = <S extends UploadSource.UploadSource, A, E, R>(
  self: Stream.Stream<A, E, R | DeepsetClient | FileSystem.FileSystem>
): Stream.Stream<A, E, R | DeepsetClient | UploadSource.Requirements<S>> =>
  self as Stream.Stream<A, E, R | DeepsetClient | UploadSource.Requirements<S>>

/**
 * The upload as a stream of {@link UploadEvent}s, ending with `Done`; `UploadReport.sink` folds them into the
 * report (as {@link files} does). Sources given as
 * an iterable are all checked before anything is sent (a bad name or two sources stored under one name
 * fail the stream with `InvalidSourcesError`); sources given as a `Stream` are checked one by one, and a
 * bad one fails alone. No sources: no session is opened, and the only event is `Done`.
 *
 * Stopping the stream (interruption, `Stream.take`, `Stream.interruptWhen`) stops the files in flight
 * and closes every session opened; `UploadReport.sink` folds the events seen into a report of
 * what was done. A file in flight at that moment has no event: S3 may have stored it before the
 * request was aborted (at most `concurrency` such files). Events are handed over one at a time, and a
 * file counts as in flight until the consumer asks for the event after its own, so a slow consumer
 * slows the upload down rather than letting it run ahead of what it has seen.
 *
 * @example
 * ```ts
 * import { Upload, UploadEvent } from "@effect-deepset/sdk"
 * import * as Console from "effect/Console"
 * import * as Stream from "effect/Stream"
 *
 * const progress = Upload.events([{ name: "a.txt", body: "hello" }], { wait: true }).pipe(
 *   Stream.filter(UploadEvent.UploadEvent.$is("FileUploaded")),
 *   Stream.runForEach((event) => Console.log(`${event.name}: ${event.bytes} bytes`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category uploading
 */
export const events = <S extends UploadSource.UploadSource, E = never, R = never>(
  sources: Iterable<S> | Stream.Stream<S, E, R>,
  options: Options = {}
): Stream.Stream<
  UploadEvent,
  E | UploadErrors.InvalidSourcesError | Errors.InvalidInputError | RunError,
  R | DeepsetClient | UploadSource.Requirements<S>
> =>
  onlyForPaths<S, UploadEvent, E | UploadErrors.InvalidSourcesError | Errors.InvalidInputError | RunError, R>(
    Stream.unwrap(Effect.map(settle("Upload.events", options), (settled) => UploadRun.events(sources, settled)))
  )

/**
 * Uploads sources and returns the report: every session (closed or not) and every file (uploaded, or
 * failed with the reason; with `wait`, its ingestion state). Failures of single files are in the
 * report, not in the error channel, so the counts always add up to the input.
 *
 * The sources' type says what the run requires besides the `DeepsetClient` (see
 * `UploadSource.Requirements`): a `FileSystem` if they may hold a path, nothing if they hold bytes,
 * text or streams.
 *
 * @example
 * ```ts
 * import { Upload, UploadSource } from "@effect-deepset/sdk"
 *
 * // requires the DeepsetClient and a FileSystem: one source is a path
 * const report = Upload.files([
 *   { name: "notes.txt", body: "hello", meta: { team: "support" } },
 *   UploadSource.fromPath("./report.pdf")
 * ], { writeMode: "OVERWRITE", wait: { timeout: "10 minutes" } })
 *
 * // requires the DeepsetClient only: text and bytes, for FetchHttpClient on any platform
 * const inMemory = Upload.files([
 *   { name: "a.txt", body: "hello" },
 *   { name: "b.md", body: new TextEncoder().encode("# b"), meta: UploadSource.rawMeta("{\"lang\":\"en\"}") }
 * ])
 * ```
 *
 * @since 0.1.0
 * @category uploading
 */
export const files = <S extends UploadSource.UploadSource, E = never, R = never>(
  sources: Iterable<S> | Stream.Stream<S, E, R>,
  options: Options = {}
): Effect.Effect<
  UploadReport,
  E | UploadErrors.InvalidSourcesError | Errors.InvalidInputError | RunError,
  R | DeepsetClient | UploadSource.Requirements<S>
> => events(sources, options).pipe(Stream.run(reportOfEvents), Effect.withSpan("Upload.files"))

/**
 * Uploads files and folders from disk (see `UploadSource.fromPaths`): companions `x.meta.json` go with
 * their documents, and a companion without its document or two files stored under one name fail with
 * `InvalidSourcesError` before anything is sent.
 *
 * @since 0.1.0
 * @category uploading
 */
export const paths = (
  paths: string | ReadonlyArray<string>,
  options: PathsOptions = {}
): Effect.Effect<
  UploadReport,
  UploadErrors.InvalidSourcesError | Errors.InvalidInputError | RunError,
  DeepsetClient | FileSystem.FileSystem | Path.Path
> =>
  Effect.flatMap(
    UploadSource.fromPaths(paths, {
      recursive: options.recursive,
      extensions: options.extensions,
      followSymlinks: options.followSymlinks
    }),
    (sources) => files(sources, options)
  )

/**
 * A document that reached S3 through {@link OpenSession.send}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sent {
  /** The safe name it is stored under. */
  readonly name: string
  /** The document's size. */
  readonly bytes: number
  /** Whether a metadata companion was uploaded first. */
  readonly meta: boolean
}

/**
 * Why {@link OpenSession.send} did not upload a source.
 *
 * @since 0.1.0
 * @category errors
 */
export type SendError =
  | UploadErrors.InvalidFileNameError
  | UploadErrors.FileNameConflictError
  | UploadErrors.S3AttemptError
  | UploadErrors.SessionExpiredError
  | UploadErrors.SessionFullError
  | UploadErrors.SessionClosedError

/**
 * An open session (see {@link session}).
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenSession {
  readonly sessionId: string
  readonly expiresAt: DateTime.Utc
  /** The session as the API created it. */
  readonly session: Models.UploadSession
  /**
   * Uploads one source: its metadata companion first, then the document. A source that may hold a path
   * requires a `FileSystem` (see `UploadSource.Requirements`): the session's, when it was opened with one
   * in context, else the caller's. Bytes, text and streams require nothing.
   */
  readonly send: <S extends UploadSource.UploadSource>(
    source: S
  ) => Effect.Effect<Sent, SendError, UploadSource.Requirements<S>>
  /** How many documents reached S3 so far. */
  readonly uploaded: Effect.Effect<number>
  /**
   * What ingestion will count once closed, the `expected` of {@link waitForIngestion}: the documents
   * that reached S3, plus companions stored without their document (which fail as `FILE_NOT_FOUND`).
   */
  readonly expected: Effect.Effect<number>
  /** Closes the session now, which starts ingestion; the scope's end then has nothing left to do. */
  readonly close: Effect.Effect<void, Errors.CloseError>
}

/**
 * Options of {@link session}: `maxFiles` is the session's limit of files (default 10 000).
 *
 * @since 0.1.0
 * @category options
 */
export interface OpenOptions extends SessionSettings {
  readonly maxFiles?: number | undefined
}

/**
 * An upload session as a scoped resource: created now, closed when the scope ends (on success, failure
 * or interruption) unless closed before.
 *
 * @example
 * ```ts
 * import { Upload } from "@effect-deepset/sdk"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const session = yield* Upload.session({ writeMode: "KEEP" })
 *   yield* session.send({ name: "a.txt", body: "hello", meta: { lang: "en" } })
 *   yield* session.close
 *   return yield* Upload.waitForIngestion({ sessionId: session.sessionId, expected: yield* session.expected })
 * }))
 * ```
 *
 * @since 0.1.0
 * @category sessions
 */
export const session = (
  options: OpenOptions = {}
): Effect.Effect<OpenSession, Errors.CreateError, DeepsetClient | Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<DeepsetClient>()
    const opened = yield* S3Session.open(options)
    const registry = new Source.NameRegistry()
    let index = 0
    // A send runs in the session's context (its span, its client). The FileSystem it reads a path with is
    // the session's if it was opened with one, else the caller's: only a path source asks for it, and then
    // its type requires it of the caller (`UploadSource.Requirements`).
    const inSession = <A, E>(
      effect: Effect.Effect<A, E, FileSystem.FileSystem>
    ): Effect.Effect<A, E, FileSystem.FileSystem> =>
      Effect.contextWithEffect((caller: Context.Context<FileSystem.FileSystem>) =>
        Effect.provide(effect, Context.merge(caller, context))
      )
    // Typed for any source, it asks for the FileSystem only for a path (see `onlyForPaths`).
    const send = <S extends UploadSource.UploadSource>(
      source: S
    ): Effect.Effect<Sent, SendError, UploadSource.Requirements<S>> =>
      Effect.suspend((): Effect.Effect<Sent, SendError, FileSystem.FileSystem> => {
        const prepared = Source.prepare(source, index++)
        if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
        const conflict = registry.claim(prepared.right)
        if (conflict !== undefined) return Effect.fail(conflict)
        return opened.send(prepared.right).pipe(
          Effect.mapBoth({
            onFailure: ({ error }) => error,
            onSuccess: ({ bytes, meta }): Sent => ({ name: prepared.right.name, bytes, meta })
          }),
          inSession
        )
      }) as Effect.Effect<Sent, SendError, UploadSource.Requirements<S>>
    return {
      sessionId: opened.sessionId,
      expiresAt: opened.session.expiresAt,
      session: opened.session,
      send,
      uploaded: opened.uploaded,
      expected: opened.expected,
      close: Effect.provide(opened.close, context)
    } satisfies OpenSession
  }).pipe(Effect.withSpan("Upload.session"))

/**
 * What {@link waitForIngestion} needs: the session, and how many of its documents reached S3.
 *
 * @since 0.1.0
 * @category options
 */
export interface IngestionOptions extends WaitOptions {
  readonly workspaceName?: string | undefined
  readonly sessionId: string
  /** What ingestion will count: the documents that reached S3, not the ones attempted (see `OpenSession.expected`). */
  readonly expected: number
}

/**
 * The ingestion counts of every poll of a closed session, until finished plus failed reaches
 * `expected`; fails with `IngestionTimeoutError` (holding the last counts) when `timeout` passes first.
 *
 * @since 0.1.0
 * @category ingestion
 */
export const ingestionProgress = (
  options: IngestionOptions
): Stream.Stream<SessionIngestion, UploadErrors.IngestionTimeoutError | Errors.GetStatusError, DeepsetClient> =>
  Stream.map(S3Session.ingestion(options), (counts) => new SessionIngestion(counts))

/**
 * Waits until a closed session's documents are ingested: polls `getStatus` on a schedule (each poll after
 * its next delay, the first included; see {@link WaitOptions}) until finished plus failed reaches
 * `expected`, the number of documents that reached S3. Fails with
 * `IngestionTimeoutError`, holding the last counts, when `timeout` passes first.
 *
 * @since 0.1.0
 * @category ingestion
 */
export const waitForIngestion = (
  options: IngestionOptions
): Effect.Effect<SessionIngestion, UploadErrors.IngestionTimeoutError | Errors.GetStatusError, DeepsetClient> =>
  ingestionProgress(options).pipe(
    Stream.runLast,
    Effect.map(Option.getOrElse(() => new SessionIngestion({ expected: options.expected, finished: 0, failed: 0 }))),
    Effect.withSpan("Upload.waitForIngestion", { attributes: { "deepset.session_id": options.sessionId } })
  )
