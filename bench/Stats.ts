/**
 * Summaries of repeated measurements.
 *
 * @since 0.1.0
 */

/**
 * The median, minimum and maximum of a sample.
 *
 * @since 0.1.0
 */
export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly samples: ReadonlyArray<number>
}

/**
 * Summarises a non-empty sample; the median of an even count is the mean of the middle two.
 *
 * @since 0.1.0
 */
export const summarize = (samples: ReadonlyArray<number>): Summary => {
  if (samples.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples }
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples }
}

/**
 * `a / b`, or `NaN` when `b` is zero.
 *
 * @since 0.1.0
 */
export const ratio = (a: number, b: number): number => (b === 0 ? Number.NaN : a / b)
