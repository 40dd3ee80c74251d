/**
 * An open upload session as a resource: created, handed its presigned POST, sent files to (metadata
 * companion first, then the document), and closed exactly once, by the caller or by its finalizer.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { DeepsetClient } from "../DeepsetClient.js"
import type * as Errors from "../Errors.js"
import type * as Models from "../Models.js"
import type { SessionSettings } from "../Upload.js"
import { IngestionTimeoutError, SessionClosedError, SessionExpiredError, SessionFullError } from "../UploadErrors.js"
import * as UploadSessions from "../UploadSessions.js"
import * as FileName from "./fileName.js"
import type * as Meter from "./meter.js"
import * as S3 from "./s3.js"
import type * as Source from "./source.js"
import * as Transfer from "./transfer.js"

/** The files one session accepts (API.md). */
export const maxFilesPerSession = 10_000

/** How a session is opened and how its files are sent: the caller's settings, and the run's files per session. */
export interface Options extends SessionSettings {
  readonly maxFiles?: number | undefined
}

/** Why a file did not reach S3 through an open session. */
export type SendError = S3.AttemptError | SessionExpiredError | SessionFullError | SessionClosedError

/** A document that reached S3; with `digest`, the SHA-256 of what was sent of it and of its companion. */
export interface Sent {
  readonly bytes: number
  readonly meta: boolean
  readonly sha256?: string | undefined
  readonly metaSha256?: string | undefined
  /** The file's modification time as it was sent, for a file. */
  readonly mtimeMs?: number | undefined
}

/** A document that did not reach S3, and whether its companion did. */
export interface NotSent {
  readonly error: SendError
  readonly metaUploaded: boolean
}

/** An open session. */
export interface Open {
  readonly session: Models.UploadSession
  readonly sessionId: string
  /**
   * Sends a prepared source: its companion, then the document; with `digest`, hashing what it sends; with
   * a `meter`, counting the document's bytes as they go out (its companion's are not counted).
   */
  readonly send: (
    source: Source.Prepared,
    digest?: boolean,
    meter?: Meter.Meter
  ) => Effect.Effect<Sent, NotSent, FileSystem.FileSystem>
  /** Documents that reached S3 so far. */
  readonly uploaded: Effect.Effect<number>
  /** Objects that reached S3 so far: documents, their companions, and companions stored alone. */
  readonly stored: Effect.Effect<number>
  /**
   * What ingestion will count once the session is closed: the documents that reached S3, plus the
   * companions that reached S3 without their document (listed as failed, `FILE_NOT_FOUND`).
   */
  readonly expected: Effect.Effect<number>
  /** Closes the session once; later calls share the first call's result. */
  readonly close: Effect.Effect<void, Errors.CloseError, DeepsetClient>
}

/**
 * A session's files: objects reserved against its limit (in flight or stored), documents stored with their
 * companions (`objects`), companions stored alone.
 */
interface Stored {
  readonly closing: boolean
  readonly reserved: number
  readonly uploaded: number
  readonly objects: number
  readonly orphans: number
}

const expiredAt = (session: Models.UploadSession, name: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    now >= DateTime.toEpochMillis(session.expiresAt)
      ? Effect.fail(
        new SessionExpiredError({ sessionId: session.sessionId, expiresAt: session.expiresAt, fileName: name })
      )
      : Effect.void)

/**
 * Opens a session in the current scope; the scope's end closes it if nobody did before, whether the
 * work succeeded, failed or was interrupted.
 */
