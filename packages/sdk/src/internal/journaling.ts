/**
 * The run's journal (`UploadJournal`): what an earlier run's records say before anything is sent (its
 * open sessions closed, files in flight at its end looked up in their session), whether each source
 * landed already and is unchanged, and the records of this run as it goes: a file is journaled as
 * `sending` before its first byte, and as `sent` (durably) before it counts as uploaded.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "../DeepsetClient.js"
import type * as Models from "../Models.js"
import type { FileError } from "../UploadErrors.js"
import type { UploadEvent } from "../UploadEvent.js"
import * as UploadJournal from "../UploadJournal.js"
import * as UploadSessions from "../UploadSessions.js"
import type * as S3Session from "./s3Session.js"
import * as Sha256 from "./sha256.js"
import type * as Source from "./source.js"

/** Where a run keeps its journal: the service, the upload root and workspace its records name. */
export interface Options {
  readonly service: UploadJournal.Service
  readonly root: string
  readonly workspace: string
}

/**
 * A source as the journal knows it: its key (the name as given), size and, for a file, mtime. `later`: a file
 * the journal knows nothing about is not stat'ed when it is checked (sources are checked one at a time, in
 * order, and a stat there holds up every source behind it) but when it is journaled as `sending`, by the
 * fiber that sends it; until then `size` is 0.
 */
export interface Identity {
  readonly key: string
  readonly size: number
  readonly mtimeMs?: number | undefined
  readonly later?: { readonly path: string } | undefined
}

/** The journal of one run. */
export interface Journaling {
  /** The source's identity, and the earlier landing it can be skipped for (unchanged since). */
  readonly check: (
    source: Source.Prepared
  ) => Effect.Effect<{ readonly identity: Identity; readonly landed: UploadJournal.Landed | undefined }>
  /**
   * Journals the source as being sent to the session (durably); returns it as it is to be sent: a file
   * stat'ed for its record carries that stat, so that sending it does not take another.
   */
  readonly sending: (identity: Identity, source: Source.Prepared, sessionId: string) => Effect.Effect<
    Source.Prepared,
    Error
  >
  readonly sent: (identity: Identity, name: string, sessionId: string, sent: S3Session.Sent) => Effect.Effect<
    void,
    Error
  >
  readonly failed: (identity: Identity, sessionId: string | undefined, error: FileError) => Effect.Effect<void, Error>
  /** Records what an event of the run says about sessions and ingestion. */
  readonly event: (event: UploadEvent) => Effect.Effect<void, Error>
  readonly finished: Effect.Effect<void, Error>
}

type Error = UploadJournal.UploadJournalError

// The records of every file are checked once, when `append` encodes them (an invalid one fails the append).
const unchecked = { disableValidation: true } as const

const fileOf = (content: Source.Content) => content._tag === "File" ? content.path : undefined

// The bytes' SHA-256, read again (only to check an earlier landing, never for what is sent).
const hashOf = (content: Source.Content | undefined) =>
  Effect.gen(function*() {
    if (content === undefined) return undefined
    switch (content._tag) {
      case "Bytes":
        return Sha256.sha256Hex(content.bytes)
      case "File": {
        const fs = yield* FileSystem.FileSystem
        return yield* Effect.map(fs.readFile(content.path), Sha256.sha256Hex)
      }
      case "Stream":
        return undefined
    }
  })

const identityOf = (key: string, info: FileSystem.File.Info): Identity => ({
  key,
  size: Number(info.size),
  mtimeMs: Option.getOrUndefined(Option.map(info.mtime, (date) => date.getTime()))
})

// A file that cannot be stat'ed fails when it is sent; here it is only a source of unknown identity.
const statOf = (path: string) => Effect.flatMap(FileSystem.FileSystem, (fs) => Effect.option(fs.stat(path)))

const statIdentity = (key: string, path: string): Effect.Effect<Identity, never, FileSystem.FileSystem> =>
  Effect.map(
    statOf(path),
    Option.match({ onNone: (): Identity => ({ key, size: -1 }), onSome: (info) => identityOf(key, info) })
  )

