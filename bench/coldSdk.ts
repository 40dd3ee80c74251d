/**
 * Cold start of the SDK: a fresh process imports it, builds a client and completes one `getStatus`.
 */
import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as ColdStart from "./ColdStart.js"

const { sessionId, target } = ColdStart.task()
const Deepset = DeepsetClient.layer({
  apiKey: Redacted.make(target.apiKey),
  baseUrl: target.baseUrl,
  workspace: target.workspace,
  userAgent: target.userAgent
}).pipe(Layer.provide(NodeHttpClient.layerUndici))
await Effect.runPromise(UploadSessions.getStatus({ sessionId }).pipe(Effect.provide(Deepset)))
ColdStart.report()
