/**
 * One upload run as a stream of events: sources checked, routed to sessions (`routing.ts`), sent with
 * bounded concurrency (`sending.ts`), sessions opened, closed and waited on (`sessionLifecycle.ts`), and
 * finally `Done`. The run keeps no report: its consumer folds one (`UploadReport.sink`) if it wants one, so a
 * consumer that does not holds nothing per file once the file's events are out.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Arr from "effect/Array"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { DeepsetClient } from "../DeepsetClient.js"
import type * as Errors from "../Errors.js"
import { InvalidSourcesError, type ServiceUnreachableError } from "../UploadErrors.js"
import { UploadEvent } from "../UploadEvent.js"
import type { UploadJournalError } from "../UploadJournal.js"
import * as UploadSessions from "../UploadSessions.js"
import type { UploadSource } from "../UploadSource.js"
import * as CircuitBreaker from "./circuitBreaker.js"
import * as Handoff from "./handoff.js"
import * as Journaling from "./journaling.js"
import * as Meter from "./meter.js"
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
  /** A session that cannot be opened, or a service that is gone, fails the run instead of its files. */
  readonly failFast: boolean
  /** Files failing in a row with a transport error or timeout before the run probes the API and gives up. */
  readonly giveUpAfter: number
  /** The journal of this run and of the earlier ones it resumes. */
  readonly journal: Journaling.Options | undefined
  /** How often, at most, `BytesSent` reports the bytes sent so far; none when absent. */
  readonly progress?: Duration.Duration | undefined
}

// A source marked `skip` is reported as skipped: it is not checked, and takes no name.
const skippedItem = (source: UploadSource, index: number): Sending.Skipped | undefined =>
  source.skip === undefined ? undefined : { _tag: "Skipped", index, input: source.name, reason: source.skip }

// Sources given as an iterable are all checked before anything is sent; each is prepared again as sending
// reaches it, so that the run holds nothing per source beside the caller's own list (bench scenario 12).
const prepareAll = (
  input: Iterable<UploadSource>
): Either.Either<Stream.Stream<Source.Prepared | Sending.Unsent>, InvalidSourcesError> => {
  const sources = Array.isArray(input) ? input as ReadonlyArray<UploadSource> : Array.from(input)
  const errors = Source.problemsOf(sources)
  return Arr.isNonEmptyArray(errors)
    ? Either.left(new InvalidSourcesError({ errors }))
    : Either.right(
      Stream.map(Stream.zipWithIndex(Stream.fromIterable(sources)), ([source, index]) => prepareOne(source, index))
    )
}

// One source as sending takes it: skipped, rejected (a bad name, or one an earlier source holds in `registry`), or
// prepared.
const prepareOne = (
  source: UploadSource,
  index: number,
  registry?: Source.NameRegistry
): Source.Prepared | Sending.Unsent => {
  const skipped = skippedItem(source, index)
  if (skipped !== undefined) return skipped
  const result = Source.prepare(source, index)
  if (Either.isLeft(result)) return { _tag: "Rejected", index, input: source.name, error: result.left }
  const conflict = registry?.claim(result.right)
  return conflict === undefined ? result.right : { _tag: "Rejected", index, input: source.name, error: conflict }
}

// A stream of sources cannot be checked before sending starts: each is checked as it arrives, and a bad
// one fails alone.
const prepareEach = <E, R>(
  sources: Stream.Stream<UploadSource, E, R>
): Stream.Stream<Source.Prepared | Sending.Unsent, E, R> =>
  Stream.suspend(() => {
    const registry = new Source.NameRegistry()
    return Stream.map(Stream.zipWithIndex(sources), ([source, index]) => prepareOne(source, index, registry))
  })

/**
 * What ends a run early: a session that cannot be opened or a service that is gone (with `failFast`), or a
 * journal that cannot be read or written (always: a file sent but not journaled could be sent twice later).
 */