const identify = (
  source: Source.Prepared,
  known: boolean
): Effect.Effect<Identity, never, FileSystem.FileSystem> => {
  const path = fileOf(source.content)
  if (path === undefined) {
    const size = source.content._tag === "Bytes" ? source.content.bytes.length : source.content._tag === "Stream"
      ? source.content.size
      : 0
    return Effect.succeed({ key: source.input, size })
  }
  return known ? statIdentity(source.input, path) : Effect.succeed({ key: source.input, size: 0, later: { path } })
}

/**
 * Whether a source still holds what landed: `"Same"` when the size and mtime of a file match (nothing is
 * read), `"Hashed"` when they took a hash to tell (the mtime differs, or an in-memory source), `false` when
 * it changed. The companion (`.meta.json`) has no mtime in the journal: it is compared by its SHA-256 (a
 * companion added, removed or edited is a change even when the document is not). A stream cannot be
 * compared without reading it: it is sent.
 */
const unchanged = (
  source: Source.Prepared,
  identity: Identity,
  landed: UploadJournal.Landed
): Effect.Effect<"Same" | "Hashed" | false, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (identity.size !== landed.size || source.content._tag === "Stream") return false
    if (source.meta === undefined) {
      if (landed.metaSha256 !== undefined) return false
    } else {
      if (source.meta._tag === "Stream" || landed.metaSha256 === undefined) return false
      if ((yield* hashOf(source.meta)) !== landed.metaSha256) return false
    }
    if (identity.mtimeMs !== undefined && identity.mtimeMs === landed.mtimeMs) return "Same" as const
    return (yield* hashOf(source.content)) === landed.sha256 ? "Hashed" as const : false
  }).pipe(Effect.orElseSucceed(() => false as const))

/**
 * Opens the journal for a run: reads what earlier runs left, closes the sessions they left open, looks up
 * their files of unknown outcome in their sessions, and records this run's start.
 */
