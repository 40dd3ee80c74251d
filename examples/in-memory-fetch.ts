/**
 * Uploads from memory with `FetchHttpClient` and nothing else: no `NodeContext`, no `FileSystem`. The way
 * a browser, a worker, Deno or Bun uploads.
 *
 * `Upload.files` requires a `FileSystem` only when its sources may hold a path (`{ path }`,
 * `UploadSource.fromPath`); the sources here are text, bytes, metadata given as an object or as raw JSON,
 * and a body produced as a `Stream`, so the program needs the `DeepsetClient` alone, over
 * `FetchHttpClient.layer`. The types say so: the program below is run with that layer and no other, and a
 * path source among its sources would not compile.
 *
 * In your own program (the browser, with the key kept out of the page's source):
 *
 * ```ts
 * const Deepset = DeepsetClient.layer({ apiKey, workspace }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * Run: pnpm tsx --conditions=source examples/in-memory-fetch.ts
 */
import { Upload, UploadSource } from "@effect-deepset/sdk"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Target from "./Target.js"

const encoder = new TextEncoder()

/** A CSV export produced row by row, as a stream of known size (the size goes into the S3 form). */
const rows = Array.from({ length: 50 }, (_, i) => `${i + 1},customer-${i % 7},${(i * 37) % 1000}\n`)
const csv = ["id,customer,amount\n", ...rows].map((row) => encoder.encode(row))
const csvSize = csv.reduce((size, chunk) => size + chunk.length, 0)

// Sources written inline are typed by what they hold: none is a path, so none requires a FileSystem.
const sources = [
  { name: "welcome.md", body: "# Welcome\n\nUploaded from memory, over fetch.\n", meta: { kind: "guide" } },
  {
    name: "release-notes.txt",
    body: encoder.encode("0.1.0: uploads without a file system\n"),
    meta: UploadSource.rawMeta("{\"kind\":\"notes\",\"version\":\"0.1.0\"}")
  },
  { name: "payments.csv", body: { stream: Stream.fromIterable(csv), size: csvSize }, meta: { kind: "export" } }
]

const program = Effect.gen(function*() {
  yield* Console.log(`Uploading ${sources.length} documents from memory with FetchHttpClient (no FileSystem)`)
  const report = yield* Upload.files(sources, { writeMode: "OVERWRITE", wait: true })
  for (const file of report.files) {
    const meta = file.metaUploaded === true ? ", with metadata" : ""
    yield* Console.log(
      file.status === "uploaded"
        ? `uploaded ${file.name} (${file.bytes} bytes${meta}): ${file.ingestion?.status ?? "not waited for"}`
        : `not uploaded ${file.name}: ${file.error?.message ?? file.skipReason}`
    )
  }
  const ingested = report.files.filter((file) => file.ingestion?.status === "FINISHED").length
  yield* Console.log(`Report: ${report.uploaded} uploaded, ${report.failed} not uploaded, ${ingested} ingested`)
})

// The DeepsetClient over fetch, and nothing else: no NodeContext.layer.
program.pipe(
  Effect.provide(Target.layer({ httpClient: FetchHttpClient.layer })),
  NodeRuntime.runMain
)
