/**
 * Timing one workload and taking its memory, without Effect, so that the baseline's workers carry
 * nothing of it.
 *
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"
import type { Measured } from "./Task.js"

/**
 * Times `body` (wall clock and this process's CPU time), taking the resident set before it and the
 * process's peak resident set after it.
 *
 * @since 0.1.0
 */
export const measure = async (
  body: () => Promise<{ readonly items: number }>
): Promise<Measured> => {
  const rssBeforeBytes = process.memoryUsage.rss()
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const { items } = await body()
  const elapsedMs = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  return {
    elapsedMs,
    // User and system time of this process: the client's own cost, which a busy machine distorts less
    // than the wall clock.
    cpuMs: (cpu.user + cpu.system) / 1000,
    items,
    rssBeforeBytes,
    // `maxRSS` is in kibibytes.
    maxRssBytes: process.resourceUsage().maxRSS * 1024
  }
}
