import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../Errors.js"
import { ValidationErrorBody } from "../Models.js"
import type { Query } from "./paginate.js"
import * as RetryAfter from "./retryAfter.js"

/** Removes the API key from text that came back from elsewhere (a proxy may echo request headers). */
export type Redact = (text: string) => string

/** What errors say about the request: its method and its URL without credentials or fragment. */
export interface RequestInfo {
  readonly method: string
  readonly url: string
}

/** @internal */
export const requestInfo = (request: HttpClientRequest.HttpClientRequest, base = ""): RequestInfo => {
  const url = UrlParams.makeUrl(base + request.url, request.urlParams, Option.none())
  if (Either.isLeft(url)) return { method: request.method, url: base + request.url }
  url.right.username = ""
  url.right.password = ""
  return { method: request.method, url: url.right.toString() }
}

/**
 * The URL of a request to the API for its span: the base, the path and the query. Cheaper than
 * {@link requestInfo}: it parses nothing, and API requests carry no credentials in their URL.
 *
 * @internal
 */
export const urlOf = (request: HttpClientRequest.HttpClientRequest, base: string): string =>
  request.urlParams.length === 0
    ? base + request.url
    : `${base}${request.url}?${UrlParams.toString(request.urlParams)}`

// A 422 body is read further than an excerpt so that its details can be decoded; both are bounded.
const VALIDATION_BODY_BYTES = 64 * 1024

interface Collected {
  readonly parts: Array<Uint8Array>
  size: number
}

const decoder = new TextDecoder()

/**
 * Reads at most `limit` bytes of a body (plus whatever the last chunk held), then stops pulling, which
 * aborts the rest of the transfer. A body that cannot be read yields what arrived so far, or "": the
 * status already says what failed, the body is only a hint.
 *
 * @internal
 */
export const readBounded = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number,
  redact: Redact
): Effect.Effect<{ readonly text: string; readonly truncated: boolean }> =>
  response.stream.pipe(
    Stream.runFoldWhile(
      { parts: [], size: 0 } as Collected,
      (collected) => collected.size <= limit,
      (collected, chunk) => {
        collected.parts.push(chunk)
        collected.size += chunk.byteLength
        return collected
      }
    ),
    Effect.map((collected) => {
      const bytes = new Uint8Array(Math.min(collected.size, limit))
      let offset = 0
      for (const part of collected.parts) {
        if (offset >= bytes.byteLength) break
        const take = part.subarray(0, bytes.byteLength - offset)
        bytes.set(take, offset)
        offset += take.byteLength
      }
      return { text: redact(decoder.decode(bytes)), truncated: collected.size > limit }
    }),
    Effect.orElseSucceed(() => ({ text: "", truncated: false }))
  )

const excerpt = (response: HttpClientResponse.HttpClientResponse, redact: Redact): Effect.Effect<string> =>
  Effect.map(
    readBounded(response, Errors.bodyExcerptBytes, redact),
    ({ text, truncated }) => truncated ? `${text}…` : text
  )

const clip = (text: string, limit: number): string => text.length > limit ? `${text.slice(0, limit)}…` : text

/** @internal */
export const notFound = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(
    excerpt(response, redact),
    (body) => Effect.fail(new Errors.NotFoundError({ ...requestInfo(response.request), body }))
  )

/** @internal */
export const unsupportedMediaType = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(
    excerpt(response, redact),
    (body) => Effect.fail(new Errors.UnsupportedMediaTypeError({ ...requestInfo(response.request), body }))
  )

const decodeValidationBody = Schema.decodeUnknownOption(Schema.parseJson(ValidationErrorBody))

/** @internal */
export const validation = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(readBounded(response, VALIDATION_BODY_BYTES, redact), ({ text, truncated }) => {
    const details = truncated ? [] : Option.match(decodeValidationBody(text), {
      onNone: () => [],
      onSome: (decoded) => decoded.detail
    })
    return Effect.fail(
      new Errors.ValidationError({
        ...requestInfo(response.request),
        details,
        body: clip(text, Errors.bodyExcerptBytes)
      })
    )
  })

/** @internal */
export const authentication = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(
    excerpt(response, redact),
    (body) =>
      Effect.fail(
        new Errors.AuthenticationError({
          ...requestInfo(response.request),
          status: response.status === 403 ? 403 : 401,
          body
        })
      )
  )

const retryAfterOf = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(Clock.currentTimeMillis, (now) => RetryAfter.parse(response.headers["retry-after"], now))

/** @internal */
export const rateLimited = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(
    Effect.zip(retryAfterOf(response), excerpt(response, redact)),
    ([retryAfter, body]) =>
      Effect.fail(new Errors.RateLimitedError({ ...requestInfo(response.request), retryAfter, body }))
  )

/** @internal */
export const server = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(
    Effect.zip(retryAfterOf(response), excerpt(response, redact)),
    ([retryAfter, body]) =>
      Effect.fail(
        new Errors.ServerError({ ...requestInfo(response.request), status: response.status, retryAfter, body })
      )
  )

