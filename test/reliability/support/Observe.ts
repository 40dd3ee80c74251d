/**
 * Everything a secret could leak into, captured for a scan: log lines (a test `Logger` at every level),
 * spans (a recording `Tracer`: names, attributes, events and how they ended), the renderings of errors,
 * and the requests the SDK put on the wire (a recording `HttpClient` under the SDK's own).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"

const show = (value: unknown): string => typeof value === "string" ? value : inspect(value, { depth: 8 })

/** Every way an error is commonly turned into text. */
export const renderings = (error: unknown): ReadonlyArray<string> => {
  const texts = [
    String(error),
    inspect(error, { depth: 10 }),
    Cause.pretty(Cause.fail(error)),
    Cause.pretty(Cause.fail(error), { renderErrorCause: true })
  ]
  if (error instanceof Error) texts.push(error.message, error.stack ?? "")
  try {
    texts.push(JSON.stringify(error))
  } catch {
    // A value JSON cannot hold is rendered by the other means.
  }
  return texts
}

/** Logs and spans of the effects it instruments. */
export interface Recorder {
  readonly logs: Array<string>
  readonly spans: Array<Tracer.Span>
  /** Runs `effect` with the recording logger (every level) and tracer. */
  readonly instrument: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The text of every log line and every span: name, attributes, events and the cause it ended with. */
  readonly texts: () => ReadonlyArray<string>
}

export const recorder = (): Recorder => {
  const logs: Array<string> = []
  const spans: Array<Tracer.Span> = []
  const logger = Logger.make(({ annotations, cause, logLevel, message, spans: logSpans }) => {
    logs.push(
      [
        logLevel.label,
        show(message),
        Cause.isEmpty(cause) ? "" : Cause.pretty(cause, { renderErrorCause: true }),
        show([...annotations]),
        show([...logSpans].map((span) => span.label))
      ].join(" ")
    )
  })
  const texts = () => {
    const out = [...logs]
    for (const span of spans) {
      out.push(span.name)
      for (const [name, value] of span.attributes) out.push(`${name}=${show(value)}`)
      if ("events" in span) out.push(show(span.events))
      for (const link of span.links) out.push(show(link.attributes))
      if (span.status._tag === "Ended" && span.status.exit._tag === "Failure") {
        out.push(Cause.pretty(span.status.exit.cause, { renderErrorCause: true }))
      }
    }
    return out
  }
  const instrument = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.tracer, (base) => {
      const tracer = Tracer.make({
        span: (...args) => {
          const span = base.span(...args)
          spans.push(span)
          return span
        },
        context: base.context
      })
      return effect.pipe(
        Effect.withTracer(tracer),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
    })
  return { logs, spans, instrument, texts }
}

/** Fails the test naming where `secret` shows up among `texts`. */
export const assertNoSecret = (secret: string, texts: ReadonlyArray<string>, where: string): void => {
  for (const text of texts) {
    if (text.includes(secret)) assert.fail(`${where} leaks the API key: …${text.slice(0, 300)}…`)
  }
}

/** A request as the SDK handed it to the transport. */
export type SentRequest = HttpClientRequest.HttpClientRequest

const decoder = new TextDecoder()

/**
 * Where a secret could travel in a request: the URL and its parameters, every header value, and the body
 * when it is in memory (the SDK builds bodies of files up to 256 KiB in one buffer; tests keep files small
 * so that every body is seen).
 */
export const requestTexts = (request: SentRequest): ReadonlyArray<string> => {
  const texts = [request.url, show(request.urlParams), ...Object.values(request.headers)]
  if (request.body._tag === "Uint8Array") texts.push(decoder.decode(request.body.body))
  else if (request.body._tag === "Raw") texts.push(show(request.body.body))
  return texts
}

/** Whether the request's body is held in memory, that is, whether {@link requestTexts} sees all of it. */
export const bodySeen = (request: SentRequest): boolean =>
  request.body._tag === "Uint8Array" || request.body._tag === "Empty"

/** The undici transport with every request recorded into `sent` before it leaves. */
export const recordingTransport = (sent: Array<SentRequest>): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.tapRequest(client, (request) =>
        Effect.sync(() => {
          sent.push(request)
        })))
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** What the emulator's log says of one request (its `LoggedRequest`, reduced to what a scan needs). */
export interface LoggedRequest {
  readonly route: string
  readonly path: string
  readonly search: string
  readonly query: Readonly<Record<string, string>>
  readonly headerNames: ReadonlyArray<string>
  readonly authorization: boolean
}

/**
 * Checks every S3 request on both sides of the wire: in the emulator's log (no `Authorization` header,
 * no key in its path or query; the log keeps header names, never values), and as the SDK sent it (no
 * `Authorization` header, no key in the URL, any header, any form field or the file body, all of which
 * must have been in memory to be seen). Both sides must hold the same number of S3 requests, and at
 * least `atLeast`. Returns how many were checked.
 */
export const assertS3Clean = (options: {
  readonly secret: string
  readonly s3Url: string
  readonly logged: ReadonlyArray<LoggedRequest>
  readonly sent: ReadonlyArray<SentRequest>
  readonly atLeast?: number
}): number => {
  const logged = options.logged.filter((request) => request.route === "s3")
  for (const request of logged) {
    assert.isFalse(request.authorization, `${request.path} reached S3 with an Authorization header`)
    assert.notInclude(request.headerNames, "authorization")
    assertNoSecret(options.secret, [request.path, request.search, JSON.stringify(request.query)], "the S3 log")
  }
  const sent = options.sent.filter((request) => request.url.startsWith(options.s3Url))
  assert.strictEqual(sent.length, logged.length, "every S3 request is checked on both sides")
  assert.isAtLeast(sent.length, options.atLeast ?? 0, "S3 requests")
  for (const request of sent) {
    assert.isTrue(bodySeen(request), "the whole form was in memory, so all of it was scanned")
    assert.notInclude(Object.keys(request.headers).map((name) => name.toLowerCase()), "authorization")
    assertNoSecret(options.secret, requestTexts(request), "an S3 request")
  }
  return sent.length
}

/** Checks that API requests carry `secret` as their bearer token and nowhere else. */
export const assertKeyOnlyInAuthorization = (
  secret: string,
  sent: ReadonlyArray<SentRequest>
): void => {
  for (const request of sent) {
    const { authorization, ...rest } = request.headers
    assert.strictEqual(authorization, `Bearer ${secret}`)
    assertNoSecret(
      secret,
      [request.url, show(request.urlParams), ...Object.values(rest)],
      "an API request's URL or headers"
    )
    if (request.body._tag === "Uint8Array") {
      assertNoSecret(secret, [decoder.decode(request.body.body)], "an API request's body")
    }
  }
}
