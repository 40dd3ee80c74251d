/**
 * The upload workflow as one stream of events: sources checked, routed to sessions (a new one whenever
 * the current one is full, a document's companion always beside it), sent with bounded concurrency,
 * each session closed as soon as its last file is done, optionally waited on, and finally the report.
 *
 * One fiber runs the workflow and hands events to the stream one at a time (see `Handoff`). Files go out through
 * a semaphore and a `FiberSet` rather than `Stream.mapEffect({ concurrency })`, whose per-element
 * machinery costs more CPU than the upload of a small file.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Array from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "../DeepsetClient.js"
import type * as Errors from "../Errors.js"
import { type FileError, InvalidSourcesError } from "../UploadErrors.js"
import { UploadEvent } from "../UploadEvent.js"
import * as UploadReport from "../UploadReport.js"
import * as UploadSessions from "../UploadSessions.js"
import type { UploadSource } from "../UploadSource.js"
import * as FileName from "./fileName.js"
import * as S3Session from "./s3Session.js"
import * as Source from "./source.js"

/**
 * An event on its way to the consumer, and the signal that the consumer is done with it. The stream hands
 * over the events pending at each pull, as one chunk, and signals them handled when the consumer pulls
 * again, which is when it has handled the whole chunk: the emitting file holds its permit until then, so a
 * consumer that stops the stream leaves at most `concurrency` files stored without an event it handled,
 * however slow it is, and the events waiting never outnumber the files in flight (plus the workflow's one).
 */
interface Handoff {
  readonly event: UploadEvent
  readonly handled: Deferred.Deferred<void>
}

/** The events of a mailbox of handoffs, each chunk acknowledged when the consumer pulls the next one. */
const handedOver = <E>(mailbox: Mailbox.ReadonlyMailbox<Handoff, E>): Stream.Stream<UploadEvent, E> =>
  Stream.suspend(() => {
    let previous: Chunk.Chunk<Handoff> = Chunk.empty()
    const acknowledge = Effect.sync(() => {
      for (const handoff of previous) Deferred.unsafeDone(handoff.handled, Exit.void)
      previous = Chunk.empty()
    })
    return Stream.repeatEffectChunkOption(Effect.zipRight(
      acknowledge,
      Effect.matchEffect(mailbox.takeAll, {
        onFailure: (error) => Effect.fail(Option.some(error)),
        onSuccess: ([handoffs, done]) => {
          if (done && Chunk.isEmpty(handoffs)) return Effect.fail(Option.none())
          previous = handoffs
          return Effect.succeed(Chunk.map(handoffs, (handoff) => handoff.event))
        }
      })
    ))
  })

/** The settled options of a run. */
export interface Options extends S3Session.Options {
  readonly concurrency: number
  readonly maxFiles: number
  readonly wait: false | { readonly timeout: Duration.DurationInput; readonly schedule: Schedule.Schedule<unknown> }
}

/** A source that cannot be sent, reported as failed where it stands in the input. */
interface Rejected {
  readonly _tag: "Rejected"
  readonly index: number
  readonly input: string
  readonly error: FileError
}

/**
 * One session of the run, or why it could not be created (its sources then fail with that error).
 * Its counters are plain fields: fibers only interleave at yields, never inside one synchronous step.
 */
interface Slot {
  readonly session: Either.Either<S3Session.Open, Errors.CreateError>
  assigned: number
  done: number
  sealed: boolean
  closed: boolean
}

const prepareAll = (sources: Iterable<UploadSource>) => {
  const registry = new Source.NameRegistry()
  const prepared: Array<Source.Prepared> = []
  const errors: Array<InvalidSourcesError["errors"][number]> = []
  let index = 0
  for (const source of sources) {
    const result = Source.prepare(source, index++)
    if (Either.isLeft(result)) {
      errors.push(result.left)
      continue
    }
    const conflict = registry.claim(result.right)
    if (conflict === undefined) prepared.push(result.right)
    else errors.push(conflict)
  }
  return Array.isNonEmptyArray(errors) ? Either.left(new InvalidSourcesError({ errors })) : Either.right(prepared)
}

