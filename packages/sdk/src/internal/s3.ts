/**
 * One object sent to S3 through a presigned POST: a body built afresh on every attempt, a per-attempt
 * timeout by body size, S3's XML errors made typed, and retries only for what is worth repeating, through
 * the same attempt pipeline as API calls (`attempt.ts`).
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Errors from "../Errors.js"
import * as Retry from "../Retry.js"
import { FileTooLargeError, type S3AttemptError, S3Error } from "../UploadErrors.js"
import * as Attempt from "./attempt.js"
import type * as Meter from "./meter.js"
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
    case "FileTooLargeError":
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
  readonly client: HttpClient.HttpClient
  readonly url: string
  readonly request: HttpClientRequest.HttpClientRequest
  readonly form: Multipart.Form
  /** Applied to every failure; only transient ones are ever retried, whatever the schedule says. */
  readonly retry: Schedule.Schedule<unknown, AttemptError> | undefined
  readonly timeout: (size: number) => Duration.Duration
  readonly redact: Responses.Redact
  /** The largest file the policy accepts, when it says (its `content-length-range`). */
  readonly maxSize: number | undefined
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

/** Makes a target from a session's presigned POST. */
export const make = (options: TargetOptions): Effect.Effect<Target> =>
  Effect.sync(() => {
    const fixed = options.timeout === undefined ? undefined : Duration.decode(options.timeout)
    return {
      client: options.client,
      url: options.url,
      request: HttpClientRequest.post(options.url),
      form: Multipart.make(options.fields),
      retry: options.retry === false
        ? undefined
        : Schedule.whileInput(options.retry ?? defaultRetry, isTransient),
      timeout: fixed === undefined ? defaultTimeout : () => fixed,
      redact: options.redact,
      maxSize: policyMaxSize(options.fields)
    }
  })

/**
 * The upper bound of the presigned policy's `["content-length-range", min, max]` condition, if the policy
 * (base64 JSON in the `policy` field) can be read and has one; S3 refuses a larger file only once it is sent.
 */
export const policyMaxSize = (fields: Readonly<Record<string, string>>): number | undefined => {
  const encoded = Object.entries(fields).find(([name]) => name.toLowerCase() === "policy")?.[1]
  if (encoded === undefined) return undefined
  try {
    const policy: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0))))
    const conditions = (policy as { readonly conditions?: unknown }).conditions
    const range = Array.isArray(conditions)
      ? conditions.find((condition): condition is [string, unknown, unknown] =>
        Array.isArray(condition) && condition.length === 3 &&
        String(condition[0]).toLowerCase() === "content-length-range"
      )
      : undefined
    const max = Number(range?.[2])
    return range !== undefined && Number.isSafeInteger(max) && max >= 0 ? max : undefined
  } catch {
    return undefined
  }
}

const s3Error = (target: Target, name: string, response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(Responses.readBounded(response, ERROR_BODY_BYTES, target.redact), ({ text }) => {
    const { code, detail } = S3Xml.parseError(text)
    return Effect.fail(new S3Error({ status: response.status, code, detail, fileName: name, url: target.url }))
  })

/** What one object's upload sent: its content bytes, and (when asked for) their SHA-256 and the file's mtime. */
export interface Transferred {
  readonly bytes: number
  readonly sha256: string | undefined
  readonly mtimeMs: number | undefined
}

const exchange = (
  target: Target,
  name: string,
  body: Source.AttemptBody,
  digest: boolean
): Effect.Effect<Transferred, AttemptError> =>
  target.client.execute(HttpClientRequest.setBody(target.request, body.body)).pipe(
    Effect.catchTags({
      RequestError: (error) => Effect.fail(body.failure() ?? Responses.transport(error, target.redact)),
      ResponseError: (error) => Effect.fail(Responses.bodyTransport(error, target.redact))
    }),
    Effect.flatMap((response) =>
      response.status >= 200 && response.status < 300
        // Reading the (empty or tiny) body hands the connection back to the pool at once.
        ? Effect.as(Effect.ignore(response.arrayBuffer), {
          bytes: body.size,
          sha256: digest ? body.digest() : undefined,
          mtimeMs: body.mtimeMs
        })
        : s3Error(target, name, response)
    )
  )

const attempt = (
  target: Target,
  envelope: Multipart.Envelope,
  name: string,
  content: Source.Content,
  digest: boolean,
  meter: Meter.Meter | undefined
): Effect.Effect<Transferred, AttemptError, FileSystem.FileSystem> =>
  Source.withBody(
    envelope,
    name,
    content,
    (body) =>
      target.maxSize !== undefined && body.size > target.maxSize
        ? Effect.fail(new FileTooLargeError({ fileName: name, size: body.size, limit: target.maxSize }))
        // The timeout covers the whole exchange, the answer's body included, but not reading a small file.
        : Attempt.within(
          exchange(target, name, body, digest),
          target.timeout(body.size),
          (timeout) => new Errors.TimeoutError({ method: "POST", url: target.url, timeout })
        ),
    digest,
    meter
  )

/**
 * Sends one object; succeeds with what was sent (with `digest`, the SHA-256 of the bytes as they went out).
 * Every attempt opens the source again, so a retried file is never sent with an empty or half-read body.
 * With a `meter`, the content's bytes are counted as they go out, and an attempt that fails takes its back.
 */
export const send = (
  target: Target,
  name: string,
  content: Source.Content,
  digest = false,
  meter?: Meter.Meter
): Effect.Effect<Transferred, AttemptError, FileSystem.FileSystem> =>
  Attempt.retrying(
    attempt(target, Multipart.envelope(target.form, name), name, content, digest, meter),
    target.retry
  )
