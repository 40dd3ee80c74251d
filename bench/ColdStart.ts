/**
 * What the cold-start programs are given, and the marked line they print. It imports nothing at run
 * time but `Task.ts` (no imports of its own), so that both programs load only what they measure.
 *
 * @since 0.1.0
 */
import type { Target } from "./Task.js"
import { resultMarker } from "./Task.js"

/**
 * The argument of `coldSdk` and `coldBaseline`: where to send one `getStatus`.
 *
 * @since 0.1.0
 */
export interface ColdStartTask {
  readonly target: Target
  readonly sessionId: string
}

/**
 * The task of this process, from its first argument.
 *
 * @since 0.1.0
 */
export const task = (): ColdStartTask => JSON.parse(process.argv[2] ?? "")

/**
 * Prints the marked result: the time since the process started (`performance.now()`, node's own
 * start-up included), its CPU time and its peak RSS.
 *
 * @since 0.1.0
 */
export const report = (): void => {
  const elapsedMs = performance.now()
  const { system, user } = process.cpuUsage()
  process.stdout.write(
    `${resultMarker}${
      JSON.stringify({
        elapsedMs,
        cpuMs: (user + system) / 1000,
        items: 1,
        rssBeforeBytes: 0,
        maxRssBytes: process.resourceUsage().maxRSS * 1024
      })
    }\n`
  )
}