type Fatal = Errors.CreateError | ServiceUnreachableError | UploadJournalError

/**
 * Runs the workflow, emitting its events. Every session lives in the run's scope, which closes after
 * sending has stopped, so a run cut short closes its sessions last.
 */
const run = <E, R>(
  sources: Stream.Stream<Source.Prepared | Sending.Unsent, E, R>,
  options: Options,
  emit: SessionLifecycle.Emit,
  emitAll: SessionLifecycle.EmitAll
): Effect.Effect<void, E | Fatal, R | DeepsetClient | FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    // No more sources are routed once `stopped`: by the caller's stop, or by a fatal error (with `failFast`,
    // or a journal that cannot be written).
    const stopped = yield* Deferred.make<void>()
    const fatal = yield* Deferred.make<never, Fatal>()
    const abort = (error: Fatal) => Effect.zipRight(Deferred.fail(fatal, error), Deferred.succeed(stopped, undefined))
    const halt = (error: Fatal) => options.failFast ? abort(error) : Effect.void
    const journal = options.journal === undefined
      ? undefined
      : yield* Journaling.make(options.journal, options.writeMode)
    // Sessions opened and closed and ingestion results are journaled before the consumer hears of them.
    const journaling = (event: UploadEvent) =>
      journal === undefined ? Effect.void : Effect.catchAll(journal.event(event), abort)
    const journaled: SessionLifecycle.Emit = journal === undefined
      ? emit
      : (event) => Effect.zipRight(journaling(event), emit(event))
    const journaledAll: SessionLifecycle.EmitAll = journal === undefined
      ? emitAll
      : (events) => Effect.zipRight(Effect.forEach(events, journaling, { discard: true }), emitAll(events))
    const lifecycle = yield* SessionLifecycle.make(options, journaled, journaledAll)
    if (options.stop !== undefined) yield* Effect.forkScoped(Deferred.complete(stopped, options.stop))
    const breaker = yield* CircuitBreaker.make(
      options.giveUpAfter,
      UploadSessions.list({ workspaceName: options.workspaceName, limit: 1, retry: false })
    )
    yield* Effect.forkScoped(Effect.flatMap(Deferred.await(breaker.tripped), halt))

    const open = Effect.tap(
      lifecycle.open,
      (slot) => Either.isLeft(slot.session) ? halt(slot.session.left) : Effect.void
    )

    // Sources are routed in input order, one at a time: a session is opened only when a source needs it,
    // and sealed when the next one is opened, or when it refused a file (`from`, full or expired).
    const routing = yield* SynchronizedRef.make<readonly [Routing.State, SessionLifecycle.Slot | undefined]>([
      Routing.initial,
      undefined
    ])
    // `from`: the session that refused the source; `held`: the objects it held when S3 said it is full.
    const place = (
      source: Source.Prepared,
      identity: Journaling.Identity | undefined,
      from?: SessionLifecycle.Slot,
      held?: number
    ) =>
      SynchronizedRef.modifyEffect(routing, ([state, current]) =>
        Effect.gen(function*() {
          const sealed = from !== undefined && from === current ? Routing.sealCurrent(state) : state
          const base = held === undefined ? sealed : Routing.limitTo(sealed, held)
          const [decision, next] = Routing.step(options.maxFiles)(base, Routing.objects(source))
          // "Current" only ever follows a session opened before.
          const slot = decision === "Current" && current !== undefined
            ? current
            : yield* Effect.zipRight(current === undefined ? Effect.void : lifecycle.seal(current), open)
          yield* lifecycle.assign(slot)
          return [{ _tag: "Job", source, slot, identity } satisfies Sending.Job, [next, slot] as const] as const
        }))

    const route = (item: Source.Prepared | Sending.Unsent) =>
      Effect.gen(function*(): Effect.fn.Return<Sending.Job | Sending.Unsent | undefined, never, DeepsetClient> {
        if (yield* Deferred.isDone(stopped)) return undefined
        // Once the service is gone, the sources not sent yet are reported with that one reason.
        const gone = yield* Deferred.poll(breaker.tripped)
        if (item._tag !== "Prepared") return item
        if (gone._tag === "Some") {
          return { _tag: "Rejected", index: item.index, input: item.input, error: yield* gone.value }
        }
        // A source that landed in an earlier run, unchanged since, is not sent again.
        const known = journal === undefined ? undefined : yield* journal.check(item)
        if (known?.landed !== undefined) {
          const reason = `uploaded earlier, in session ${known.landed.sessionId}; unchanged since`
          return { _tag: "Skipped", index: item.index, input: item.input, reason } satisfies Sending.Skipped
        }
        const job = yield* place(item, known?.identity)
        // With `failFast`, a session that could not be opened ends the run instead of failing its files.
        return options.failFast && Either.isLeft(job.slot.session) ? undefined : job
      })

    const routed = Stream.interruptWhenDeferred(sources, stopped).pipe(
      Stream.mapEffect(route),
      Stream.takeWhile(Predicate.isNotUndefined)
    )
    const meter = options.progress === undefined ? undefined : Meter.make()
    const sending = Sending.sendAll(routed, {
      concurrency: options.concurrency,
      emit: journaled,
      lifecycle,
      breaker,
      journal,
      abort,
      reroute: (job, held) =>
        Effect.zipLeft(place(job.source, job.identity, job.slot, held), lifecycle.release(job.slot)),
      meter
    })
    yield* meter === undefined || options.progress === undefined
      ? sending
      : reportingBytes(sending, meter, options.progress, emit)
    yield* lifecycle.sealAll
    // A fatal error fails the run once its sessions are closed (their events are out), instead of `Done`.
    yield* Effect.raceFirst(lifecycle.wait, Deferred.await(stopped))
    if (yield* Deferred.isDone(fatal)) yield* Deferred.await(fatal)
    if (journal !== undefined) yield* journal.finished
  }))

