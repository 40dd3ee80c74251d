/**
 * Sending: routed sources go to S3 `concurrency` at a time, each reported by its event. A file holds its
 * place until the consumer has handled its event, so that a run cut short leaves at most `concurrency`
 * files stored without an event (twice that with a journal, below), and a slow consumer slows the upload
 * instead of falling behind it.
 *
 * With a journal, a file's two durable records (`sending` before its first byte, `sent` before its event)
 * are waited for outside its send slot: `concurrency` files are on the wire at once, and as many again are
 * journaled, ahead of a slot (their `sending` syncing while they wait for it) or behind one (their `sent`
 * syncing), so that the uploads do not wait for the disk.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Arr from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "../DeepsetClient.js"
import type { FileError } from "../UploadErrors.js"
import { UploadEvent } from "../UploadEvent.js"
import type { UploadJournalError } from "../UploadJournal.js"
import type * as CircuitBreaker from "./circuitBreaker.js"
import type * as Journaling from "./journaling.js"
import type * as Meter from "./meter.js"
import type * as S3Session from "./s3Session.js"
import type * as SessionLifecycle from "./sessionLifecycle.js"
import type * as Source from "./source.js"

/** A source routed to its session. */
export interface Job {
  readonly _tag: "Job"
  readonly source: Source.Prepared
  readonly slot: SessionLifecycle.Slot
  /** The source as the run's journal knows it, when the run keeps one. */
  readonly identity?: Journaling.Identity | undefined
}

/** A source that cannot be sent, reported as failed where it stands in the input. */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly index: number
  readonly input: string
  readonly error: FileError
}

/** A source marked `skip`: reported as skipped where it stands in the input, sent nowhere, no session for it. */
export interface Skipped {
  readonly _tag: "Skipped"
  readonly index: number
  readonly input: string
  readonly reason: string
}

/** A source reported where it stands without being routed or sent. */
export type Unsent = Rejected | Skipped

const failed = (
  { index, input, name }: { readonly index: number; readonly input: string; readonly name: string },
  sessionId: string | undefined,
  error: FileError,
  metaUploaded = false
) => UploadEvent.FileFailed({ index, input, name, sessionId, error, metaUploaded })

/** How a run sends. */
export interface Options {
  readonly concurrency: number
  readonly emit: SessionLifecycle.Emit
  readonly lifecycle: SessionLifecycle.Lifecycle
  /**
   * Routes a source again, into the next session, when its own one refused it (full or expired); `held`:
   * the objects the session held when S3 said it is full.
   */
  readonly reroute: (job: Job, held: number | undefined) => Effect.Effect<Job, never, DeepsetClient>
  readonly breaker: CircuitBreaker.Breaker
  /** The run's journal: a file is journaled as sending before its first byte, as sent before its event. */
  readonly journal: Journaling.Journaling | undefined
  /** Ends the run when the journal cannot be written: a file it does not hold could be sent twice later. */
  readonly abort: (error: UploadJournalError) => Effect.Effect<void>
  /** Counts the documents' bytes as they go out, when the run reports them (`BytesSent`). */
  readonly meter?: Meter.Meter | undefined
}

/** Sends every item, at most `concurrency` at once, emitting one event per item. */
export const sendAll = <E, R>(
  items: Stream.Stream<Job | Unsent, E, R>,
  options: Options
): Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> =>
  Effect.flatMap(Effect.makeSemaphore(options.concurrency), (slots) => sendThrough(items, options, slots))

