/**
 * Running a client against a real server on loopback while time is a `TestClock`.
 *
 * Which clock each side reads: the test, the SDK (retry waits, `Retry-After` dates, per-attempt
 * deadlines) and an emulator started inside the test all read the test's `TestClock`, so an HTTP-date
 * `Retry-After` that the emulator writes is read against the same "now", and `receivedAt` in the
 * emulator's request log is virtual time that a test can compare with the waits it expects.
 *
 * Virtual time may only move when nothing but a sleep can make progress: moving it while a request is on
 * the wire, or while the client is still handling an answer, may fire that attempt's deadline early and
 * turn a recovery into a `TimeoutError` (or make the server miss a request), and how likely that is
 * depends on how busy the machine is. The sleeps themselves cannot tell us: a retry wait, the SDK's
 * deadline watcher waking for nothing, and the deadline of the attempt in flight all look alike. So the
 * driver watches the wire instead ({@link Wire}, a transport wrapper): it moves the clock to the earliest
 * sleep only when
 *
 * - every request on the wire is one the server holds for good (`held`, e.g. the emulator's `Hang`
 *   entries, which it logs only once the operation has taken effect), so that only a deadline can end
 *   it; and
 * - the client has moved on from the last answer it read: it has started another request or scheduled
 *   a new sleep (a retry wait) since, so its attempt is over and no deadline of that attempt can fire
 *   (or, with several requests at once, a few event-loop turns passed without either: see QUIET_TURNS).
 *
 * Otherwise it yields one turn of the event loop and looks again. Nothing here reads the real clock.
 *
 * Retry jitter may be real (seed it with `Effect.withRandom(Random.make(seed))` for repeatable runs): since
 * finding F2 was fixed, the SDK's deadline watcher copes with fractional virtual times.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

/** One turn of the event loop, so that sockets make progress; not a sleep. */
export const tick: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/**
 * What a client has on the wire, counted by {@link track}. A request is on the wire from the moment it
 * is handed to the transport until its answer's body has been read to the end (or it failed, or the
 * answer has no body).
 */
export interface Wire {
  /** Requests handed to the transport so far. */
  started: number
  /** Requests on the wire now. */
  open: number
  /** Requests aborted (by a deadline or an interruption) before any answer came. */
  abortedUnanswered: number
  /** When the last request ended: how many had started, and the TestClock's sleeps at that moment. */
  lastEnd: { readonly started: number; readonly sleeps: ReadonlyArray<number> } | undefined
}

export const wire = (): Wire => ({ started: 0, open: 0, abortedUnanswered: 0, lastEnd: undefined })

const isAbort = (cause: Cause.Cause<unknown>): boolean =>
  Cause.isInterrupted(cause) ||
  Chunk.some(Cause.failures(cause), (error) => {
    const inner: unknown = typeof error === "object" && error !== null && "cause" in error ? error.cause : undefined
    return inner instanceof Error && inner.name === "AbortError"
  })

const noBody = (response: HttpClientResponse.HttpClientResponse): boolean =>
  response.status === 204 || response.status === 304 || response.request.method === "HEAD" ||
  response.headers["content-length"] === "0"

const bodyEffects = new Set<PropertyKey>(["text", "json", "arrayBuffer", "formData", "urlParamsBody"])

/** The response, with every way of reading its body ending the request once the read ends. */
const watchBody = (
  response: HttpClientResponse.HttpClientResponse,
  end: Effect.Effect<void>
): HttpClientResponse.HttpClientResponse =>
  new Proxy(response, {
    get(target, property) {
      // The getters run on the response itself, so that its caches (text, arrayBuffer) stay its own.
      const value: unknown = Reflect.get(target, property, target)
      if (property === "stream" && Stream.StreamTypeId in Object(value)) {
        return Stream.ensuring(value as Stream.Stream<Uint8Array, unknown>, end)
      }
      if (bodyEffects.has(property) && Effect.isEffect(value)) return Effect.ensuring(value, end)
      return value
    }
  })

