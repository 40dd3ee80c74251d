/**
 * The one failure of the bench harness: something it set up or ran did not work.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A step of the bench failed; `step` says which, `detail` what happened.
 *
 * @since 0.1.0
 */
export class BenchError extends Schema.TaggedError<BenchError>()("BenchError", {
  step: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.step}: ${this.detail}`
  }
}
