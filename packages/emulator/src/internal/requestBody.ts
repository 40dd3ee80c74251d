import * as Effect from "effect/Effect"
import type { IncomingMessage } from "node:http"

/**
 * Reading a request body one chunk at a time, without a stream per request. A small body has
 * usually arrived whole by the time its handler runs; then no chunk needs waiting for.
 *
 * @internal
 */
export class IncompleteBody {
  readonly _tag = "IncompleteBody"
}

/**
 * The chunk at hand: a buffer, `undefined` at the end of the body, or `null` when the next chunk
 * has yet to arrive (then wait with `nextChunk`).
 *
 * @internal
 */
export const chunkAtHand = (incoming: IncomingMessage): Buffer | undefined | null => {
  const chunk = incoming.read() as Buffer | null
  if (chunk !== null) return chunk
  // `complete`: the whole message has been parsed, so an empty buffer means the end.
  return incoming.readableEnded || incoming.complete ? undefined : null
}

/**
 * Waits for the next chunk (`undefined` at the end); fails when the connection breaks first.
 *
 * @internal
 */
export const nextChunk = (incoming: IncomingMessage): Effect.Effect<Buffer | undefined, IncompleteBody> =>
  Effect.async((resume) => {
    const cleanup = () => {
      incoming.off("readable", onReadable)
      incoming.off("end", onEnd)
      incoming.off("error", onBroken)
      incoming.off("close", onBroken)
    }
    const onReadable = () => {
      const chunk = chunkAtHand(incoming)
      if (chunk === null) return
      cleanup()
      resume(Effect.succeed(chunk))
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(undefined))
    }
    const onBroken = () => {
      cleanup()
      resume(Effect.fail(new IncompleteBody()))
    }
    const chunk = chunkAtHand(incoming)
    if (chunk !== null) return resume(Effect.succeed(chunk))
    incoming.on("readable", onReadable)
    incoming.once("end", onEnd)
    incoming.once("error", onBroken)
    incoming.once("close", onBroken)
    return Effect.sync(cleanup)
  })

/**
 * Reads the rest of the body and drops it, so that a client still sending hears the answer that
 * follows rather than a broken pipe.
 *
 * @internal
 */
export const discardRest = (incoming: IncomingMessage): Effect.Effect<void> =>
  Effect.async((resume) => {
    if (incoming.readableEnded || (incoming.complete && incoming.readableLength === 0)) return resume(Effect.void)
    const done = () => {
      incoming.off("end", done)
      incoming.off("error", done)
      incoming.off("close", done)
      resume(Effect.void)
    }
    incoming.once("end", done)
    incoming.once("error", done)
    incoming.once("close", done)
    incoming.resume()
    return Effect.sync(() => {
      incoming.off("end", done)
      incoming.off("error", done)
      incoming.off("close", done)
    })
  })
