/**
 * The workloads on the baseline client. Loaded only in baseline workers, so nothing of Effect or the
 * SDK is in their memory or their start-up.
 *
 * @since 0.1.0
 */
import { basename } from "node:path"
import * as Baseline from "./Baseline.js"
import { measure } from "./Measure.js"
import type { Measured, Target, Workload } from "./Task.js"
import { uploadPaths } from "./Task.js"

/**
 * Runs one workload (warm-up, then the timed part) on a fresh baseline client.
 *
 * @since 0.1.0
 */
export const run = async (target: Target, workload: Workload): Promise<Measured> => {
  const client = new Baseline.Client(target)
  try {
    switch (workload._tag) {
      case "GetStatus": {
        for (let i = 0; i < workload.warmup; i++) await client.getStatus(workload.sessionId)
        return await measure(async () => {
          for (let i = 0; i < workload.count; i++) await client.getStatus(workload.sessionId)
          return { items: workload.count }
        })
      }
      case "StreamFiles": {
        await count(client, workload.warmupSessionId, workload.pageSize)
        return await measure(async () => {
          const items = await count(client, workload.sessionId, workload.pageSize)
          if (items !== workload.expected) throw new Error(`streamed ${items} files, expected ${workload.expected}`)
          return { items }
        })
      }
      case "Upload": {
        await upload(client, uploadPaths(workload.warmupDir, workload.warmupFiles), workload.concurrency)
        const paths = uploadPaths(workload.dir, workload.files)
        return await measure(async () => {
          await upload(client, paths, workload.concurrency)
          return { items: paths.length }
        })
      }
      case "UploadWait":
        throw new Error("UploadWait runs on the SDK only")
    }
  } finally {
    await client.destroy()
  }
}

const count = async (client: Baseline.Client, sessionId: string, pageSize: number): Promise<number> => {
  let items = 0
  for await (const _ of client.streamFiles(sessionId, pageSize)) items++
  return items
}

const upload = async (client: Baseline.Client, paths: ReadonlyArray<string>, concurrency: number): Promise<void> => {
  const session = await client.create("KEEP")
  await Baseline.forEachConcurrent(paths, concurrency, (path) => client.upload(session, { name: basename(path), path }))
  await client.close(session.session_id)
}