export const make = (
  options: Options,
  writeMode: Models.KnownWriteMode | undefined
): Effect.Effect<Journaling, Error, DeepsetClient | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const { root, service, workspace } = options
    const context = yield* Effect.context<FileSystem.FileSystem>()
    const append = (...records: Array<UploadJournal.JournalRecord>) => service.append(records)
    const summary = UploadJournal.summarize((yield* service.read).records)
    yield* append(UploadJournal.RunStarted.make({ root, workspace, at: yield* DateTime.now }))

    // Closing starts the ingestion of what they hold; a session already closed or expired is fine. Only
    // then is a session's file list final for the files in flight when the earlier run ended.
    yield* Effect.forEach(summary.openSessions, (session) =>
      UploadSessions.close({ workspaceName: workspace, sessionId: session.sessionId }).pipe(
        Effect.ignore,
        Effect.zipRight(append(UploadJournal.Closed.make({ sessionId: session.sessionId })))
      ), { concurrency: 4, discard: true })

    const landed = new Map<string, UploadJournal.Landed>()
    const unknown = new Map<string, UploadJournal.Unknown>()
    for (const state of summary.files.values()) {
      if (state._tag === "Landed") {
        landed.set(state.key, state)
      } else if (state._tag === "Unknown") {
        unknown.set(state.key, state)
      } else if (state.previous !== undefined) {
        landed.set(state.key, state.previous)
      }
    }
    // Listed in its session: it landed. A session that cannot be listed proves nothing: its files are sent.
    const listed = new Set<string>()
    const place = (sessionId: string, name: string) =>
      JSON.stringify([sessionId, name])
    yield* Effect.forEach(
      new Set([...unknown.values()].map((state) =>
        state.sessionId
      )),
      (sessionId) =>
        UploadSessions.streamFiles({ workspaceName: workspace, sessionId }).pipe(
          Stream.runForEach((file) => Effect.sync(() => listed.add(place(sessionId, file.name)))),
          Effect.ignore
        ),
      { discard: true }
    )

    // A file of unknown outcome that its session lists (or whose ingestion a run recorded) landed as it was
    // then: journal it as sent, if the source still holds what was being sent (same size and mtime).
    const confirm = (source: Source.Prepared, identity: Identity, state: UploadJournal.Unknown) =>
      Effect.gen(function*() {
        if (identity.size !== state.size || identity.mtimeMs !== state.mtimeMs) return undefined
        const sha256 = yield* hashOf(source.content)
        if (sha256 === undefined) return undefined
        const metaSha256 = yield* hashOf(source.meta)
        const { mtimeMs, name, sessionId, size } = state
        const record = UploadJournal.Sent.make({
          key: identity.key,
          name,
          sessionId,
          size,
          mtimeMs,
          sha256,
          metaSha256
        })
        yield* append(record)
        return { _tag: "Landed", ...record } satisfies UploadJournal.Landed
      }).pipe(Effect.orElseSucceed(() => undefined))

    // A landed file touched since (new mtime, same bytes) is journaled with its new mtime, so that the next
    // run knows it from its stat alone instead of hashing it again. Only a shortcut: a failed append is not
    // this check's business (the run's next append fails the run).
    const touched = (identity: Identity, earlier: UploadJournal.Landed) =>
      Effect.gen(function*() {
        if (identity.mtimeMs === undefined) return earlier
        const { ingestion: _, _tag, ...fields } = earlier
        const record = UploadJournal.Sent.make({ ...fields, mtimeMs: identity.mtimeMs })
        yield* Effect.ignore(append(record))
        return { ...earlier, mtimeMs: identity.mtimeMs }
      })

    const check: Journaling["check"] = (source) =>
      Effect.gen(function*() {
        const known = landed.has(source.input) || unknown.has(source.input)
        const identity = yield* identify(source, known)
        const earlier = landed.get(identity.key)
        if (earlier !== undefined) {
          const same = yield* unchanged(source, identity, earlier)
          if (same === "Same") return { identity, landed: earlier }
          if (same === "Hashed") return { identity, landed: yield* touched(identity, earlier) }
        }
        const inFlight = unknown.get(identity.key)
        if (inFlight === undefined) return { identity, landed: undefined }
        if (inFlight.ingestion !== undefined || listed.has(place(inFlight.sessionId, inFlight.name))) {
          return { identity, landed: yield* confirm(source, identity, inFlight) }
        }
        // It did not land; an older copy that did, if the source still holds it, is enough.
        const previous = inFlight.previous
        return {
          identity,
          landed: previous !== undefined && (yield* unchanged(source, identity, previous)) !== false
            ? previous
            : undefined
        }
      }).pipe(Effect.provide(context))

    return {
      check,
      sending: (given, source, sessionId) => {
        const journaled = (identity: Identity, toSend: Source.Prepared) =>
          Effect.as(
            append(UploadJournal.Sending.make({
              key: identity.key,
              name: source.name,
              sessionId,
              size: identity.size,
              mtimeMs: identity.mtimeMs
            }, unchecked)),
            toSend
          )
        const content = source.content
        if (given.later === undefined || content._tag !== "File") {
          return given.size < 0 ? Effect.succeed(source) : journaled(given, source)
        }
        return Effect.flatMap(
          Effect.provide(statOf(given.later.path), context),
          Option.match({
            // A file that cannot be stat'ed cannot be sent either (it fails as unreadable): nothing to journal.
            onNone: () => Effect.succeed(source),
            onSome: (info) =>
              journaled(identityOf(given.key, info), { ...source, content: { ...content, stated: info } })
          })
        )
      },
      sent: (identity, name, sessionId, sent) =>
        append(UploadJournal.Sent.make({
          key: identity.key,
          name,
          sessionId,
          size: sent.bytes,
          mtimeMs: sent.mtimeMs ?? identity.mtimeMs,
          sha256: sent.sha256 ?? "",
          metaSha256: sent.metaSha256
        }, unchecked)),
      failed: (identity, sessionId, error) =>
        append(
          UploadJournal.Failed.make({
            key: identity.key,
            sessionId,
            error: { tag: error._tag, message: error.message }
          })
        ),
      event: (event) => {
        switch (event._tag) {
          case "SessionOpened":
            return append(UploadJournal.SessionOpened.make({
              sessionId: event.sessionId,
              workspace,
              writeMode: writeMode ?? "KEEP",
              expiresAt: event.expiresAt
            }))
          case "SessionClosed":
            return event.error === undefined
              ? append(UploadJournal.Closed.make({ sessionId: event.sessionId }))
              : Effect.void
          case "FileIngested":
            return append(UploadJournal.Ingested.make({
              sessionId: event.sessionId,
              name: event.name,
              status: event.status,
              reason: event.reason
            }))
          default:
            return Effect.void
        }
      },
      finished: Effect.flatMap(DateTime.now, (at) => append(UploadJournal.Finished.make({ at })))
    } satisfies Journaling
  })
