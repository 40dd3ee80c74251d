/**
 * The upload workflow as one stream of events: sources checked, routed to sessions (a new one whenever
 * the current one is full, a document's companion always beside it), sent with bounded concurrency,
 * each session closed as soon as its last file is done, optionally waited on, and finally the report.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Array from "effect/Array"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
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

/** A source routed to its session. */
interface Routed {
  readonly _tag: "Routed"
  readonly source: Source.Prepared
  readonly slot: Slot
}

/** Marks that no more sources go to a session: once its files are done, it closes. */
interface Sealed {
  readonly _tag: "Sealed"
  readonly slot: Slot
}

type Step = Rejected | Routed | Sealed

/** One session of the run: opened by its first source, closed after its last. */
interface Slot {
  readonly open: Effect.Effect<Either.Either<S3Session.Open, Errors.CreateError>, never, DeepsetClient>
  assigned: number
  done: number
  sealed: boolean
  announced: boolean
  closed: boolean
  opened: S3Session.Open | undefined
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

const makeSlot = (options: Options, scope: Scope.Scope): Slot => {
  let started: Deferred.Deferred<Either.Either<S3Session.Open, Errors.CreateError>> | undefined
  const slot: Slot = {
    // The first source opens the session, the others wait for it; creating is uninterruptible anyway
    // (it is a resource's acquisition), so the waiters are never left hanging.
    open: Effect.suspend(() => {
      if (started !== undefined) return Deferred.await(started)
      const deferred = Deferred.unsafeMake<Either.Either<S3Session.Open, Errors.CreateError>>(FiberId.none)
      started = deferred
      return S3Session.open(options).pipe(
        Effect.tap((opened) => {
          slot.opened = opened
        }),
        Effect.either,
        Scope.extend(scope),
        Effect.tap((result) => Deferred.succeed(deferred, result))
      )
    }),
    assigned: 0,
    done: 0,
    sealed: false,
    announced: false,
    closed: false,
    opened: undefined
  }
  return slot
}

/**
 * Routes sources to sessions in input order: a session takes sources while their objects (a document,
 * plus its companion) fit in `maxFiles`; then it is sealed and the next one takes over.
 */
const route = <E, R>(
  sources: Stream.Stream<Source.Prepared | Rejected, E, R>,
  options: Options,
  scope: Scope.Scope,
  slots: Array<Slot>
): Stream.Stream<Step, E, R> =>
  Stream.suspend(() => {
    let used = 0
    let current: Slot | undefined
    return sources.pipe(
      Stream.mapConcat((source): ReadonlyArray<Step> => {
        if (source._tag === "Rejected") return [source]
        const objects = source.meta === undefined ? 1 : 2
        const steps: Array<Step> = []
        if (current === undefined || used + objects > options.maxFiles) {
          if (current !== undefined) steps.push({ _tag: "Sealed", slot: current })
          current = makeSlot(options, scope)
          slots.push(current)
          used = 0
        }
        used += objects
        current.assigned++
        steps.push({ _tag: "Routed", source, slot: current })
        return steps
      }),
      Stream.concat(Stream.suspend(() =>
        current === undefined ? Stream.empty : Stream.make<Array<Step>>({ _tag: "Sealed", slot: current })
      ))
    )
  })

/** Closes a sealed session whose sources are all done, once. */
const closeIfDone = (slot: Slot): Effect.Effect<Array<UploadEvent>, never, DeepsetClient> => {
  if (!slot.sealed || slot.done < slot.assigned || slot.closed || slot.opened === undefined) {
    return Effect.succeed([])
  }
  slot.closed = true
  const opened = slot.opened
  return Effect.map(Effect.either(opened.close), (result) => [
    UploadEvent.SessionClosed({
      sessionId: opened.sessionId,
      files: slot.assigned,
      uploaded: opened.uploaded(),
      error: Either.isLeft(result) ? result.left : undefined
    })
  ])
}

const rejected = (step: Rejected): UploadEvent =>
  UploadEvent.FileFailed({
    index: step.index,
    input: step.input,
    name: step.input,
    sessionId: undefined,
    error: step.error,
    metaUploaded: false
  })

const send = (step: Routed): Stream.Stream<UploadEvent, never, DeepsetClient | FileSystem.FileSystem> => {
  const { slot, source } = step
  const finish = (event: UploadEvent) =>
    Effect.suspend(() => {
      slot.done++
      return Effect.map(closeIfDone(slot), (closed) => [event, ...closed])
    })
  return Stream.unwrap(Effect.map(slot.open, (opened) => {
    if (Either.isLeft(opened)) {
      return Stream.fromIterableEffect(finish(UploadEvent.FileFailed({
        index: source.index,
        input: source.input,
        name: source.name,
        sessionId: undefined,
        error: opened.left,
        metaUploaded: false
      })))
    }
    const session = opened.right
    const announce = slot.announced ? Stream.empty : Stream.suspend(() => {
      if (slot.announced) return Stream.empty
      slot.announced = true
      return Stream.make(
        UploadEvent.SessionOpened({ sessionId: session.sessionId, expiresAt: session.session.expiresAt })
      )
    })
    const upload = Effect.flatMap(
      Effect.match(session.send(source), {
        onSuccess: ({ bytes, meta }) =>
          UploadEvent.FileUploaded({
            index: source.index,
            input: source.input,
            name: source.name,
            sessionId: session.sessionId,
            bytes,
            meta
          }),
        onFailure: ({ error, metaUploaded }) =>
          UploadEvent.FileFailed({
            index: source.index,
            input: source.input,
            name: source.name,
            sessionId: session.sessionId,
            error,
            metaUploaded
          })
      }),
      finish
    )
    return Stream.concat(announce, Stream.fromIterableEffect(upload))
  }))
}

const perform = (step: Step): Stream.Stream<UploadEvent, never, DeepsetClient | FileSystem.FileSystem> => {
  switch (step._tag) {
    case "Rejected":
      return Stream.make(rejected(step))
    case "Routed":
      return send(step)
    case "Sealed":
      return Stream.fromIterableEffect(Effect.suspend(() => {
        step.slot.sealed = true
        return closeIfDone(step.slot)
      }))
  }
}

// Waiting: the progress of every closed session that holds documents, then each file's final state.
const wait = (
  slots: ReadonlyArray<Slot>,
  options: Options
): Stream.Stream<UploadEvent, never, DeepsetClient> => {
  if (options.wait === false) return Stream.empty
  const { schedule, timeout } = options.wait
  const { workspaceName } = options
  return Stream.mergeAll(
    slots.flatMap(({ opened, closed }) => {
      if (opened === undefined || !closed || opened.expected() === 0) return []
      const sessionId = opened.sessionId
      const progress = S3Session.ingestion({ workspaceName, sessionId, expected: opened.expected(), timeout, schedule })
        .pipe(
          Stream.map((counts) => UploadEvent.IngestionProgress({ sessionId, ...counts }))
        )
      const files = UploadSessions.streamFiles({ workspaceName, sessionId }).pipe(
        Stream.filter((file) => !FileName.isMetaName(file.name)),
        Stream.map((file) =>
          UploadEvent.FileIngested({
            sessionId,
            name: file.name,
            status: file.ingestionStatus,
            reason: file.ingestionStatusReason
          })
        )
      )
      return [
        Stream.concat(progress, files).pipe(
          Stream.catchAll((error) => Stream.make(UploadEvent.IngestionFailed({ sessionId, error })))
        )
      ]
    }),
    { concurrency: 4 }
  )
}

const isStream = <E, R>(
  input: Iterable<UploadSource> | Stream.Stream<UploadSource, E, R>
): input is Stream.Stream<UploadSource, E, R> => Predicate.hasProperty(input, Stream.StreamTypeId)

/** The events of one run; the last one is `Done` with the report. */
export const events = <E, R>(
  input: Iterable<UploadSource> | Stream.Stream<UploadSource, E, R>,
  options: Options
): Stream.Stream<UploadEvent, E | InvalidSourcesError, R | DeepsetClient | FileSystem.FileSystem> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const scope = yield* Effect.scope
    const sources: Stream.Stream<Source.Prepared | Rejected, E, R> = isStream(input)
      ? prepareEach(input)
      : Stream.fromIterable(yield* prepareAll(input))
    const slots: Array<Slot> = []
    const collector = UploadReport.collector()
    return route(sources, options, scope, slots).pipe(
      Stream.flatMap(perform, { concurrency: options.concurrency }),
      Stream.concat(Stream.suspend(() => wait(slots, options))),
      Stream.map((event) => {
        collector.add(event)
        return event
      }),
      Stream.concat(Stream.sync(() => UploadEvent.Done({ report: collector.report() })))
    )
  }))
