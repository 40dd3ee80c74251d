/**
 * The sessions of one run, from open to wait: each opened in the run's scope (so that a run cut short
 * still closes it), counted as sources are assigned to it and done, closed exactly once when it is sealed
 * and its last source is done, and after the uploads waited on until its documents are ingested.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "../DeepsetClient.js"
import type * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import { UploadEvent } from "../UploadEvent.js"
import * as UploadSessions from "../UploadSessions.js"
import * as FileName from "./fileName.js"
import * as Paginate from "./paginate.js"
import * as S3Session from "./s3Session.js"

/** How sessions are opened and, if at all, waited on. */
export interface Options extends S3Session.Options {
  readonly wait: false | { readonly timeout: Duration.DurationInput; readonly schedule: Schedule.Schedule<unknown> }
}

/** Hands an event to the run's consumer. */
export type Emit = (event: UploadEvent) => Effect.Effect<void>

/** Hands events to the run's consumer at once: a page of a session's files, each with its event. */
export type EmitAll = (events: ReadonlyArray<UploadEvent>) => Effect.Effect<void>

interface Counts {
  readonly assigned: number
  readonly done: number
  readonly sealed: boolean
  readonly closed: boolean
}

/** One session of the run, or why it could not be created (its sources then fail with that error). */
export interface Slot {
  readonly session: Either.Either<S3Session.Open, Errors.CreateError>
  readonly counts: Ref.Ref<Counts>
}

/** The sessions of a run. */
export interface Lifecycle {
  /** Opens the next session; a session that cannot be created is a slot holding the error. */
  readonly open: Effect.Effect<Slot, never, DeepsetClient>
  /** One more source goes to the session. */
  readonly assign: (slot: Slot) => Effect.Effect<void>
  /** A source assigned to the session goes elsewhere after all (rolled over); a sealed session may close. */
  readonly release: (slot: Slot) => Effect.Effect<void, never, DeepsetClient>
  /** One of its sources is done, uploaded or failed; the last one of a sealed session closes it. */
  readonly done: (slot: Slot) => Effect.Effect<void, never, DeepsetClient>
  /** The session takes no more sources; if they are all done, it is closed now. */
  readonly seal: (slot: Slot) => Effect.Effect<void, never, DeepsetClient>
  /** Seals every session: the run takes no more sources. */
  readonly sealAll: Effect.Effect<void, never, DeepsetClient>
  /** Waits for the ingestion of every closed session that holds documents, then reports each file. */
  readonly wait: Effect.Effect<void, never, DeepsetClient>
}

// A failure after which the service may have acted (a timeout, a reset, a 5xx): `create` does not retry it,
// the run does. What `create` retries itself (429, a 503 with Retry-After, a refused connection) it has
// retried already; a bad input was refused before anything was sent.
const isAmbiguous = (error: Errors.CreateError): error is Exclude<Errors.CreateError, Errors.InvalidInputError> =>
  error._tag !== "InvalidInputError" && Retry.isTransient(error) && !Retry.isProvablyUnprocessed(error)

/**
 * How the run retries opening a session after `UploadSessions.create` gave up. Unlike `create` alone, the
 * run retries after ambiguous failures (a timeout, a reset, a 5xx): a session created unseen is empty, and
 * closing or expiring an empty session ingests nothing. Three more tries, 1, 2 and 4 seconds apart.
 */
const openRetries = 3
export const openRetry: Schedule.Schedule<unknown, Errors.CreateError> = Schedule.exponential("1 second").pipe(
  Schedule.intersect(Schedule.recurs(openRetries)),
  Schedule.whileInput(isAmbiguous)
)

// Whoever makes a sealed session's count complete closes it, once.
const closer = (change: (counts: Counts) => Counts) => (counts: Counts): readonly [boolean, Counts] => {
  const next = change(counts)
  const closes = next.sealed && !next.closed && next.done >= next.assigned
  return [closes, closes ? { ...next, closed: true } : next]
}

const close = (slot: Slot, emit: Emit): Effect.Effect<void, never, DeepsetClient> =>
  Either.match(slot.session, {
    onLeft: () => Effect.void,
    onRight: (session) =>
      Effect.gen(function*() {
        const result = yield* Effect.either(session.close)
        const { assigned } = yield* Ref.get(slot.counts)
        yield* emit(UploadEvent.SessionClosed({
          sessionId: session.sessionId,
          files: assigned,
          uploaded: yield* session.uploaded,
          error: Either.isLeft(result) ? result.left : undefined
        }))
      })
  })

/**
 * Pages of a settled session's file list in flight at once. Eight: 10 000 files (100 pages) take 1 + 13
 * round trips instead of 100 (1.4 s at 100 ms a trip, not 10 s), 2 000 files 1 + 3; more would save a round
 * trip or two while multiplying what a rate limit sees (up to four sessions are waited on at once).
 */
