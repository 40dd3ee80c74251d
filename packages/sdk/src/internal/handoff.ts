/**
 * A channel from many producers to one consumer in which a producer waits until the consumer has
 * handled what it sent. Each pull of the consumer takes everything pending as one chunk, and the next
 * pull is the acknowledgement of that whole chunk: one `Deferred` per pull, not one per value. So a
 * producer that sends one value at a time is never more than one value ahead of the consumer, however
 * slow it is, and a consumer that stops leaves unhandled at most one value per producer.
 *
 * Its state is plain fields, changed only inside synchronous steps, where fibers cannot interleave.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** The producers' side of a handoff, and the consumer's stream. */
export interface Handoff<A, E> {
  /** Sends a value and waits until the consumer has handled it. */
  readonly send: (value: A) => Effect.Effect<void>
  /** Runs the producing effect; when it ends, the stream ends the same way once what is pending is taken. */
  readonly into: <R>(producer: Effect.Effect<unknown, E, R>) => Effect.Effect<void, never, R>
  /** The values, in the order they were sent; to be run once. */
  readonly stream: Stream.Stream<A, E>
}

const signal = () => Deferred.unsafeMake<void>(FiberId.none)

/** Makes an empty handoff. */
export const make = <A, E>(): Handoff<A, E> => {
  let pending: Array<A> = []
  // Acknowledges the values sent since the last pull; `handedOver`, those of the chunk the consumer holds.
  let acknowledgement = signal()
  let handedOver: Deferred.Deferred<void> | undefined
  let consumer: Deferred.Deferred<void> | undefined
  let ended: Exit.Exit<unknown, E> | undefined

  const wake = () => {
    if (consumer === undefined) return
    Deferred.unsafeDone(consumer, Exit.void)
    consumer = undefined
  }

  const send = (value: A) =>
    Effect.suspend(() => {
      pending.push(value)
      wake()
      return Deferred.await(acknowledgement)
    })

  // The producer's own failure goes to the consumer, not to whoever runs `into`.
  const into = <R>(producer: Effect.Effect<unknown, E, R>) =>
    Effect.asVoid(Effect.exit(Effect.onExit(producer, (exit) =>
      Effect.sync(() => {
        ended = exit
        wake()
      }))))

  const pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> = Effect.suspend(() => {
    if (handedOver !== undefined) {
      Deferred.unsafeDone(handedOver, Exit.void)
      handedOver = undefined
    }
    if (pending.length > 0) {
      const chunk = Chunk.unsafeFromArray(pending)
      pending = []
      handedOver = acknowledgement
      acknowledgement = signal()
      return Effect.succeed(chunk)
    }
    if (ended !== undefined) {
      return Exit.isSuccess(ended) ? Effect.fail(Option.none()) : Effect.failCause(Cause.map(ended.cause, Option.some))
    }
    consumer = signal()
    return Effect.zipRight(Deferred.await(consumer), pull)
  })

  return { send, into, stream: Stream.repeatEffectChunkOption(pull) }
}
