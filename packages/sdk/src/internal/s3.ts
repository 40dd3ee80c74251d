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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import { type S3AttemptError, S3Error } from "../UploadErrors.js"
import * as Deadlines from "./deadlines.js"
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
  /** Aborts the attempts that outlive their timeout. */
  readonly deadlines: Deadlines.Deadlines
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
 * Timeouts: one `Deadlines` watcher per target aborts the attempts past their deadline (each attempt
 * brings its own timeout, by body size); a timer and a racing fiber per request, which `Effect.timeout`
 * costs, would weigh more than the upload of a small file.
 * Per-request spans are off for the same reason: the run, the session and every API call have theirs.
 */
export const make = (options: TargetOptions): Effect.Effect<Target, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fixed = options.timeout === undefined ? undefined : Duration.decode(options.timeout)
    const deadlines = yield* Deadlines.make(fixed ?? defaultTimeout(0))
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
      deadlines
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
 * One attempt, within its deadline: the request runs in a scope of its own, which the watcher closes at
 * the deadline (that aborts it, the `withScope` client ties the two). The deadline covers the whole
 * exchange, the answer's body included, but not reading a small file.
 */
const exchangeWithin = (
  target: Target,
  name: string,
  body: Source.AttemptBody
): Effect.Effect<number, AttemptError> =>
  target.deadlines.run(
    exchange(target, name, body),
    (timeout) => new Errors.TimeoutError({ method: "POST", url: target.url, timeout }),
    target.timeout(body.size)
  )

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
