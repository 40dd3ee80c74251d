/**
 * One object sent to S3 through a presigned POST: a body built afresh on every attempt, a per-attempt
 * timeout, S3's XML errors made typed, and retries only for what is worth repeating.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import { type S3AttemptError, S3Error } from "../UploadErrors.js"
import * as Multipart from "./multipart.js"
import * as Responses from "./responses.js"
import * as S3Xml from "./s3Xml.js"
import * as Source from "./source.js"

/** What one attempt to send an object can fail with. */
export type AttemptError = S3AttemptError

/**
 * Whether a failed attempt is worth repeating: S3's transient refusals, transport failures and timeouts.
 * A source that could not be read, or S3's final refusals (`AccessDenied`, `EntityTooLarge`,
 * `InvalidArgument`), would fail the same way again.
 */
export const isTransient = (error: AttemptError): boolean => {
  switch (error._tag) {
    case "S3Error":
      return S3Xml.isTransient(error.status, error.code)
    case "TransportError":
      return error.reason === "Transport"
    case "TimeoutError":
      return true
    case "SourceReadError":
      return false
  }
}

/** The default S3 retry policy: the SDK's backoff shape, for S3's transient failures. */
export const defaultRetry: Schedule.Schedule<Duration.Duration, AttemptError> = Retry.make({ isTransient })

/**
 * The default time one attempt may take: half a minute, plus a second per MiB of body, so that a 1 GiB
 * file needs no more than about 1 MiB/s, and a hung connection is given up on.
 */
export const defaultTimeout = (size: number): Duration.Duration => Duration.seconds(30 + Math.ceil(size / 1_048_576))

// S3's own error bodies are a few hundred bytes; a longer body is cut, it is not S3's XML anyway.
const ERROR_BODY_BYTES = 8 * 1024

/** An attempt in flight: closing its scope aborts its request. */
interface InFlight {
  readonly deadline: number
  readonly timeout: Duration.Duration
  readonly scope: Scope.CloseableScope
  timedOut: boolean
}

/** The presigned POST of one session, with its form encoded once. */
export interface Target {
  readonly client: HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>
  readonly url: string
  readonly request: HttpClientRequest.HttpClientRequest
  readonly form: Multipart.Form
  /** Applied to every failure; only transient ones are ever retried, whatever the schedule says. */
  readonly retry: Schedule.Schedule<unknown, AttemptError> | undefined
  readonly timeout: (size: number) => Duration.Duration
  readonly redact: Responses.Redact
  readonly watch: Watch
}

/** The attempts in flight, and when the watcher looks at them next (`Infinity`: when one arrives). */
interface Watch {
  readonly inFlight: Set<InFlight>
  readonly wake: Effect.Latch
  next: number
}

/**
 * Whether a deadline counts as reached. One that a sleep cannot move the clock towards (less than a
 * nanosecond ahead, or lost in the rounding of a large "now") is due as well: sleeping towards it would
 * wake at once, at the same instant, forever (the same guard as `internal/deadlines.ts`).
 */
const isDue = (deadline: number, now: number): boolean =>
  !(now + Duration.toMillis(Duration.millis(deadline - now)) > now)

/**
 * Aborts the attempts past their deadline. It sleeps until the earliest deadline, or, with nothing in
 * flight, until an attempt arrives; an attempt due before that wakes it. So it costs nothing per request
 * but a comparison, and under `TestClock` it never turns a long `adjust` into a busy loop.
 */
const watcher = (watch: Watch): Effect.Effect<never> =>
  Effect.forever(Effect.flatMap(Clock.currentTimeMillis, (now) => {
    watch.wake.unsafeClose()
    const late: Array<InFlight> = []
    let earliest = Infinity
    for (const attempt of watch.inFlight) {
      if (isDue(attempt.deadline, now)) late.push(attempt)
      else if (attempt.deadline < earliest) earliest = attempt.deadline
    }
    watch.next = earliest
    return Effect.zipRight(
      Effect.forEach(late, (attempt) => {
        attempt.timedOut = true
        watch.inFlight.delete(attempt)
        return Scope.close(attempt.scope, Exit.void)
      }, { discard: true }),
      earliest === Infinity ? watch.wake.await : Effect.raceFirst(Effect.sleep(earliest - now), watch.wake.await)
    )
  }))

const watchAttempt = (watch: Watch, attempt: InFlight): void => {
  watch.inFlight.add(attempt)
  if (attempt.deadline < watch.next) watch.wake.unsafeOpen()
}

/** What a target is made of. */
export interface TargetOptions {
  readonly client: HttpClient.HttpClient
  readonly url: string
  readonly fields: Readonly<Record<string, string>>
  readonly retry: Schedule.Schedule<unknown, AttemptError> | false | undefined
  readonly timeout: Duration.DurationInput | undefined
  readonly redact: Responses.Redact
}

