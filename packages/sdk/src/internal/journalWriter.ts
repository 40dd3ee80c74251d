/**
 * Group commit: one writer fiber appends and syncs; appends that arrive while a sync is in flight wait in
 * a queue and go out together in the next write and the next sync. Each append returns once the sync that
 * covers its bytes has completed, so a caller that got `void` back knows its records are durable, and
 * small records do not pay one sync each.
 *
 * A failed write or sync poisons the writer: after it, the file's end is unknown (a part of a line may be
 * there, and after a failed fsync the kernel may have dropped the dirty pages), so every later append fails
 * with the same error rather than write after damage.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"

interface Pending<E> {
  readonly bytes: Uint8Array
  readonly done: Deferred.Deferred<void, E>
}

/** Where the bytes go. */
export interface Target<E> {
  /** Writes all the bytes at the end of the file. */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, E>
  /** Makes everything written so far durable (fsync). */
  readonly sync: Effect.Effect<void, E>
  /** The failure of an append that arrives after the writer's scope closed. */
  readonly closed: () => E
}

/** Appends bytes durably. */
export interface Writer<E> {
  /** Returns once `bytes` are written and synced; fails if the write or the sync did. */
  readonly submit: (bytes: Uint8Array) => Effect.Effect<void, E>
}

const concat = (batch: ReadonlyArray<{ readonly bytes: Uint8Array }>): Uint8Array => {
  if (batch.length === 1) return batch[0]!.bytes
  let length = 0
  for (const pending of batch) length += pending.bytes.length
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const pending of batch) {
    bytes.set(pending.bytes, offset)
    offset += pending.bytes.length
  }
  return bytes
}

/**
 * Starts the writer fiber in the scope. Closing the scope lets the batch in flight finish; appends still
 * queued then, or made later, fail with `target.closed()`.
 */
export const make = <E>(target: Target<E>): Effect.Effect<Writer<E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Pending<E>>()
    const poisoned = yield* Ref.make(Option.none<Exit.Exit<void, E>>())
    // Checked and offered to in one synchronous step, so that no append slips in once the scope closes.
    let closed = false

    const commit = (batch: ReadonlyArray<Pending<E>>) =>
      Effect.gen(function*() {
        const exit = yield* Ref.get(poisoned).pipe(
          Effect.flatMap(Option.match({
            onNone: () => Effect.exit(Effect.zipRight(target.write(concat(batch)), target.sync)),
            onSome: Effect.succeed
          }))
        )
        if (Exit.isFailure(exit)) yield* Ref.set(poisoned, Option.some(exit))
        yield* Effect.forEach(batch, (pending) => Deferred.done(pending.done, exit), { discard: true })
      })

    // Waiting for the first append is interruptible; once taken, a batch is always committed and answered.
    const loop = Effect.uninterruptibleMask((restore) =>
      restore(Queue.take(queue)).pipe(
        Effect.flatMap((first) =>
          Queue.takeAll(queue).pipe(Effect.flatMap((rest) => commit([first, ...Chunk.toReadonlyArray(rest)])))
        )
      )
    ).pipe(Effect.forever)

    const fiber = yield* Effect.forkDaemon(loop)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closed = true
        yield* Fiber.interrupt(fiber)
        const left = yield* Queue.takeAll(queue)
        const failure = Exit.fail(target.closed())
        yield* Effect.forEach(left, (pending) => Deferred.done(pending.done, failure), { discard: true })
        yield* Queue.shutdown(queue)
      })
    )

    const submit = (bytes: Uint8Array): Effect.Effect<void, E> =>
      Effect.flatMap(Deferred.make<void, E>(), (done) =>
        Effect.suspend(() => {
          if (closed) return Effect.fail(target.closed())
          queue.unsafeOffer({ bytes, done })
          return Deferred.await(done)
        }))

    return { submit }
  })
