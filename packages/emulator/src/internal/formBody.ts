import type { PlatformError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import type { IncomingMessage } from "node:http"
import * as Multipart from "./multipart.js"
import * as RequestBody from "./requestBody.js"
import type { EmulatorRuntime } from "./runtime.js"
import type { S3Object } from "./s3Object.js"

/**
 * Reading a `multipart/form-data` body whose file part streams into an `S3Object`, as both ways in
 * (S3's presigned POST and `POST /files`) do: one network chunk at a time through a `FormParser`.
 *
 * @internal
 */
export interface ReadOptions<E, R> {
  readonly runtime: EmulatorRuntime
  readonly incoming: IncomingMessage
  readonly boundary: string
  /** The parser's `maxPreData`. */
  readonly maxPreData: number
  /** Takes each event in order; an effect it returns runs before the next event. */
  readonly onEvent: (event: Multipart.Event) => Effect.Effect<void, E, R> | undefined
  /** The object the file's bytes go to, once there is one. */
  readonly object: () => S3Object | undefined
  /** Checked after each chunk: true stops reading (the rest of the body is left unread). */
  readonly stop?: () => boolean
}

/**
 * Reads the body until it ends, the parser fails or `stop` says so; after each chunk the object's
 * gathered bytes go to disk once it is full, so a large file never sits whole in memory. Returns the
 * parser's failure, if any.
 *
 * @internal
 */
export const read = <E = never, R = never>(
  options: ReadOptions<E, R>
): Effect.Effect<Multipart.Failure | undefined, E | RequestBody.IncompleteBody | PlatformError, R> =>
  Effect.gen(function*() {
    const { incoming } = options
    const parser = new Multipart.FormParser(options.boundary, options.maxPreData)
    while (parser.failure === undefined) {
      const atHand = RequestBody.chunkAtHand(incoming)
      const chunk = atHand === null ? yield* RequestBody.nextChunk(incoming) : atHand
      for (const event of chunk === undefined ? parser.end() : parser.write(chunk)) {
        const effect = options.onEvent(event)
        if (effect !== undefined) yield* effect
      }
      if (chunk === undefined || options.stop?.() === true) break
      const object = options.object()
      if (object?.full === true) yield* object.flush(options.runtime)
    }
    return parser.failure
  })