/**
 * Makes a target from a session's presigned POST, for as long as the scope lasts.
 *
 * Timeouts: one fiber per target (see `watcher`) aborts the attempts past their deadline by closing the
 * attempt's scope (the client is `withScope`d). A timer and a racing fiber per request, which
 * `Effect.timeout` costs, would weigh more than the upload of a small file.
 * Per-request spans are off for the same reason: the run, the session and every API call have theirs.
 */
export const make = (options: TargetOptions): Effect.Effect<Target, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fixed = options.timeout === undefined ? undefined : Duration.decode(options.timeout)
    const watch: Watch = { inFlight: new Set(), wake: Effect.unsafeMakeLatch(false), next: Infinity }
    // Interruptible whatever the caller's region (a session may be opened inside an `acquireRelease`):
    // a forked fiber inherits uninterruptibility, and the scope's end must be able to stop it.
    yield* Effect.forkScoped(Effect.interruptible(watcher(watch)))
    return {
      client: HttpClient.withScope(HttpClient.withTracerDisabledWhen(options.client, () => true)),
      url: options.url,
      request: HttpClientRequest.post(options.url),
      form: Multipart.make(options.fields),
      retry: options.retry === false
        ? undefined
        : Schedule.whileInput(options.retry ?? defaultRetry, isTransient),
      timeout: fixed === undefined ? defaultTimeout : () => fixed,
      redact: options.redact,
      watch
    }
  })

const s3Error = (target: Target, name: string, response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(Responses.readBounded(response, ERROR_BODY_BYTES, target.redact), ({ text }) => {
    const { code, detail } = S3Xml.parseError(text)
    return Effect.fail(new S3Error({ status: response.status, code, detail, fileName: name, url: target.url }))
  })

const exchange = (
  target: Target,
  name: string,
  body: Source.AttemptBody
): Effect.Effect<number, AttemptError, Scope.Scope> =>
  target.client.execute(HttpClientRequest.setBody(target.request, body.body)).pipe(
    Effect.catchTags({
      RequestError: (error) => Effect.fail(body.failure() ?? Responses.transport(error, target.redact)),
      ResponseError: (error) => Effect.fail(Responses.bodyTransport(error, target.redact))
    }),
    Effect.flatMap((response) =>
      response.status >= 200 && response.status < 300
        // Reading the (empty or tiny) body hands the connection back to the pool at once.
        ? Effect.as(Effect.ignore(response.arrayBuffer), body.size)
        : s3Error(target, name, response)
    )
  )

/**
 * One attempt. The request runs in a scope of its own, which the watcher closes at the deadline (that
 * aborts it, the `withScope` client ties the two). A request that succeeded has read its answer, so its
 * scope is left to the garbage collector: closing it would only abort a finished request, and an abort is
 * not free (it builds a `DOMException`). Streamed files hold their handle in the attempt's outer scope.
 * The deadline covers the whole exchange, the answer's body included, but not reading a small file.
 */
const exchangeWithin = (
  target: Target,
  name: string,
  body: Source.AttemptBody
): Effect.Effect<number, AttemptError> =>
  Effect.flatMap(Effect.zip(Scope.make(), Clock.currentTimeMillis), ([scope, now]) => {
    const timeout = target.timeout(body.size)
    const watched: InFlight = { deadline: now + Duration.toMillis(timeout), timeout, scope, timedOut: false }
    watchAttempt(target.watch, watched)
    return exchange(target, name, body).pipe(
      Scope.extend(scope),
      Effect.onExit((exit) => {
        target.watch.inFlight.delete(watched)
        return Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)
      }),
      Effect.catchAll((error) =>
        Effect.fail(
          watched.timedOut
            ? new Errors.TimeoutError({ method: "POST", url: target.url, timeout: watched.timeout })
            : error
        )
      )
    )
  })

const attempt = (
  target: Target,
  envelope: Multipart.Envelope,
  name: string,
  content: Source.Content
): Effect.Effect<number, AttemptError, FileSystem.FileSystem> =>
  Source.withBody(envelope, name, content, (body) => exchangeWithin(target, name, body))

/**
 * Sends one object; succeeds with the number of content bytes sent. Every attempt opens the source again,
 * so a retried file is never sent with an empty or half-read body. The retry schedule's driver is only
 * made after a first failure: most files never need it.
 */
export const send = (
  target: Target,
  name: string,
  content: Source.Content
): Effect.Effect<number, AttemptError, FileSystem.FileSystem> => {
  const once = attempt(target, Multipart.envelope(target.form, name), name, content)
  const schedule = target.retry
  if (schedule === undefined) return once
  return Effect.catchAll(once, (first) =>
    Effect.flatMap(Schedule.driver(schedule), (driver) => {
      const again = (error: AttemptError): Effect.Effect<number, AttemptError, FileSystem.FileSystem> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(once, again)
        })
      return again(first)
    }))
}