// A stream of sources cannot be checked before sending starts: each is checked as it arrives, and a bad
// one fails alone.
const prepareEach = <E, R>(
  sources: Stream.Stream<UploadSource, E, R>
): Stream.Stream<Source.Prepared | Rejected, E, R> =>
  Stream.suspend(() => {
    const registry = new Source.NameRegistry()
    return Stream.map(Stream.zipWithIndex(sources), ([source, index]): Source.Prepared | Rejected => {
      const result = Source.prepare(source, index)
      if (Either.isLeft(result)) return { _tag: "Rejected", index, input: source.name, error: result.left }
      const conflict = registry.claim(result.right)
      return conflict === undefined ? result.right : { _tag: "Rejected", index, input: source.name, error: conflict }
    })
  })

type Emit = (event: UploadEvent) => Effect.Effect<void>

/** Closes a sealed session whose sources are all done, once. */
const closeIfDone = (slot: Slot, emit: Emit): Effect.Effect<void, never, DeepsetClient> => {
  if (!slot.sealed || slot.done < slot.assigned || slot.closed || Either.isLeft(slot.session)) return Effect.void
  slot.closed = true
  const session = slot.session.right
  return Effect.flatMap(Effect.either(session.close), (result) =>
    emit(UploadEvent.SessionClosed({
      sessionId: session.sessionId,
      files: slot.assigned,
      uploaded: session.uploaded(),
      error: Either.isLeft(result) ? result.left : undefined
    })))
}

const send = (
  source: Source.Prepared,
  slot: Slot,
  emit: Emit
): Effect.Effect<void, never, DeepsetClient | FileSystem.FileSystem> => {
  const { index, input, name } = source
  const result: Effect.Effect<UploadEvent, never, FileSystem.FileSystem> = Either.match(slot.session, {
    onLeft: (error) =>
      Effect.succeed(UploadEvent.FileFailed({ index, input, name, sessionId: undefined, error, metaUploaded: false })),
    onRight: (session) => {
      const sessionId = session.sessionId
      return Effect.match(session.send(source), {
        onSuccess: ({ bytes, meta }) => UploadEvent.FileUploaded({ index, input, name, sessionId, bytes, meta }),
        onFailure: ({ error, metaUploaded }) =>
          UploadEvent.FileFailed({ index, input, name, sessionId, error, metaUploaded })
      })
    }
  })
  return Effect.flatMap(result, (event) =>
    Effect.zipRight(
      emit(event),
      Effect.suspend(() => {
        slot.done++
        return closeIfDone(slot, emit)
      })
    ))
}

// Waiting: the progress of every closed session that holds documents, then each file's final state.
const wait = (slots: ReadonlyArray<Slot>, options: Options, emit: Emit): Effect.Effect<void, never, DeepsetClient> => {
  if (options.wait === false) return Effect.void
  const { schedule, timeout } = options.wait
  const { workspaceName } = options
  const waited = slots.flatMap(({ closed, session }) =>
    Either.isRight(session) && closed && session.right.expected() > 0 ? [session.right] : []
  )
  return Effect.forEach(waited, (opened) => {
    const sessionId = opened.sessionId
    const progress = S3Session.ingestion({ workspaceName, sessionId, expected: opened.expected(), timeout, schedule })
      .pipe(Stream.runForEach((counts) => emit(UploadEvent.IngestionProgress({ sessionId, ...counts }))))
    const files = UploadSessions.streamFiles({ workspaceName, sessionId }).pipe(
      Stream.runForEach((file) =>
        FileName.isMetaName(file.name) ? Effect.void : emit(UploadEvent.FileIngested({
          sessionId,
          name: file.name,
          status: file.ingestionStatus,
          reason: file.ingestionStatusReason
        }))
      )
    )
    return Effect.catchAll(
      Effect.zipRight(progress, files),
      (error) => emit(UploadEvent.IngestionFailed({ sessionId, error }))
    )
  }, { concurrency: 4, discard: true })
}