/** @internal */
export const unexpected = (response: HttpClientResponse.HttpClientResponse, redact: Redact) =>
  Effect.flatMap(
    excerpt(response, redact),
    (body) =>
      Effect.fail(
        new Errors.UnexpectedStatusError({ ...requestInfo(response.request), status: response.status, body })
      )
  )

/**
 * The error-status cases every operation shares, for `HttpClientResponse.matchStatus`.
 *
 * @internal
 */
export const commonCases = (redact: Redact) => ({
  401: (response: HttpClientResponse.HttpClientResponse) => authentication(response, redact),
  403: (response: HttpClientResponse.HttpClientResponse) => authentication(response, redact),
  429: (response: HttpClientResponse.HttpClientResponse) => rateLimited(response, redact),
  "5xx": (response: HttpClientResponse.HttpClientResponse) => server(response, redact),
  orElse: (response: HttpClientResponse.HttpClientResponse) => unexpected(response, redact)
})

const describeCause = (cause: unknown, redact: Redact): string => {
  const messages: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message !== "" && !messages.includes(current.message)) messages.push(current.message)
    current = current.cause
  }
  return redact(messages.join(": "))
}

const errorCode = (cause: unknown, depth = 0): string | undefined => {
  if (depth > 5 || typeof cause !== "object" || cause === null) return undefined
  if ("code" in cause && typeof cause.code === "string") return cause.code
  // Node reports a failed connection to a name with several addresses as an AggregateError.
  if (cause instanceof AggregateError) {
    for (const error of cause.errors) {
      const code = errorCode(error, depth + 1)
      if (code !== undefined) return code
    }
  }
  return "cause" in cause ? errorCode(cause.cause, depth + 1) : undefined
}

/** @internal */
export const transport = (error: HttpClientError.RequestError, redact: Redact): Errors.TransportError => {
  const code = errorCode(error.cause)
  const description = error.description ?? describeCause(error.cause, redact)
  return new Errors.TransportError({
    ...requestInfo(error.request),
    reason: error.reason,
    ...(code === undefined ? {} : { code }),
    description: description === "" ? "the request failed" : description
  })
}

/**
 * A body that stopped arriving after the status line is a transport failure, not a decoding one.
 *
 * @internal
 */
export const bodyTransport = (error: HttpClientError.ResponseError, redact: Redact): Errors.TransportError => {
  const code = errorCode(error.cause)
  return new Errors.TransportError({
    ...requestInfo(error.request),
    reason: "Transport",
    ...(code === undefined ? {} : { code }),
    description: `the response body could not be read: ${describeCause(error.cause, redact) || error.reason}`
  })
}

const decodeError = (
  response: HttpClientResponse.HttpClientResponse,
  description: string,
  text: string,
  redact: Redact
) =>
  new Errors.DecodeError({
    ...requestInfo(response.request),
    status: response.status,
    description: clip(redact(description), Errors.bodyExcerptBytes),
    body: clip(redact(text), Errors.bodyExcerptBytes)
  })

/**
 * The formatter prints the offending value in full, recursively: a hostile body nested thousands deep
 * overflows the stack there. Such a body gets a short description instead; the excerpt still shows it.
 */
const describeMismatch = (error: ParseResult.ParseError): string => {
  try {
    return ParseResult.TreeFormatter.formatErrorSync(error)
  } catch {
    return "the body does not have the expected shape (too deeply nested to describe)"
  }
}

/**
 * Decodes a JSON body with a decoder built once per schema. Malformed JSON and schema mismatches both
 * become a `DecodeError` with a bounded excerpt; a body that cannot be read is a `TransportError`.
 *
 * @internal
 */
export const json = <A>(
  response: HttpClientResponse.HttpClientResponse,
  decode: (input: unknown) => Either.Either<A, ParseResult.ParseError>,
  redact: Redact
): Effect.Effect<A, Errors.DecodeError | Errors.TransportError> =>
  Effect.matchEffect(response.text, {
    onFailure: (error) => Effect.fail(bodyTransport(error, redact)),
    onSuccess: (text) => {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (cause) {
        const reason = text === "" ? "the body is empty" : `malformed JSON (${String(cause)})`
        return Effect.fail(decodeError(response, reason, text, redact))
      }
      return Either.match(decode(body), {
        onLeft: (error) => Effect.fail(decodeError(response, describeMismatch(error), text, redact)),
        onRight: Effect.succeed
      })
    }
  })

/**
 * The failure of a walk that cannot go on: its page has no item with an id and, having started at a
 * caller's cursor, it does not know its absolute position for `page_number`.
 *
 * @internal
 */
export const walkStuck = (
  baseUrl: string,
  path: string,
  query: Query
): Errors.DecodeError =>
  new Errors.DecodeError({
    ...requestInfo(
      HttpClientRequest.get(path, {
        urlParams: { after: query.after, before: query.before, limit: query.limit, page_number: query.pageNumber }
      }),
      baseUrl
    ),
    status: 200,
    description: "the page has no item with an id, so a walk that started at a caller's cursor cannot go on",
    body: ""
  })