// `slots`: the send slots, `concurrency` permits; taken only around a file's S3 requests when the run
// keeps a journal, otherwise the file's place in the stream is its slot.
const sendThrough = <E, R>(
  items: Stream.Stream<Job | Unsent, E, R>,
  options: Options,
  slots: Effect.Semaphore
): Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> => {
  const { abort, breaker, concurrency, emit, journal, lifecycle, meter, reroute } = options
  const onTheWire = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    journal === undefined ? effect : slots.withPermits(1)(effect)
  const places = journal === undefined ? concurrency : 2 * concurrency

  // Records of one file in the journal, when the run keeps one (and knows the file there).
  const record = (
    job: Job,
    write: (journal: Journaling.Journaling, identity: Journaling.Identity) => Effect.Effect<void, UploadJournalError>
  ) => journal === undefined || job.identity === undefined ? Effect.void : write(journal, job.identity)

  // The event of one routed source once it is sent or has failed, and the session it ended in.
  const outcome = (
    job: Job,
    rollovers: number
  ): Effect.Effect<
    readonly [UploadEvent, SessionLifecycle.Slot],
    UploadJournalError,
    DeepsetClient | FileSystem.FileSystem
  > => {
    const { slot, source } = job
    const digest = journal !== undefined && job.identity !== undefined
    return Either.match(slot.session, {
      onLeft: (error) =>
        Effect.as(
          record(job, (journal, identity) => journal.failed(identity, undefined, error)),
          [failed(source, undefined, error), slot] as const
        ),
      onRight: (session) =>
        Effect.flatMap(
          journal === undefined || job.identity === undefined
            ? Effect.succeed(source)
            : journal.sending(job.identity, source, session.sessionId),
          (toSend) =>
            Effect.matchEffect(onTheWire(session.send(toSend, digest, meter)), {
              onSuccess: (sent) =>
                Effect.as(
                  record(job, (journal, identity) => journal.sent(identity, source.name, session.sessionId, sent)),
                  [
                    UploadEvent.FileUploaded({
                      index: source.index,
                      input: source.input,
                      name: source.name,
                      sessionId: session.sessionId,
                      bytes: sent.bytes,
                      meta: sent.meta
                    }),
                    slot
                  ] as const
                ),
              onFailure: ({ error, metaUploaded }) =>
                Effect.flatMap(
                  rollovers < maxRollovers ? refusal(error, session) : Effect.succeedNone,
                  (refused) =>
                    Option.isSome(refused)
                      ? Effect.flatMap(reroute(job, refused.value.held), (next) => outcome(next, rollovers + 1))
                      : Effect.as(
                        record(job, (journal, identity) => journal.failed(identity, session.sessionId, error)),
                        [failed(source, session.sessionId, error, metaUploaded), slot] as const
                      )
                )
            })
        )
    })
  }

  const send = (item: Job | Unsent) =>
    item._tag === "Rejected"
      ? emit(failed({ ...item, name: item.input }, undefined, item.error))
      : item._tag === "Skipped"
      ? emit(UploadEvent.FileSkipped({ index: item.index, input: item.input, reason: item.reason }))
      : outcome(item, 0).pipe(
        Effect.flatMap(([event, slot]) =>
          Effect.all([
            emit(event),
            lifecycle.done(slot),
            breaker.record(event._tag === "FileFailed" ? event.error : undefined)
          ], { discard: true })
        ),
        Effect.catchAll(abort)
      )
  return inPlaces(items, places, send)
}

/**
 * Runs `f` on every item, `places` at a time: `places` long-lived workers, each pulling the next item (in
 * turn, so in input order) only once it is free, so that no item is taken ahead of a place. A departure
 * from `Stream.mapEffect(items, f, { concurrency, unordered: true })`, which forks a fiber and a stream per
 * item: 0.3–0.4 ms of client CPU per item on this machine, a quarter of a small file's (`pnpm bench`
 * scenario 4).
 */
const inPlaces = <A, E, R, R2>(
  items: Stream.Stream<A, E, R>,
  places: number,
  f: (item: A) => Effect.Effect<void, never, R2>
): Effect.Effect<void, E, R | R2> =>
  Effect.scoped(Effect.gen(function*() {
    const pull = yield* Stream.toPull(items)
    const turn = yield* Effect.makeSemaphore(1)
    // The rest of the chunk pulled last; touched only in turn.
    let chunk: ReadonlyArray<A> = []
    let position = 0
    let ended = false
    const next: Effect.Effect<Option.Option<A>, E, R> = Effect.suspend(() => {
      if (position < chunk.length) return Effect.succeed(Option.some(chunk[position++]!))
      if (ended) return Effect.succeedNone
      return Effect.matchEffect(pull, {
        onFailure: Option.match({
          onNone: () => {
            ended = true
            return Effect.succeedNone
          },
          onSome: Effect.fail
        }),
        onSuccess: (pulled) => {
          chunk = Chunk.toReadonlyArray(pulled)
          position = 0
          return next
        }
      })
    })
    const worker: Effect.Effect<void, E, R | R2> = Effect.flatMap(
      turn.withPermits(1)(next),
      Option.match({ onNone: () => Effect.void, onSome: (item) => Effect.zipRight(f(item), worker) })
    )
    yield* Effect.all(Arr.replicate(worker, places), { concurrency: "unbounded", discard: true })
  }))

/** How often one file may move on to a next session. */
const maxRollovers = 3

/** A session's refusal of a file; `held`: the objects it held when S3 said it is full. */
interface Refusal {
  readonly held: number | undefined
}

/**
 * Whether a session refused a file for reasons of its own, so that the next session would take it: it
 * expired, it is full by the run's count, or S3 denied access although the session had taken files
 * before, this file's own companion included (a session that holds its limit answers 403 `AccessDenied`,
 * API.md).
 */
const refusal = (error: FileError, session: S3Session.Open): Effect.Effect<Option.Option<Refusal>> => {
  switch (error._tag) {
    case "SessionExpiredError":
    case "SessionFullError":
      return Effect.succeedSome({ held: undefined })
    case "S3Error":
      return error.status === 403 && error.code === "AccessDenied"
        ? Effect.map(session.stored, (held) => held > 0 ? Option.some({ held }) : Option.none())
        : Effect.succeedNone
    default:
      return Effect.succeedNone
  }
}
