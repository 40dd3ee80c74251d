/**
 * Timing one workload and taking its memory, without Effect, so that the baseline's workers carry
 * nothing of it.
 *
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"
import type { Measured } from "./Task.js"

/**
 * Times `body`, taking the resident set before it and the process's peak resident set after it.
 *
 * @since 0.1.0
 */
export const measure = async (
  body: () => Promise<{ readonly items: number }>
): Promise<Measured> => {
  const rssBeforeBytes = process.memoryUsage.rss()
  const start = performance.now()
  const { items } = await body()
  const elapsedMs = performance.now() - start
  // `maxRSS` is in kibibytes.
  return { elapsedMs, items, rssBeforeBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 }
}
