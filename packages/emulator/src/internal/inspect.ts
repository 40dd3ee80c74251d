import * as Effect from "effect/Effect"
import { SessionInfo, StoredObject, WorkspaceFile } from "../Inspection.js"
import type { EmulatorRuntime } from "./runtime.js"
import type { Ingestion, StoredFile } from "./session.js"
import { settlesAt } from "./session.js"

/**
 * The views of the state that tests read, shared by the `Handle` and the `/_emulator/` routes.
 * Each settles expiry first, so that what a test sees is what the API would answer at that time.
 *
 * @internal
 */
const now = (runtime: EmulatorRuntime) =>
  Effect.tap(runtime.clock.currentTimeMillis, (millis) => Effect.sync(() => runtime.store.settle(millis)))

const objectOf = (file: StoredFile): StoredObject =>
  StoredObject.make({
    sessionId: file.sessionId,
    workspace: file.workspace,
    key: file.key,
    filename: file.name,
    fileIngestionId: file.id,
    size: file.size,
    sha256: file.sha256,
    ...(file.path === undefined ? {} : { path: file.path }),
    ...(file.meta === undefined ? {} : { meta: file.meta }),
    uploadedAt: file.uploadedAt
  })

/** The objects the files API stored, of every workspace. */
const directFiles = (runtime: EmulatorRuntime): Array<StoredFile> =>
  Array.from(runtime.store.workspaces.values()).flatMap((workspace) => workspace.directFiles)

/**
 * Writes the objects held in memory out to their paths, so that every path handed out names a
 * file. An object replaced meanwhile leaves a stale file behind, which is removed.
 */
const writeOut = (runtime: EmulatorRuntime, files: ReadonlyArray<StoredFile>): Effect.Effect<void> =>
  runtime.writingOut.withPermits(1)(Effect.forEach(
    files,
    (file) =>
      Effect.suspend(() => {
        const bytes = file.bytes
        const path = file.path
        if (bytes === undefined || path === undefined) return Effect.void
        return runtime.fs.writeFile(path, bytes).pipe(
          Effect.zipRight(
            Effect.suspend(() => runtime.store.wrote(file, bytes, path) ? Effect.void : runtime.fs.remove(path))
          ),
          Effect.ignore
        )
      }),
    { concurrency: 16, discard: true }
  ))

/** @internal */
export const objects = (runtime: EmulatorRuntime, sessionId?: string): Effect.Effect<ReadonlyArray<StoredObject>> =>
  Effect.gen(function*() {
    yield* now(runtime)
    const sessions = sessionId === undefined
      ? Array.from(runtime.store.sessions.values())
      : [runtime.store.sessions.get(sessionId)].filter((session) => session !== undefined)
    // Files posted to the files API belong to no session: they come with all objects, after the sessions'.
    const files = sessions.flatMap((session) => Array.from(session.uploads.values()))
      .concat(sessionId === undefined ? directFiles(runtime) : [])
    yield* writeOut(runtime, files)
    return files.map(objectOf)
  })

/** @internal */
export const workspaceFiles = (
  runtime: EmulatorRuntime,
  workspace: string
): Effect.Effect<ReadonlyArray<WorkspaceFile>> =>
  Effect.map(now(runtime), (millis) => {
    const index = runtime.store.workspaces.get(workspace)?.index
    if (index === undefined) return []
    const out: Array<WorkspaceFile> = []
    for (const entries of index.values()) {
      for (const entry of entries) {
        if (entry.ingestedAt > millis) continue
        out.push(WorkspaceFile.make({
          name: entry.name,
          fileIngestionId: entry.fileIngestionId,
          sessionId: entry.sessionId,
          size: entry.size,
          sha256: entry.sha256,
          ...(entry.meta === undefined ? {} : { meta: entry.meta }),
          ingestedAt: entry.ingestedAt
        }))
      }
    }
    return out.sort((a, b) => a.ingestedAt - b.ingestedAt)
  })

/** When the last item of an ingestion settles; an empty one is done when it starts. */
const ingestedAt = (ingestion: Ingestion): number =>
  ingestion.items.length === 0 ? ingestion.startedAt : settlesAt(ingestion, ingestion.items.length - 1)

/** @internal */
export const sessions = (runtime: EmulatorRuntime): Effect.Effect<ReadonlyArray<SessionInfo>> =>
  Effect.map(now(runtime), (millis) =>
    Array.from(runtime.store.sessions.values(), (session) => {
      const counts = session.counts(millis)
      return SessionInfo.make({
        sessionId: session.id,
        workspace: session.workspace,
        writeMode: session.writeMode,
        parallelProcessingEnabled: session.parallelProcessing,
        status: session.status(millis),
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        ...(session.endedAt === undefined ? {} : { endedAt: session.endedAt }),
        ...(session.ingestion === undefined ? {} : { ingestedAt: ingestedAt(session.ingestion) }),
        uploads: session.uploads.size,
        finishedFiles: counts.finished,
        failedFiles: counts.failed
      })
    }))

/** Forgets every session, object, fault and logged request, and deletes the stored files. @internal */
export const reset = (runtime: EmulatorRuntime): Effect.Effect<void> =>
  runtime.writingOut.withPermits(1)(Effect.gen(function*() {
    const paths = Array.from(runtime.store.sessions.values())
      .flatMap((session) => Array.from(session.uploads.values()))
      .concat(directFiles(runtime))
      .flatMap((file) => file.bytes === undefined && file.path !== undefined ? [file.path] : [])
    runtime.store.reset()
    runtime.faults.reset()
    runtime.log.clear()
    yield* Effect.forEach(paths, (path) => Effect.ignore(runtime.fs.remove(path)), { concurrency: 16, discard: true })
  }))
