/**
 * Cold start of the SDK: a fresh process imports it, builds a client and completes one `getStatus`.
 * It prints the time since the process started (`performance.now()`), node's own start-up included.
 */
import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { performance } from "node:perf_hooks"
import type { ColdStartTask } from "./ColdStart.js"
import { resultMarker } from "./Task.js"

const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1000
}

const { sessionId, target }: ColdStartTask = JSON.parse(process.argv[2] ?? "")
const Deepset = DeepsetClient.layer({
  apiKey: Redacted.make(target.apiKey),
  baseUrl: target.baseUrl,
  workspace: target.workspace,
  userAgent: target.userAgent
}).pipe(Layer.provide(NodeHttpClient.layerUndici))
await Effect.runPromise(UploadSessions.getStatus({ sessionId }).pipe(Effect.provide(Deepset)))
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