const listingConcurrency = 8

const ingestion = (session: S3Session.Open, options: Options, emit: Emit, emitAll: EmitAll) =>
  Effect.gen(function*() {
    if (options.wait === false) return
    const expected = yield* session.expected
    if (expected === 0) return
    const { workspaceName } = options
    const { sessionId } = session
    const progress = S3Session.ingestion({ workspaceName, sessionId, expected, ...options.wait }).pipe(
      Stream.tap((counts) => emit(UploadEvent.IngestionProgress({ sessionId, ...counts }))),
      Stream.runLast
    )
    // Complete counts mean a closed session whose every file has settled: its list no longer changes, so its
    // pages can come by number, several at once. A schedule that ran out first leaves a list that may still
    // change, walked by cursor.
    const listing = (settled: boolean) =>
      settled
        ? Paginate.settledListing({
          pageSize: UploadSessions.defaultPageSize,
          concurrency: listingConcurrency,
          fetch: (query) => UploadSessions.getFiles({ workspaceName, sessionId, ...query })
        })
        : UploadSessions.streamFiles({ workspaceName, sessionId })
    const files = (settled: boolean) =>
      listing(settled).pipe(
        Stream.filter((file) => !FileName.isMetaName(file.name)),
        // A page's events go to the consumer together: one hand-off a page, not one a file.
        Stream.runForEachChunk((page) =>
          emitAll(Chunk.toReadonlyArray(Chunk.map(page, (file) =>
            UploadEvent.FileIngested({
              sessionId,
              name: file.name,
              status: file.ingestionStatus,
              reason: file.ingestionStatusReason
            }))))
        )
      )
    yield* Effect.catchAll(
      Effect.flatMap(progress, (last) => files(Option.exists(last, S3Session.isComplete))),
      (error) => emit(UploadEvent.IngestionFailed({ sessionId, error }))
    )
    // The wait for this session ended (answered or not): its uploaded files not listed by now have an
    // unknown ingestion state. Not emitted when the wait is interrupted.
    yield* emit(UploadEvent.IngestionDone({ sessionId }))
  })

/** The sessions of a run that opens them in the current scope and reports them through `emit`. */
export const make = (options: Options, emit: Emit, emitAll: EmitAll): Effect.Effect<Lifecycle, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const slots = yield* Ref.make<ReadonlyArray<Slot>>([])

    const open = Effect.gen(function*() {
      // A try that may have created a session unseen is an event, which the report counts.
      const tries = yield* Ref.make(0)
      const session = yield* S3Session.open(options).pipe(
        Effect.provideService(Scope.Scope, scope),
        Effect.tapError((error) =>
          isAmbiguous(error)
            ? Effect.flatMap(
              Ref.updateAndGet(tries, (n) => n + 1),
              (n) => emit(UploadEvent.SessionPossiblyCreated({ error, willRetry: n <= openRetries }))
            )
            : Effect.void
        ),
        Effect.retry(openRetry),
        Effect.either
      )
      const slot: Slot = {
        session,
        counts: yield* Ref.make<Counts>({ assigned: 0, done: 0, sealed: false, closed: false })
      }
      yield* Ref.update(slots, (all) => [...all, slot])
      if (Either.isRight(session)) {
        const { expiresAt } = session.right.session
        yield* emit(UploadEvent.SessionOpened({ sessionId: session.right.sessionId, expiresAt }))
      }
      return slot
    })

    const settle = (slot: Slot, change: (counts: Counts) => Counts) =>
      Effect.flatMap(Ref.modify(slot.counts, closer(change)), (closes) => closes ? close(slot, emit) : Effect.void)

    const seal = (slot: Slot) => settle(slot, (counts) => ({ ...counts, sealed: true }))

    const closedSessions = Effect.flatMap(
      Ref.get(slots),
      Effect.filter((slot) =>
        Effect.map(Ref.get(slot.counts), (counts) => counts.closed && Either.isRight(slot.session))
      )
    )

    return {
      open,
      assign: (slot) => Ref.update(slot.counts, (counts) => ({ ...counts, assigned: counts.assigned + 1 })),
      release: (slot) => settle(slot, (counts) => ({ ...counts, assigned: counts.assigned - 1 })),
      done: (slot) => settle(slot, (counts) => ({ ...counts, done: counts.done + 1 })),
      seal,
      sealAll: Effect.flatMap(Ref.get(slots), Effect.forEach(seal, { discard: true })),
      wait: Effect.flatMap(closedSessions, (closed) =>
        Effect.forEach(
          closed.flatMap((slot) => Either.isRight(slot.session) ? [slot.session.right] : []),
          (session) => ingestion(session, options, emit, emitAll),
          { concurrency: 4, discard: true }
        ))
    } satisfies Lifecycle
  })
