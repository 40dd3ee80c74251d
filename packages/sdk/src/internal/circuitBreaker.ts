/**
 * Giving up when the service is gone. Each file's outcome is recorded; after `threshold` files in a row
 * failed with a transport error or a timeout (each after its own retries), one short probe of the API
 * decides: if it answers, the count starts again; if not, the breaker trips and the run sends nothing
 * more. Without it, a run against a dead server retries every remaining file in full.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { DeepsetClient } from "../DeepsetClient.js"
import { type FileError, ServiceUnreachableError } from "../UploadErrors.js"

/** The breaker of one run. */
export interface Breaker {
  /** Records the outcome of one file: `undefined` when it was uploaded. */
  readonly record: (error: FileError | undefined) => Effect.Effect<void, never, DeepsetClient>
  /** Completes when the breaker trips. */
  readonly tripped: Deferred.Deferred<ServiceUnreachableError>
}

/** How long the probe may take before it counts as failed. */
export const probeTimeout = "5 seconds"

const isUnreachable = (error: FileError | undefined): error is FileError =>
  error?._tag === "TransportError" || error?._tag === "TimeoutError"

/** A breaker that trips after `threshold` unreachable failures in a row and a failed `probe`. */
export const make = (
  threshold: number,
  probe: Effect.Effect<unknown, unknown, DeepsetClient>
): Effect.Effect<Breaker> =>
  Effect.gen(function*() {
    const inARow = yield* Ref.make(0)
    const tripped = yield* Deferred.make<ServiceUnreachableError>()
    const check = (error: FileError) =>
      Effect.flatMap(Effect.either(Effect.timeout(probe, probeTimeout)), (answer) =>
        answer._tag === "Right"
          ? Ref.set(inARow, 0)
          : Deferred.succeed(tripped, new ServiceUnreachableError({ failures: threshold, lastError: error.message })))
    return {
      tripped,
      record: (error) =>
        // Only the file that reaches the threshold probes; the ones after it wait for its verdict in the count.
        Effect.flatMap(
          Ref.updateAndGet(inARow, (count) => isUnreachable(error) ? count + 1 : 0),
          (count) => count === threshold && error !== undefined ? check(error) : Effect.void
        )
    }
  })
