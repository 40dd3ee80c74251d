/**
 * Upload a folder and log the progress as it happens.
 *
 * `UploadSource.fromPaths` turns a folder into sources (each `x.meta.json` travels as the metadata of
 * its document `x`); `Upload.events` uploads them and emits a progress event per step: session opened,
 * file uploaded or failed, session closed, ingestion progress, each file's final state, and the
 * report. The demo corpus holds an empty file and a bad metadata file, so the log shows real
 * ingestion failures.
 *
 * Run: pnpm tsx --conditions=source examples/upload-folder.ts [folder]   (default: examples/data)
 */
import { Upload, UploadEvent, UploadReport, UploadSource } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Target from "./Target.js"

/** One log line per event. */
const describe = UploadEvent.UploadEvent.$match({
  SessionOpened: (e) => `session ${e.sessionId} opened`,
  SessionPossiblyCreated: (e) => `a session may exist unseen: ${e.error.message}`,
  FileUploaded: (e) => `uploaded ${e.name} (${e.bytes} bytes${e.meta ? ", with metadata" : ""})`,
  FileFailed: (e) => `not uploaded ${e.name}: ${e.error.message}`,
  // Only with the \`progress\` option: bytes sent so far, while large files stream.
  BytesSent: (e) => `${e.bytes} bytes sent`,
  FileSkipped: (e) => `skipped ${e.input}: ${e.reason}`,
  SessionClosed: (e) => `session ${e.sessionId} closed: ${e.uploaded} of ${e.files} files uploaded`,
  IngestionProgress: (e) => `ingestion ${e.finished + e.failed}/${e.expected} (${e.failed} failed)`,
  IngestionFailed: (e) => `could not follow ingestion: ${e.error.message}`,
  FileIngested: (e) => `ingested ${e.name}: ${e.status}${e.reason === undefined ? "" : ` (${e.reason})`}`,
  // A file the session did not list by now is UNKNOWN in the report, never left blank.
  IngestionDone: (e) => `done waiting for session ${e.sessionId}`,
  Done: () => "upload finished"
})

const program = Effect.gen(function*() {
  const path = yield* Path.Path
  const folder = process.argv[2] ?? path.join(path.dirname(yield* path.fromFileUrl(new URL(import.meta.url))), "data")
  const sources = yield* UploadSource.fromPaths(folder)
  yield* Console.log(`Uploading ${sources.length} documents from ${path.relative(process.cwd(), folder)}`)

  const report = yield* Upload.events(sources, { wait: true }).pipe(
    Stream.tap((event) => Effect.logInfo(describe(event))),
    // The report is the fold of the events.
    Stream.run(UploadReport.sink)
  )
  const finished = report.files.filter((file) => file.ingestion?.status === "FINISHED").length
  yield* Console.log(`Report: ${report.uploaded} uploaded, ${report.failed} not uploaded, ${finished} ingested`)
})

program.pipe(
  Effect.provide(Layer.mergeAll(Target.layer(), NodeContext.layer)),
  NodeRuntime.runMain
)
