/**
 * Scenario 11's SDK side: one process that uploads every file of a folder with `Upload.files`, as the CLI
 * does, to the bench's emulator (`BENCH_TARGET`, JSON) and exits. Its CPU and peak RSS are taken by the same
 * preload as the CLI's (`CliShare.ts`), so both are measured alike, start included.
 *
 * Arguments: the folder, the concurrency (`default` for the SDK's), and how the files are listed: `paths`
 * (`UploadSource.fromPaths` of the folder, as the CLI lists it) or `each` (`readdir`, then `fromPath` per file).
 */
import { DeepsetClient } from "@effect-deepset/sdk"
import * as Upload from "@effect-deepset/sdk/Upload"
import * as UploadSource from "@effect-deepset/sdk/UploadSource"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import type { Target } from "./Task.js"

const [dir = "", concurrency = "default", listing = "paths"] = process.argv.slice(2)
const target = JSON.parse(process.env.BENCH_TARGET ?? "{}") as Target
const layer = DeepsetClient.layer({
  apiKey: Redacted.make(target.apiKey),
  baseUrl: target.baseUrl,
  workspace: target.workspace,
  userAgent: target.userAgent
}).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.merge(NodeFileSystem.layer))
const sources = listing === "each"
  ? readdirSync(dir).sort().map((name) => UploadSource.fromPath(join(dir, name)))
  : await Effect.runPromise(UploadSource.fromPaths([dir]).pipe(Effect.provide(NodeContext.layer)))
const report = await Effect.runPromise(
  Upload.files(sources, concurrency === "default" ? {} : { concurrency: Number(concurrency) }).pipe(
    Effect.provide(layer)
  )
)
if (!report.ok || report.uploaded !== sources.length) {
  process.stderr.write(`uploaded ${report.uploaded} of ${sources.length}, sessions closed: ${report.ok}\n`)
  process.exitCode = 1
}
