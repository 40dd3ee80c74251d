/**
 * The workloads on the SDK, written as a user would write them: one `DeepsetClient` layer on
 * `NodeHttpClient.layerUndici` with the default retry policy and timeout, built once into a runtime.
 *
 * @since 0.1.0
 */
import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
import * as Upload from "@effect-deepset/sdk/Upload"
import * as UploadSource from "@effect-deepset/sdk/UploadSource"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { measure } from "./Measure.js"
import * as PlatformTasks from "./PlatformTasks.js"
import type { Measured, SdkVariant, Target, Workload } from "./Task.js"
import { uploadPaths } from "./Task.js"

const getStatusTimes = (sessionId: string, count: number, variant: SdkVariant) =>
  Effect.gen(function*() {
    for (let i = 0; i < count; i++) yield* UploadSessions.getStatus({ sessionId })
  }).pipe(Effect.withTracerEnabled(variant !== "tracer off" && variant !== "all off"))

// The same request without the SDK: `@effect/platform`'s client with the same headers, and `JSON.parse`.
// The client settings of a variant: each switches off one thing through the SDK's public options.
const variantOptions = (variant: SdkVariant): Partial<DeepsetClient.Options> => {
  const noRetry = { retry: false } as const
  const noTimeout = { timeout: Duration.infinity }
  const noTraceHeaders = {
    transformClient: (client: HttpClient.HttpClient) => HttpClient.withTracerPropagation(client, false)
  }
  switch (variant) {
    case "default":
    case "tracer off":
    case "platform client":
      return {}
    case "no retry":
      return noRetry
    case "no timeout":
      return noTimeout
    case "no trace headers":
      return noTraceHeaders
    case "all off":
      return { ...noRetry, ...noTimeout, ...noTraceHeaders }
  }
}

const countFiles = (sessionId: string, pageSize: number) =>
  UploadSessions.streamFiles({ sessionId, pageSize }).pipe(Stream.runCount)

// Opens a session, sends every file and closes the session, as the baseline does; a file that failed is
// a failed run, not a faster one.
const upload = (paths: ReadonlyArray<string>, concurrency: number) =>
  Upload.files(paths.map((path) => UploadSource.fromPath(path)), { concurrency, writeMode: "KEEP" }).pipe(
    Effect.flatMap((report) =>
      report.ok && report.uploaded === paths.length
        ? Effect.void
        : Effect.dieMessage(`uploaded ${report.uploaded} of ${paths.length} files, sessions closed: ${report.ok}`)
    )
  )

/**
 * Runs one workload (warm-up, then the timed part) on a fresh SDK client.
 *
 * @since 0.1.0
 */
export const run = async (target: Target, workload: Workload): Promise<Measured> => {
  const variant = (workload._tag === "GetStatus" ? workload.variant : undefined) ?? "default"
  const runtime = ManagedRuntime.make(
    DeepsetClient.layer({
      apiKey: Redacted.make(target.apiKey),
      baseUrl: target.baseUrl,
      workspace: target.workspace,
      userAgent: target.userAgent,
      ...variantOptions(variant)
    }).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.merge(NodeFileSystem.layer))
  )
  try {
    switch (workload._tag) {
      case "GetStatus": {
        if (variant === "platform client") {
          await Effect.runPromise(PlatformTasks.getStatusTimes(target, workload.sessionId, workload.warmup))
          return await measure(async () => {
            await Effect.runPromise(PlatformTasks.getStatusTimes(target, workload.sessionId, workload.count))
            return { items: workload.count }
          })
        }
        await runtime.runPromise(getStatusTimes(workload.sessionId, workload.warmup, variant))
        return await measure(async () => {
          await runtime.runPromise(getStatusTimes(workload.sessionId, workload.count, variant))
          return { items: workload.count }
        })
      }
      case "StreamFiles": {
        const count = (sessionId: string) =>
          workload.platform === true
            ? Effect.runPromise(PlatformTasks.countFiles(target, sessionId, workload.pageSize))
            : runtime.runPromise(countFiles(sessionId, workload.pageSize))
        await count(workload.warmupSessionId)
        return await measure(async () => {
          const items = await count(workload.sessionId)
          if (items !== workload.expected) throw new Error(`streamed ${items} files, expected ${workload.expected}`)
          return { items }
        })
      }
      case "Upload": {
        const send = (paths: ReadonlyArray<string>) =>
          workload.platform === true
            ? Effect.runPromise(PlatformTasks.upload(target, paths, workload.concurrency))
            : runtime.runPromise(upload(paths, workload.concurrency))
        await send(uploadPaths(workload.warmupDir, workload.warmupFiles))
        const paths = uploadPaths(workload.dir, workload.files)
        return await measure(async () => {
          await send(paths)
          return { items: paths.length }
        })
      }
    }
  } finally {
    await runtime.dispose()
  }
}
