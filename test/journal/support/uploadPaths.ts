/**
 * A child process for `test/journal/killed.test.ts`: `Upload.paths` of a folder with a file journal, against
 * the emulator given in the environment (DEEPSET_API_URL, DEEPSET_API_KEY), then its report as JSON on
 * stdout. Run with `node --conditions=source --import tsx test/journal/support/uploadPaths.ts DIR JOURNAL`.
 */
import { DeepsetClient, Upload, UploadJournal } from "@effect-deepset/sdk"
import { UploadReport } from "@effect-deepset/sdk"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const [dir, journalPath] = process.argv.slice(2)

const client = DeepsetClient.layer({
  apiKey: Redacted.make(process.env.DEEPSET_API_KEY ?? ""),
  baseUrl: process.env.DEEPSET_API_URL ?? "",
  workspace: "default",
  timeout: "20 seconds"
}).pipe(Layer.provide(NodeHttpClient.layerUndici))

const program = Effect.scoped(Effect.gen(function*() {
  const service = yield* UploadJournal.makeFile(journalPath!)
  const report = yield* Upload.paths(dir!, {
    concurrency: 4,
    maxFilesPerSession: 16,
    journal: { service, root: dir!, workspace: "default" }
  })
  process.stdout.write(JSON.stringify(yield* Schema.encode(UploadReport.UploadReport)(report)))
}))

Effect.runPromise(Effect.provide(program, Layer.mergeAll(client, NodeContext.layer))).catch((error) => {
  console.error(error)
  process.exit(1)
})