/**
 * Runs `sending` while reporting the meter's count as `BytesSent` every `interval` when it changed, and
 * once more when sending is over. Reading the count is all a tick costs; the chunks only add to it.
 */
const reportingBytes = <E, R>(
  sending: Effect.Effect<void, E, R>,
  meter: Meter.Meter,
  interval: Duration.Duration,
  emit: SessionLifecycle.Emit
): Effect.Effect<void, E, R> =>
  Effect.gen(function*() {
    let reported = 0
    const report = Effect.suspend(() => {
      if (meter.sent === reported) return Effect.void
      reported = meter.sent
      return emit(UploadEvent.BytesSent({ bytes: reported }))
    })
    const ticker = yield* Effect.fork(Effect.forever(Effect.zipRight(Effect.sleep(interval), report)))
    yield* Effect.ensuring(sending, Fiber.interrupt(ticker))
    yield* report
  })

const isStream = <E, R>(
  input: Iterable<UploadSource> | Stream.Stream<UploadSource, E, R>
): input is Stream.Stream<UploadSource, E, R> => Predicate.hasProperty(input, Stream.StreamTypeId)

const done = UploadEvent.Done()

/** The events of one run; the last one is `Done`. */
export const events = <E, R>(
  input: Iterable<UploadSource> | Stream.Stream<UploadSource, E, R>,
  options: Options
): Stream.Stream<UploadEvent, E | InvalidSourcesError | Fatal, R | DeepsetClient | FileSystem.FileSystem> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const sources: Stream.Stream<Source.Prepared | Sending.Unsent, E, R> = isStream(input)
      ? prepareEach(input)
      : yield* prepareAll(input)
    const handoff = yield* Handoff.make<UploadEvent, E | Fatal>()
    yield* Effect.forkScoped(
      handoff.into(Effect.zipRight(run(sources, options, handoff.send, handoff.sendAll), handoff.send(done)))
    )
    return handoff.stream
  }))
