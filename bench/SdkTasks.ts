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
import { uploadName, uploadPaths } from "./Task.js"

const getStatusTimes = (sessionId: string, count: number, variant: SdkVariant) =>
  Effect.gen(function*() {
    for (let i = 0; i < count; i++) yield* UploadSessions.getStatus({ sessionId })
  }).pipe(Effect.withTracerEnabled(variant !== "tracer off" && variant !== "all off"))

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

// `Upload.files` waited to ingestion on the SDK's default schedule, as scenarios 9 and 10 time it; every file
// must have been uploaded and ingested.
const uploadWaited = (sources: ReadonlyArray<UploadSource.UploadSource>, concurrency: number) =>
  Upload.files(sources, { concurrency, writeMode: "KEEP", wait: true }).pipe(
    Effect.flatMap((report) =>
      report.ok && report.uploaded === sources.length
        ? Effect.void
        : Effect.dieMessage(`uploaded ${report.uploaded} of ${sources.length} files, ok: ${report.ok}`)
    )
  )

const oneByte = (count: number): Array<UploadSource.UploadSource> =>
  Array.from({ length: count }, (_, i) => ({ name: uploadName(i), body: "x" }))

// Forgets the requests of the warm-up, so that the emulator's log holds the timed part's only.
const clearRequestLog = async (target: Target) => {
  const response = await fetch(`${target.baseUrl}/_emulator/requests`, { method: "DELETE" })
  if (!response.ok) throw new Error(`clearing the emulator's request log: ${response.status}`)
}

/**
 * Runs one workload (warm-up, then the timed part) on a fresh SDK client, or on the platform's floor
 * (`PlatformTasks.ts`) when the workload says `platform` (or the `platform client` variant).
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
  const onFloor = variant === "platform client" || ("platform" in workload && workload.platform === true)
  const floor = onFloor ? PlatformTasks.make(target) : undefined
  try {
    switch (workload._tag) {
      case "GetStatus": {
        const calls = (count: number) =>
          floor !== undefined
            ? floor.getStatus(workload.sessionId, count)
            : runtime.runPromise(getStatusTimes(workload.sessionId, count, variant))
        await calls(workload.warmup)
        return await measure(async () => {
          await calls(workload.count)
          return { items: workload.count }
        })
      }
      case "StreamFiles": {
        const count = (sessionId: string) =>
          floor !== undefined
            ? floor.countFiles(sessionId, workload.pageSize)
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
          floor !== undefined
            ? floor.upload(paths, workload.concurrency)
            : runtime.runPromise(upload(paths, workload.concurrency))
        await send(uploadPaths(workload.warmupDir, workload.warmupFiles))
        const paths = uploadPaths(workload.dir, workload.files)
        return await measure(async () => {
          await send(paths)
          return { items: paths.length }
        })
      }
      case "UploadWait": {
        const fromDisk = (dir: string, count: number) =>
          uploadPaths(dir, count).map((path) => UploadSource.fromPath(path))
        if (workload.warmupFiles > 0) {
          await runtime.runPromise(
            uploadWaited(fromDisk(workload.warmupDir, workload.warmupFiles), workload.concurrency)
          )
        }
        await clearRequestLog(target)
        const sources = workload.dir === undefined ? oneByte(workload.files) : fromDisk(workload.dir, workload.files)
        let endedAtMs = 0
        const measured = await measure(async () => {
          await runtime.runPromise(uploadWaited(sources, workload.concurrency))
          endedAtMs = Date.now()
          return { items: sources.length }
        })
        return { ...measured, endedAtMs }
      }
    }
  } finally {
    await Promise.all([runtime.dispose(), floor?.dispose()])
  }
}