export const open = (
  options: Options
): Effect.Effect<Open, Errors.CreateError, DeepsetClient | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* DeepsetClient
    const limit = options.maxFiles ?? maxFilesPerSession
    const { workspaceName } = options
    const state = yield* Ref.make<Stored>({ closing: false, reserved: 0, uploaded: 0, objects: 0, orphans: 0 })
    const session = yield* Effect.acquireRelease(
      UploadSessions.create({
        workspaceName,
        writeMode: options.writeMode,
        parallelProcessing: options.parallelProcessing
      }),
      // Nobody is left to hear a failure here but the log; the session still closes itself when it expires.
      (session) =>
        Effect.flatMap(Ref.get(state), ({ closing }) =>
          closing ? Effect.void : UploadSessions.close({ workspaceName, sessionId: session.sessionId }).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning(`Upload session ${session.sessionId} could not be closed: ${error.message}`)
            )
          ))
    )
    const sessionId = session.sessionId
    const close = yield* Effect.cached(
      // Once started, a close runs to its end: an interrupted close could leave the session open for a day.
      Effect.uninterruptible(Effect.zipRight(
        Ref.update(state, (current) => ({ ...current, closing: true })),
        UploadSessions.close({ workspaceName, sessionId })
      ))
    )
    const transfer = yield* Transfer.of(client)
    const target = yield* S3.make({
      client: transfer.client,
      url: session.awsPrefixedRequestConfig.url,
      fields: session.awsPrefixedRequestConfig.fields,
      retry: options.s3Retry,
      timeout: options.s3Timeout,
      redact: transfer.redact
    })
    // A 403 after the session's expiry is S3 refusing the expired policy: say so in the session's terms.
    const sendObject = (name: string, content: Source.Content, digest: boolean, meter?: Meter.Meter) =>
      Effect.zipRight(
        expiredAt(session, name),
        Effect.catchTag(S3.send(target, name, content, digest, meter), "S3Error", (error) =>
          error.status === 403
            ? Effect.zipRight(expiredAt(session, name), Effect.fail(error))
            : Effect.fail(error))
      )

    const send = (
      source: Source.Prepared,
      digest = false,
      meter?: Meter.Meter
    ): Effect.Effect<Sent, NotSent, FileSystem.FileSystem> => {
      const slots = source.meta === undefined ? 1 : 2
      const hasMeta = source.meta !== undefined
      const reserve = Ref.modify(state, (current): [SendError | undefined, Stored] => {
        if (current.closing) {
          return [new SessionClosedError({ sessionId, fileName: source.name }), current]
        }
        if (current.reserved + slots > limit) {
          return [new SessionFullError({ sessionId, limit, fileName: source.name }), current]
        }
        return [undefined, { ...current, reserved: current.reserved + slots }]
      })
      // A failed document frees its place; a companion stored before it is counted as an orphan.
      const document = Effect.tapError(
        sendObject(source.name, source.content, digest, meter),
        () =>
          Ref.update(state, (current) => ({
            ...current,
            reserved: current.reserved - 1,
            orphans: current.orphans + (hasMeta ? 1 : 0)
          }))
      )
      const companion = source.meta === undefined ? Effect.succeed(undefined) : Effect.tapError(
        sendObject(FileName.metaName(source.name), source.meta, digest),
        () =>
          Ref.update(state, (current) => ({ ...current, reserved: current.reserved - 2 }))
      )
      return Effect.flatMap(reserve, (refused): Effect.Effect<Sent, NotSent, FileSystem.FileSystem> => {
        if (refused !== undefined) {
          return Effect.fail({ error: refused, metaUploaded: false })
        }
        return Effect.flatMap(
          Effect.mapError(companion, (error): NotSent => ({ error, metaUploaded: false })),
          (meta) =>
            Effect.mapBoth(document, {
              onFailure: (error): NotSent => ({ error, metaUploaded: hasMeta }),
              onSuccess: ({ bytes, mtimeMs, sha256 }): Sent => ({
                bytes,
                meta: hasMeta,
                sha256,
                metaSha256: meta?.sha256,
                mtimeMs
              })
            })
        ).pipe(Effect.tap(() =>
          Ref.update(
            state,
            (current) => ({ ...current, uploaded: current.uploaded + 1, objects: current.objects + slots })
          )
        ))
      })
    }

    const count = (of: (current: Stored) => number) =>
      Effect.map(Ref.get(state), of)
    return {
      session,
      sessionId,
      send,
      uploaded: count((current) => current.uploaded),
      expected: count((current) => current.uploaded + current.orphans),
      stored: count((current) => current.objects + current.orphans),
      close
    } satisfies Open
  })

/** How long `Upload.waitForIngestion` waits unless told otherwise. */
export const defaultIngestionTimeout: Duration.Duration = Duration.minutes(30)

/**
 * When a session's status is read unless told otherwise: a quarter second after the wait starts, then every
 * second, and once the wait is past twenty seconds, each read a twentieth of the time waited after the one
 * before, at most a minute apart. So an ingestion over within the quarter second is seen then, any other
 * within a second or a twentieth of its time, whichever is longer (leaving room for the listing after it
 * within a tenth), at most one read a second (`pnpm bench` scenario 10, "the wait"). Why not at once: a read
 * right at close finds nearly every ingestion unfinished, and the next came a second later, even for a 20 ms
 * one; a quarter of that second covers the emulator's sessions of a few documents and a service that ingests
 * a few small files at once.
 */
export const defaultIngestionSchedule: Schedule.Schedule<unknown> = Schedule.fromDelay("250 millis").pipe(
  Schedule.andThen(Schedule.modifyDelay(
    Schedule.elapsed,
    (waited) => Duration.clamp(Duration.unsafeDivide(waited, 20), { minimum: "1 second", maximum: "1 minute" })
  ))
)

/** What waiting for ingestion needs. */
export interface IngestionOptions {
  readonly workspaceName?: string | undefined
  readonly sessionId: string
  readonly expected: number
  readonly timeout?: Duration.DurationInput | undefined
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
}

/** Ingestion counts of one poll. */
export interface Counts {
  readonly expected: number
  readonly finished: number
  readonly failed: number
}

/** Whether every document counted on has settled, finished or failed. */
export const isComplete = (counts: Counts): boolean => counts.finished + counts.failed >= counts.expected

/**
 * The counts of every poll of a session's status, ending with the first whose finished and failed files
 * reach `expected`; failing with the last counts seen when `timeout` passes first. Each read comes after
 * the schedule's next delay, the first one too (`Stream.fromSchedule`): a schedule that starts with a zero
 * delay (`Schedule.once`, then its own) reads at once.
 */
export const ingestion = (
  options: IngestionOptions
): Stream.Stream<Counts, IngestionTimeoutError | Errors.GetStatusError, DeepsetClient> =>
  Stream.suspend(() => {
    const { expected, sessionId, workspaceName } = options
    const timeout = Duration.decode(options.timeout ?? defaultIngestionTimeout)
    let last: Counts = { expected, finished: 0, failed: 0 }
    const poll = Effect.map(UploadSessions.getStatus({ workspaceName, sessionId }), (detail): Counts => {
      last = { expected, finished: detail.ingestionStatus.finishedFiles, failed: detail.ingestionStatus.failedFiles }
      return last
    })
    const timedOut = Effect.suspend(() => Effect.fail(new IngestionTimeoutError({ sessionId, timeout, ...last })))
    return Stream.fromSchedule(options.schedule ?? defaultIngestionSchedule).pipe(
      Stream.mapEffect(() => poll),
      Stream.takeUntil(isComplete),
      Stream.interruptWhen(Effect.zipRight(Effect.sleep(timeout), timedOut))
    )
  })