/**
 * Runs the workflow, emitting its events; the last one is `Done`. Sources are routed in input order: a
 * session takes sources while their objects (a document, plus its companion) fit in `maxFiles`, then it
 * is sealed and the next one is opened, before the files that go to it. Every session lives in a scope
 * that closes after the files in flight are stopped, so an interrupted run closes its sessions last.
 */
const run = <E, R>(
  sources: Stream.Stream<Source.Prepared | Rejected, E, R>,
  options: Options,
  emit: Emit
): Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const sessions = yield* Effect.flatMap(Effect.scope, (scope) => Scope.fork(scope, ExecutionStrategy.sequential))
    const inFlight = yield* FiberSet.make<void, never>()
    const permits = yield* Effect.makeSemaphore(options.concurrency)
    const slots: Array<Slot> = []
    let current: Slot | undefined
    let used = 0

    const background = (effect: Effect.Effect<void, never, DeepsetClient | FileSystem.FileSystem>) =>
      Effect.zipRight(permits.take(1), FiberSet.run(inFlight, Effect.ensuring(effect, permits.release(1))))

    const seal = (slot: Slot) =>
      Effect.suspend(() => {
        slot.sealed = true
        return background(closeIfDone(slot, emit))
      })

    const open = Effect.flatMap(Effect.either(Scope.extend(S3Session.open(options), sessions)), (session) => {
      const slot: Slot = { session, assigned: 0, done: 0, sealed: false, closed: false }
      slots.push(slot)
      return Either.isLeft(session) ? Effect.succeed(slot) : Effect.as(
        emit(
          UploadEvent.SessionOpened({ sessionId: session.right.sessionId, expiresAt: session.right.session.expiresAt })
        ),
        slot
      )
    })

    const slotFor = (source: Source.Prepared): Effect.Effect<Slot, never, DeepsetClient | FileSystem.FileSystem> => {
      const objects = source.meta === undefined ? 1 : 2
      if (current !== undefined && used + objects <= options.maxFiles) {
        used += objects
        return Effect.succeed(current)
      }
      const previous = current
      return Effect.zipRight(
        previous === undefined ? Effect.void : seal(previous),
        Effect.map(open, (slot) => {
          current = slot
          used = objects
          return slot
        })
      )
    }

    yield* Stream.runForEach(sources, (source) => {
      if (source._tag === "Rejected") {
        const { error, index, input } = source
        return emit(
          UploadEvent.FileFailed({ index, input, name: input, sessionId: undefined, error, metaUploaded: false })
        )
      }
      return Effect.flatMap(slotFor(source), (slot) => {
        slot.assigned++
        return background(send(source, slot, emit))
      })
    })
    if (current !== undefined) yield* seal(current)
    yield* FiberSet.awaitEmpty(inFlight)
    yield* wait(slots, options, emit)
  }))

const isStream = <E, R>(
  input: Iterable<UploadSource> | Stream.Stream<UploadSource, E, R>
): input is Stream.Stream<UploadSource, E, R> => Predicate.hasProperty(input, Stream.StreamTypeId)

/** The events of one run; the last one is `Done` with the report. */
export const events = <E, R>(
  input: Iterable<UploadSource> | Stream.Stream<UploadSource, E, R>,
  options: Options
): Stream.Stream<UploadEvent, E | InvalidSourcesError, R | DeepsetClient | FileSystem.FileSystem> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const sources: Stream.Stream<Source.Prepared | Rejected, E, R> = isStream(input)
      ? prepareEach(input)
      : Stream.fromIterable(yield* prepareAll(input))
    const mailbox = yield* Mailbox.make<Handoff, E>()
    const collector = UploadReport.collector()
    const emit: Emit = (event) =>
      Effect.flatMap(Deferred.make<void>(), (handled) => {
        collector.add(event)
        return Effect.zipRight(mailbox.offer({ event, handled }), Deferred.await(handled))
      })
    const done = Effect.suspend(() => emit(UploadEvent.Done({ report: collector.report() })))
    yield* Effect.forkScoped(Mailbox.into(Effect.zipRight(run(sources, options, emit), done), mailbox))
    return handedOver(mailbox)
  }))
