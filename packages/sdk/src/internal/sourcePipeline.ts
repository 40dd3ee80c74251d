/**
 * The upload workflow as one stream of events: sources checked, routed to sessions (a new one whenever
 * the current one is full, a document's companion always beside it), sent with bounded concurrency,
 * each session closed as soon as its last file is done, optionally waited on, and finally the report.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Array from "effect/Array"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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

/** A session was opened: announced before any of its files. */
interface Opened {
  readonly _tag: "Opened"
  readonly session: S3Session.Open
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

type Step = Rejected | Opened | Routed | Sealed

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

/**
 * Routes sources to sessions in input order: a session takes sources while their objects (a document,
 * plus its companion) fit in `maxFiles`; then it is sealed and the next one is opened. Opening happens
 * here, in order and ahead of the uploads, so the next session is ready when the current one fills.
 */
const route = <E, R>(
  sources: Stream.Stream<Source.Prepared | Rejected, E, R>,
  options: Options,
  scope: Scope.Scope,
  slots: Array<Slot>
): Stream.Stream<Step, E, R | DeepsetClient> =>
  Stream.suspend(() => {
    let used = 0
    let current: Slot | undefined
    const open = Effect.map(Effect.either(Scope.extend(S3Session.open(options), scope)), (session): Slot => {
      const slot: Slot = { session, assigned: 0, done: 0, sealed: false, closed: false }
      slots.push(slot)
      return slot
    })
    return sources.pipe(
      Stream.mapEffect((source): Effect.Effect<ReadonlyArray<Step>, never, DeepsetClient> => {
        if (source._tag === "Rejected") return Effect.succeed([source])
        const objects = source.meta === undefined ? 1 : 2
        if (current !== undefined && used + objects <= options.maxFiles) {
          used += objects
          current.assigned++
          return Effect.succeed([{ _tag: "Routed", source, slot: current }])
        }
        const previous = current
        return Effect.map(open, (slot): ReadonlyArray<Step> => {
          current = slot
          used = objects
          slot.assigned++
          const steps: Array<Step> = previous === undefined ? [] : [{ _tag: "Sealed", slot: previous }]
          if (Either.isRight(slot.session)) steps.push({ _tag: "Opened", session: slot.session.right })
          steps.push({ _tag: "Routed", source, slot })
          return steps
        })
      }),
      Stream.flattenIterables,
      Stream.concat(Stream.suspend(() =>
        current === undefined ? Stream.empty : Stream.make<Array<Step>>({ _tag: "Sealed", slot: current })
      ))
    )
  })

/** Closes a sealed session whose sources are all done, once. */
const closeIfDone = (slot: Slot): Effect.Effect<ReadonlyArray<UploadEvent>, never, DeepsetClient> => {
  if (!slot.sealed || slot.done < slot.assigned || slot.closed || Either.isLeft(slot.session)) {
    return Effect.succeed([])
  }
  slot.closed = true
  const session = slot.session.right
  return Effect.map(Effect.either(session.close), (result) => [
    UploadEvent.SessionClosed({
      sessionId: session.sessionId,
      files: slot.assigned,
      uploaded: session.uploaded(),
      error: Either.isLeft(result) ? result.left : undefined
    })
  ])
}

const send = (
  step: Routed
): Effect.Effect<ReadonlyArray<UploadEvent>, never, DeepsetClient | FileSystem.FileSystem> => {
  const { slot, source } = step
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
  return Effect.flatMap(result, (event) => {
    slot.done++
    return Effect.map(closeIfDone(slot), (closed) => closed.length === 0 ? [event] : [event, ...closed])
  })
}

const perform = (
  step: Step
): Effect.Effect<ReadonlyArray<UploadEvent>, never, DeepsetClient | FileSystem.FileSystem> => {
  switch (step._tag) {
    case "Rejected":
      return Effect.succeed([
        UploadEvent.FileFailed({
          index: step.index,
          input: step.input,
          name: step.input,
          sessionId: undefined,
          error: step.error,
          metaUploaded: false
        })
      ])
    case "Opened":
      return Effect.succeed([
        UploadEvent.SessionOpened({ sessionId: step.session.sessionId, expiresAt: step.session.session.expiresAt })
      ])
    case "Routed":
      return send(step)
    case "Sealed":
      return Effect.suspend(() => {
        step.slot.sealed = true
        return closeIfDone(step.slot)
      })
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
    slots.flatMap(({ closed, session }) => {
      if (Either.isLeft(session) || !closed || session.right.expected() === 0) return []
      const opened = session.right
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
      Stream.mapEffect(perform, { concurrency: options.concurrency, unordered: true }),
      Stream.flattenIterables,
      Stream.concat(Stream.suspend(() => wait(slots, options))),
      Stream.map((event) => {
        collector.add(event)
        return event
      }),
      Stream.concat(Stream.sync(() => UploadEvent.Done({ report: collector.report() })))
    )
  }))
