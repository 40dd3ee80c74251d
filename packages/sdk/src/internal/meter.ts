/**
 * Bytes of documents sent so far by a run, for `BytesSent` events: a plain counter, so that a streamed
 * body's chunk costs one addition. Each attempt to send a document adds its chunks as they are handed
 * to the request body; when the attempt ends it settles: one that succeeded counts its whole size (a
 * small file sent as one buffer counts only then), one that failed or was interrupted takes back what it
 * added, so a retried file is never counted twice.
 *
 * @internal
 */
import * as Exit from "effect/Exit"

/** The run's counter. */
export interface Meter {
  sent: number
}

/** A counter at zero. */
export const make = (): Meter => ({ sent: 0 })

/** The share of one attempt in a meter. */
export interface AttemptMeter {
  /** Counts a chunk of content handed to the request body. */
  readonly add: (bytes: number) => void
  /** Ends the attempt: `size` counted in all when it succeeded, nothing when it did not. */
  readonly settle: (exit: Exit.Exit<unknown, unknown>, size: number) => void
}

/** Starts an attempt's share of `meter`. */
export const attempt = (meter: Meter): AttemptMeter => {
  let counted = 0
  return {
    add: (bytes) => {
      counted += bytes
      meter.sent += bytes
    },
    settle: (exit, size) => {
      meter.sent += Exit.isSuccess(exit) ? size - counted : -counted
      counted = Exit.isSuccess(exit) ? size : 0
    }
  }
}
