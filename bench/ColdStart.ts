/**
 * What the cold-start programs are given, and the marked line they print.
 *
 * @since 0.1.0
 */
import type { Target } from "./Task.js"

/**
 * The argument of `coldSdk` and `coldBaseline`: where to send one `getStatus`.
 *
 * @since 0.1.0
 */
export interface ColdStartTask {
  readonly target: Target
  readonly sessionId: string
}
