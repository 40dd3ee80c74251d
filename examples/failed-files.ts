/**
 * Stream the files of a session that failed ingestion, with the reason of each.
 *
 * `UploadSessions.streamFiles` walks the session's file list page by page, lazily and in constant
 * memory, whatever the session's size; `ingestionStatus: "FAILED"` asks the API for failed files only.
 *
 * Give a session id to inspect one of yours. Without one, the example first uploads three documents
 * of which two fail ingestion (an empty file, and metadata that is not a JSON object), waits for
 * ingestion, and inspects that session.
 *
 * Run: pnpm tsx --conditions=source examples/failed-files.ts [session-id]
 */
import { Upload, UploadSessions, UploadSource } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Target from "./Target.js"

/** A session in which some files fail ingestion, so that there is something to look at. */
const sessionWithFailures = Effect.gen(function*() {
  const report = yield* Upload.files([
    { name: "release-notes.md", body: "# Release notes\n\nUploads now stream from disk.", meta: { version: "0.1.0" } },
    { name: "placeholder.txt", body: "" },
    { name: "broken-meta.md", body: "# Broken\n\nIts metadata is a list.", meta: UploadSource.rawMeta("[1, 2, 3]") }
  ], { wait: true })
  const sessionId = report.sessions[0]!.sessionId
  yield* Console.log(`Uploaded ${report.uploaded} files to session ${sessionId} and waited for ingestion`)
  return sessionId
})

const program = Effect.gen(function*() {
  const sessionId = process.argv[2] ?? (yield* sessionWithFailures)

  const failed = yield* UploadSessions.streamFiles({ sessionId, ingestionStatus: "FAILED" }).pipe(
    Stream.tap((file) => Console.log(`FAILED ${file.name}: ${file.ingestionStatusReason ?? "no reason given"}`)),
    Stream.runCount
  )
  yield* Console.log(`${failed} failed files in session ${sessionId}`)
})

program.pipe(
  Effect.provide(Layer.mergeAll(Target.layer(), NodeContext.layer)),
  NodeRuntime.runMain
)
