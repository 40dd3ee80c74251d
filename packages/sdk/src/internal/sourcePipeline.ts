/**
 * The upload workflow as one stream of events: sources checked, routed to sessions (a new one whenever
 * the current one is full, a document's companion always beside it), sent with bounded concurrency,
 * each session closed as soon as its last file is done, optionally waited on, and finally the report.
 *
 * `concurrency` long-lived workers take the sources in input order and send them one at a time; each
 * waits until the consumer has handled its file's event before it takes the next (see `Handoff`). A
 * fiber per file, or `Stream.mapEffect({ concurrency })`, costs more CPU than the upload of a small file.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Array from "effect/Array"
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
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
import * as Handoff from "./handoff.js"
import * as S3Session from "./s3Session.js"
import * as Source from "./source.js"

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

/** A source routed to its session. */
interface Job {
  readonly _tag: "Job"
  readonly source: Source.Prepared
  readonly slot: Slot
}

/**
 * Runs the workflow, emitting its events; the last one is `Done`. Sources are routed in input order: a
 * session takes sources while their objects (a document, plus its companion) fit in `maxFiles`, then it
 * is sealed and the next one is opened, before the files that go to it. Every session lives in a scope
 * that closes after the workers are stopped, so an interrupted run closes its sessions last.
 */
const run = <E, R>(
  sources: Stream.Stream<Source.Prepared | Rejected, E, R>,
  options: Options,
  emit: Emit
): Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const sessions = yield* Effect.flatMap(Effect.scope, (scope) => Scope.fork(scope, ExecutionStrategy.sequential))
    const pull = yield* Stream.toPull(sources)
    // Taking a source may pull the input or open a session: one worker at a time, so that routing keeps input order.
    const turn = yield* Effect.makeSemaphore(1)
    const slots: Array<Slot> = []
    let current: Slot | undefined
    let used = 0
    let buffered: ReadonlyArray<Source.Prepared | Rejected> = []
    let position = 0
    let exhausted = false
    // Sealed sessions whose files may all be done already: closed by a worker, outside its turn.
    let sealed: Array<Slot> = []

    const seal = (slot: Slot) => {
      slot.sealed = true
      sealed.push(slot)
    }

    const closeSealed = Effect.suspend(() => {
      if (sealed.length === 0) return Effect.void
      const toClose = sealed
      sealed = []
      return Effect.forEach(toClose, (slot) => closeIfDone(slot, emit), { discard: true })
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

    const route = (source: Source.Prepared): Effect.Effect<Job, never, DeepsetClient> => {
      const objects = source.meta === undefined ? 1 : 2
      if (current !== undefined && used + objects <= options.maxFiles) {
        used += objects
        current.assigned++
        return Effect.succeed({ _tag: "Job", source, slot: current })
      }
      if (current !== undefined) seal(current)
      return Effect.map(open, (slot) => {
        current = slot
        used = objects
        slot.assigned++
        return { _tag: "Job", source, slot }
      })
    }

    // The next source with its session, or `undefined` once the input is exhausted; only within a turn.
    const take = (): Effect.Effect<Job | Rejected | undefined, E, R | DeepsetClient> => {
      if (position < buffered.length) {
        const source = buffered[position++]
        return source._tag === "Rejected" ? Effect.succeed(source) : route(source)
      }
      if (exhausted) return Effect.succeed(undefined)
      return Effect.matchEffect(pull, {
        onFailure: Option.match({
          onNone: () =>
            Effect.sync(() => {
              exhausted = true
              if (current !== undefined) seal(current)
              return undefined
            }),
          onSome: Effect.fail
        }),
        onSuccess: (chunk) => {
          buffered = Chunk.toReadonlyArray(chunk)
          position = 0
          return take()
        }
      })
    }

    const next = turn.withPermits(1)(Effect.suspend(take))

    const worker: Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> = Effect.flatMap(next, (item) => {
      if (item === undefined) return closeSealed
      const work = item._tag === "Rejected"
        ? emit(UploadEvent.FileFailed({
          index: item.index,
          input: item.input,
          name: item.input,
          sessionId: undefined,
          error: item.error,
          metaUploaded: false
        }))
        : send(item.source, item.slot, emit)
      return Effect.zipRight(Effect.zipRight(closeSealed, work), worker)
    })

    yield* Effect.all(Array.makeBy(options.concurrency, () => worker), { concurrency: "unbounded", discard: true })
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
    const handoff = Handoff.make<UploadEvent, E>()
    const fold = yield* Ref.make(UploadReport.initial)
    const emit: Emit = (event) =>
      Effect.zipRight(Ref.update(fold, (current) => UploadReport.step(current, event)), handoff.send(event))
    const done = Effect.flatMap(
      Ref.get(fold),
      (current) => emit(UploadEvent.Done({ report: UploadReport.fromFold(current) }))
    )
    yield* Effect.forkScoped(handoff.into(Effect.zipRight(run(sources, options, emit), done)))
    return handoff.stream
  }))
