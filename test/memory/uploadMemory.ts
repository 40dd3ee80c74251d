/**
 * A child process for test/memory: uploads N empty in-memory files to an in-process emulator and prints,
 * as JSON, the heap growth the run leaves while its report is still held (after a full GC), per file.
 * Run: node --expose-gc --conditions=source --import tsx test/memory/uploadMemory.ts <files>
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, type UploadSource } from "@effect-deepset/sdk"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const files = Number(process.argv[2])
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined || !Number.isSafeInteger(files)) {
  throw new Error("usage: node --expose-gc … uploadMemory.ts <files>")
}
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const program = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const client = DeepsetClient.layer({
    apiKey: Redacted.make(emulator.apiKey),
    baseUrl: emulator.apiUrl,
    workspace: "default"
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  const empty = new Uint8Array(0)
  const sources = Array.from(
    { length: files },
    (_, i): UploadSource.UploadSource => ({ name: `f${i}.txt`, body: empty })
  )
  // The emulator keeps what it stores: measure it alone first, with a warm-up run of the client.
  yield* Upload.files(sources.slice(0, 200), { concurrency: 16 }).pipe(Effect.provide(client))
  yield* emulator.reset
  const before = heap()
  const report = yield* Upload.files(sources, { concurrency: 16 }).pipe(Effect.provide(client))
  yield* emulator.reset
  const after = heap()
  if (report.uploaded !== files) throw new Error(`${report.uploaded} of ${files} uploaded`)
  process.stdout.write(JSON.stringify({ files, bytesPerFile: (after - before) / files }) + "\n")
})

Effect.runPromise(program.pipe(
  Effect.provide(Layer.merge(Emulator.layerTest({ ingestionDelay: 0 }), NodeContext.layer))
)).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
