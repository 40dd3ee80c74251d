/**
 * A pipeline: documents generated in code, as a `Stream`, uploaded through `Upload.events`, with every
 * step written to the log.
 *
 * The sources arrive one by one, so the upload starts before the last document exists and memory
 * holds only what is in flight. Each progress event goes to the log with `Effect.logInfo`, under a log
 * span that times the run; `UploadReport.sink` folds the events into the report.
 *
 * Run: pnpm tsx --conditions=source examples/pipeline.ts
 */
import { Upload, UploadEvent, UploadReport, type UploadSource } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Target from "./Target.js"

/** Support tickets, standing in for rows of a database or pages of an API. */
const tickets = Stream.range(1, 12).pipe(
  Stream.map((id): UploadSource.UploadSource => ({
    name: `ticket-${String(id).padStart(4, "0")}.md`,
    body: `# Ticket ${id}\n\nCustomer ${id % 5} reports that export ${id} fails on large files.\n`,
    meta: { ticketId: id, priority: id % 3 === 0 ? "high" : "normal" }
  }))
)

const message = UploadEvent.UploadEvent.$match({
  SessionOpened: (e) => `session ${e.sessionId} opened`,
  SessionPossiblyCreated: (e) => `a session may exist unseen: ${e.error.message}`,
  FileUploaded: (e) => `${e.name} uploaded (${e.bytes} bytes)`,
  FileFailed: (e) => `${e.name} not uploaded: ${e.error.message}`,
  BytesSent: (e) => `${e.bytes} bytes sent so far`,
  FileSkipped: (e) => `${e.input} skipped: ${e.reason}`,
  SessionClosed: (e) => `session ${e.sessionId} closed with ${e.uploaded} files`,
  IngestionProgress: (e) => `ingested ${e.finished + e.failed} of ${e.expected}`,
  IngestionFailed: (e) => e.error.message,
  FileIngested: (e) => `${e.name} ${e.status}`,
  IngestionDone: (e) => `session ${e.sessionId} waited for`,
  Done: () => "upload finished"
})

const program = Effect.gen(function*() {
  const report = yield* Upload.events(tickets, { concurrency: 4, wait: true }).pipe(
    Stream.tap((event) => Effect.logInfo(message(event))),
    // The report is the fold of the events.
    Stream.run(UploadReport.sink),
    // Every log line then says how long the pipeline has been running.
    Effect.withLogSpan("pipeline")
  )
  const ingested = report.sessions.reduce((n, session) => n + (session.ingestion?.finished ?? 0), 0)
  yield* Console.log(`Pipeline finished: ${report.uploaded} tickets uploaded, ${ingested} ingested`)
})

program.pipe(
  Effect.provide(Layer.mergeAll(Target.layer(), NodeContext.layer)),
  NodeRuntime.runMain
)
