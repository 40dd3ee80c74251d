/**
 * One upload run as a stream of events: sources checked, routed to sessions (`routing.ts`), sent with
 * bounded concurrency (`sending.ts`), sessions opened, closed and waited on (`sessionLifecycle.ts`), and
 * finally the report, folded from the events as they go (`UploadReport.step`).
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Arr from "effect/Array"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "../DeepsetClient.js"
import { InvalidSourcesError } from "../UploadErrors.js"
import { UploadEvent } from "../UploadEvent.js"
import * as UploadReport from "../UploadReport.js"
import type { UploadSource } from "../UploadSource.js"
import * as Handoff from "./handoff.js"
import * as Routing from "./routing.js"
import * as Sending from "./sending.js"
import * as SessionLifecycle from "./sessionLifecycle.js"
import * as Source from "./source.js"

/** The settled options of a run. */
export interface Options extends SessionLifecycle.Options {
  readonly concurrency: number
  readonly maxFiles: number
  /** When this completes, the run takes no more sources, finishes the files in flight and closes its sessions. */
  readonly stop: Effect.Effect<void> | undefined
}

// A source marked `skip` is reported as skipped: it is not checked, and takes no name.
const skippedItem = (source: UploadSource, index: number): Sending.Skipped | undefined =>
  source.skip === undefined ? undefined : { _tag: "Skipped", index, input: source.name, reason: source.skip }

const prepareAll = (sources: Iterable<UploadSource>) => {
  const registry = new Source.NameRegistry()
  const prepared: Array<Source.Prepared | Sending.Skipped> = []
  const errors: Array<InvalidSourcesError["errors"][number]> = []
  let index = 0
  for (const source of sources) {
    const skipped = skippedItem(source, index)
    if (skipped !== undefined) {
      prepared.push(skipped)
      index++
      continue
    }
    const result = Source.prepare(source, index++)
    if (Either.isLeft(result)) {
      errors.push(result.left)
      continue
    }
    const conflict = registry.claim(result.right)
    if (conflict === undefined) prepared.push(result.right)
    else errors.push(conflict)
  }
  return Arr.isNonEmptyArray(errors) ? Either.left(new InvalidSourcesError({ errors })) : Either.right(prepared)
}

// A stream of sources cannot be checked before sending starts: each is checked as it arrives, and a bad
// one fails alone.
const prepareEach = <E, R>(
  sources: Stream.Stream<UploadSource, E, R>
): Stream.Stream<Source.Prepared | Sending.Unsent, E, R> =>
  Stream.suspend(() => {
    const registry = new Source.NameRegistry()
    return Stream.map(Stream.zipWithIndex(sources), ([source, index]): Source.Prepared | Sending.Unsent => {
      const skipped = skippedItem(source, index)
      if (skipped !== undefined) return skipped
      const result = Source.prepare(source, index)
      if (Either.isLeft(result)) return { _tag: "Rejected", index, input: source.name, error: result.left }
      const conflict = registry.claim(result.right)
      return conflict === undefined ? result.right : { _tag: "Rejected", index, input: source.name, error: conflict }
    })
  })

/**
 * Routes each source in input order, one at a time, so that a session is opened only when a source needs
 * it, and sealed when the next one is opened. Once `stopped`, no source is routed any more (`undefined`).
 */
const route = (lifecycle: SessionLifecycle.Lifecycle, maxFiles: number, stopped: Effect.Effect<boolean>) =>
  Effect.map(
    Ref.make<readonly [Routing.State, SessionLifecycle.Slot | undefined]>([Routing.initial, undefined]),
    (routing) =>
    (
      item: Source.Prepared | Sending.Unsent
    ): Effect.Effect<Sending.Job | Sending.Unsent | undefined, never, DeepsetClient> =>
      Effect.flatMap(stopped, (stop): Effect.Effect<Sending.Job | Sending.Unsent | undefined, never, DeepsetClient> =>
        stop ? Effect.succeed(undefined) : item._tag !== "Prepared" ? Effect.succeed(item) : Effect.gen(function*() {
          const [state, current] = yield* Ref.get(routing)
          const [decision, next] = Routing.step(maxFiles)(state, Routing.objects(item))
          // "Current" only ever follows a session opened before.
          const slot = decision === "Current" && current !== undefined
            ? current
            : yield* Effect.zipRight(current === undefined ? Effect.void : lifecycle.seal(current), lifecycle.open)
          yield* Ref.set(routing, [next, slot])
          yield* lifecycle.assign(slot)
          return { _tag: "Job", source: item, slot } satisfies Sending.Job
        }))
  )

/**
 * Runs the workflow, emitting its events. Every session lives in the run's scope, which closes after
 * sending has stopped, so a run cut short closes its sessions last.
 */
const run = <E, R>(
  sources: Stream.Stream<Source.Prepared | Sending.Unsent, E, R>,
  options: Options,
  emit: SessionLifecycle.Emit
): Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const lifecycle = yield* SessionLifecycle.make(options, emit)
    // A stop is checked before each source is routed, and cuts short a pull of the caller's stream.
    const stopped = yield* Deferred.make<void>()
    if (options.stop !== undefined) yield* Effect.forkScoped(Deferred.complete(stopped, options.stop))
    const routed = Stream.interruptWhenDeferred(sources, stopped).pipe(
      Stream.mapEffect(yield* route(lifecycle, options.maxFiles, Deferred.isDone(stopped))),
      Stream.takeWhile(Predicate.isNotUndefined)
    )
    yield* Sending.sendAll(routed, { concurrency: options.concurrency, emit, lifecycle })
    yield* lifecycle.sealAll
    yield* Effect.raceFirst(lifecycle.wait, Deferred.await(stopped))
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
    const sources: Stream.Stream<Source.Prepared | Sending.Unsent, E, R> = isStream(input)
      ? prepareEach(input)
      : Stream.fromIterable(yield* prepareAll(input))
    const handoff = yield* Handoff.make<UploadEvent, E>()
    const fold = yield* Ref.make(UploadReport.initial)
    const emit: SessionLifecycle.Emit = (event) =>
      Effect.zipRight(Ref.update(fold, (current) => UploadReport.step(current, event)), handoff.send(event))
    const done = Effect.flatMap(
      Ref.get(fold),
      (current) => emit(UploadEvent.Done({ report: UploadReport.fromFold(current) }))
    )
    yield* Effect.forkScoped(handoff.into(Effect.zipRight(run(sources, options, emit), done)))
    return handoff.stream
  }))
