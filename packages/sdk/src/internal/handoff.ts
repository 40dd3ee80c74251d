/**
 * A channel from many producers to one consumer in which a producer waits until the consumer has
 * handled what it sent: each pull of the consumer takes everything pending as one chunk, and the next
 * pull acknowledges that chunk. So a producer that sends one value at a time is never more than one
 * value ahead of the consumer, however slow it is, and a consumer that stops leaves unhandled at most
 * one value per producer.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

/** The producers' side of a handoff, and the consumer's stream. */
export interface Handoff<A, E> {
  /** Sends a value and waits until the consumer has handled it. */
  readonly send: (value: A) => Effect.Effect<void>
  /** Sends values at once (the consumer takes what is there as one chunk) and waits until it has handled them. */
  readonly sendAll: (values: ReadonlyArray<A>) => Effect.Effect<void>
  /** Runs the producing effect; when it ends, the stream ends the same way once what is pending is taken. */
  readonly into: <R>(producer: Effect.Effect<unknown, E, R>) => Effect.Effect<void, never, R>
  /** The values, in the order they were sent; to be run once. */
  readonly stream: Stream.Stream<A, E>
}

type Entry<A, E> =
  | { readonly _tag: "Value"; readonly value: A; readonly handled: Deferred.Deferred<void> | undefined }
  | { readonly _tag: "End"; readonly exit: Exit.Exit<unknown, E> }

const isValue = <A, E>(entry: Entry<A, E>): entry is Extract<Entry<A, E>, { _tag: "Value" }> => entry._tag === "Value"

const end = <E>(exit: Exit.Exit<unknown, E>): Effect.Effect<never, Option.Option<E>> =>
  Exit.isSuccess(exit) ? Effect.fail(Option.none()) : Effect.failCause(Cause.map(exit.cause, Option.some))

/** Makes an empty handoff. */
export const make = <A, E>(): Effect.Effect<Handoff<A, E>> =>
  Effect.gen(function*() {
    const entries = yield* Queue.unbounded<Entry<A, E>>()
    // The values of the chunk the consumer holds, handled once it pulls again; and how the producer ended.
    const handedOver = yield* Ref.make<ReadonlyArray<Deferred.Deferred<void>>>([])
    const ended = yield* Ref.make(Option.none<Exit.Exit<unknown, E>>())

    const send = (value: A) =>
      Effect.flatMap(Deferred.make<void>(), (handled) =>
        Effect.zipRight(Queue.offer(entries, { _tag: "Value", value, handled }), Deferred.await(handled)))

    // Only the last value is acknowledged: the consumer, taking them in order, has handled them all by then.
    const sendAll = (values: ReadonlyArray<A>) =>
      values.length === 0 ? Effect.void : Effect.flatMap(Deferred.make<void>(), (handled) => {
        const last = values.length - 1
        const sent = values.map((value, i): Entry<A, E> => ({
          _tag: "Value",
          value,
          handled: i === last ? handled : undefined
        }))
        return Effect.zipRight(Queue.offerAll(entries, sent), Deferred.await(handled))
      })

    // The producer's own failure goes to the consumer, not to whoever runs `into`.
    const into = <R>(producer: Effect.Effect<unknown, E, R>) =>
      Effect.asVoid(Effect.exit(Effect.onExit(producer, (exit) =>
        Queue.offer(entries, { _tag: "End", exit }))))

    const acknowledge = Effect.flatMap(
      Ref.getAndSet(handedOver, []),
      Effect.forEach((handled) => Deferred.succeed(handled, undefined), { discard: true })
    )

    const pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> = Effect.zipRight(
      acknowledge,
      Effect.flatMap(Ref.get(ended), (exit) =>
        Option.isSome(exit) ? end(exit.value) : Effect.flatMap(
          Queue.takeBetween(entries, 1, Number.MAX_SAFE_INTEGER),
          (taken) => {
            const [values, rest] = Arr.span(Chunk.toReadonlyArray(taken), isValue)
            const last = rest[0]
            return Effect.zipRight(
              Effect.all([
                Ref.set(handedOver, values.flatMap((entry) => entry.handled ?? [])),
                last?._tag === "End" ? Ref.set(ended, Option.some(last.exit)) : Effect.void
              ], { discard: true }),
              values.length > 0 ? Effect.succeed(Chunk.unsafeFromArray(values.map((entry) => entry.value))) : pull
            )
          }
        ))
    )

    return { send, sendAll, into, stream: Stream.repeatEffectChunkOption(pull) }
  })