/**
 * `client` with its requests counted into `state`. Reads the TestClock when a request ends, so it
 * must run under one (`it.effect`).
 */
export const track = (state: Wire) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transform(client, (effect) =>
    Effect.suspend(() => {
      state.started++
      state.open++
      let ended = false
      const end = (abortedUnanswered: boolean) =>
        Effect.flatMap(TestClock.sleeps(), (sleeps) =>
          Effect.sync(() => {
            if (ended) return
            ended = true
            state.open--
            if (abortedUnanswered) state.abortedUnanswered++
            state.lastEnd = { started: state.started, sleeps: Chunk.toReadonlyArray(sleeps) }
          }))
      return effect.pipe(
        Effect.onExit((exit) => Exit.isFailure(exit) ? end(isAbort(exit.cause)) : Effect.void),
        Effect.flatMap((response) =>
          noBody(response) ? Effect.as(end(false), response) : Effect.succeed(watchBody(response, end(false)))
        )
      )
    }))

/** The transport of `layer`, counted into `state`. */
export const tracked = (
  state: Wire,
  layer: Layer.Layer<HttpClient.HttpClient>
): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, track(state))).pipe(Layer.provide(layer))

export interface DriveOptions {
  /** The client's requests, as counted by {@link tracked}. */
  readonly wire: Wire
  /** How many requests the server has held without ever answering (e.g. the emulator's `Hang` entries). */
  readonly held: Effect.Effect<number>
}

/** Whether `now` holds a sleep that `before` did not (counting repeats). */
const scheduledSince = (before: ReadonlyArray<number>, now: ReadonlyArray<number>): boolean => {
  const counts = new Map<number, number>()
  for (const at of before) counts.set(at, (counts.get(at) ?? 0) + 1)
  for (const at of now) {
    const left = counts.get(at) ?? 0
    if (left === 0) return true
    counts.set(at, left - 1)
  }
  return false
}

/**
 * Event-loop turns after which a client that answered neither with a request nor with a sleep counts as
 * having moved on: with several files in flight, the end of one may leave nothing new to do (the others
 * already wait). A single call always moves on by one of the two, so it never waits for this.
 */
const QUIET_TURNS = 20

/** Runs `effect` in a fiber and moves the TestClock as described above until it ends. */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: DriveOptions
): Effect.Effect<Exit.Exit<A, E>, never, R> =>
  Effect.gen(function*() {
    const state = options.wire
    const fiber = yield* Effect.fork(effect)
    let waitingOn: Wire["lastEnd"] = undefined
    let quiet = 0
    for (let turn = 0; turn < 1_000_000; turn++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return exit.value
      const open = state.open
      if (turn % 20000 === 19999) {
        console.log(
          "DRIVE",
          turn,
          JSON.stringify(state),
          JSON.stringify(Chunk.toReadonlyArray(yield* TestClock.sleeps())),
          yield* TestClock.currentTimeMillis
        )
      }
      if (open > 0 && open > (yield* options.held) - state.abortedUnanswered) {
        // A request is on the wire and the server will answer it: it needs the event loop, not time.
        yield* tick
        continue
      }
      const sleeps = Chunk.toReadonlyArray(yield* TestClock.sleeps())
      const last = state.lastEnd
      if (last !== undefined) {
        if (last !== waitingOn) {
          waitingOn = last
          quiet = 0
        }
        if (last.started === state.started && !scheduledSince(last.sleeps, sleeps) && quiet++ < QUIET_TURNS) {
          // The client is still handling the last answer: its attempt, and that attempt's deadline, are live.
          yield* tick
          continue
        }
        state.lastEnd = undefined
      }
      if (sleeps.length > 0) {
        yield* TestClock.setTime(Math.min(...sleeps))
        continue
      }
      yield* tick
    }
    yield* Fiber.interrupt(fiber)
    return yield* Effect.dieMessage("the driven effect neither ended nor slept for a million turns")
  })
