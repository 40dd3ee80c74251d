/**
 * Cold start of the baseline: a fresh process imports it, builds a client and completes one
 * `getStatus`. It prints the time since the process started (`performance.now()`).
 */
import { performance } from "node:perf_hooks"
import { Client } from "./Baseline.js"
import type { ColdStartTask } from "./ColdStart.js"
import { resultMarker } from "./Task.js"

const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1000
}

const { sessionId, target }: ColdStartTask = JSON.parse(process.argv[2] ?? "")
const client = new Client(target)
await client.getStatus(sessionId)
// Measured after closing the connections, as the SDK's program closes its dispatcher with its layer.
await client.destroy()
const elapsedMs = performance.now()
process.stdout.write(
  `${resultMarker}${
    JSON.stringify({
      elapsedMs,
      cpuMs: cpuMs(),
      items: 1,
      rssBeforeBytes: 0,
      maxRssBytes: process.resourceUsage().maxRSS * 1024
    })
  }\n`
)
