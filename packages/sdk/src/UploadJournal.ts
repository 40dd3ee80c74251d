/**
 * The journal of uploads: an append-only record of what a run did (sessions opened and closed, each file
 * about to be sent, its S3 outcome with the sha256 of the bytes sent, ingestion results), durable at the
 * points that matter, so that a later run can finish an interrupted one without sending anything twice
 * and send only what changed.
 *
 * The format is JSON lines, one record per line, each with `"v": 1` and a `type` (see `docs/journal.md`).
 * `append` returns only once its records are written and synced (group commit: appends that arrive during a
 * sync share the next one). A journal cut at any byte by a crash stays readable: the bytes after the last
 * line break are a torn write and are ignored; a damaged line in the middle is skipped and counted.
 *
 * `summarize` folds the records into what a later run needs: the sessions left open, the last known state
 * of each file, and whether the last run finished. Its documentation says what to do with each state.
 *
 * @example
 * ```ts
 * import { UploadJournal } from "@effect-deepset/sdk"
 * import { NodeFileSystem } from "@effect/platform-node"
 * import * as DateTime from "effect/DateTime"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const path = UploadJournal.defaultPath({
 *   workspace: "docs",
 *   root: "/home/me/documents",
 *   env: process.env,
 *   home: "/home/me"
 * })
 * const Journal = UploadJournal.layerFile(path).pipe(Layer.provide(NodeFileSystem.layer))
 *
 * const program = Effect.gen(function*() {
 *   const journal = yield* UploadJournal.UploadJournal
 *   const summary = UploadJournal.summarize((yield* journal.read).records)
 *   yield* journal.append([
 *     UploadJournal.RunStarted.make({ root: "/home/me/documents", workspace: "docs", at: DateTime.unsafeNow() })
 *   ])
 *   return summary
 * }).pipe(Effect.provide(Journal))
 * ```
 *
 * @since 0.1.0
 */
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Lines from "./internal/journalLines.js"
import * as Lock from "./internal/journalLock.js"
import * as Writer from "./internal/journalWriter.js"
import { sha256HexOfString } from "./internal/sha256.js"
import * as Models from "./Models.js"

// ---------------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------------

/**
 * The version of the format this module writes, the `v` of every record.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = 1 as const

const v = Schema.tag(version)
const NonEmpty = Schema.String.pipe(Schema.minLength(1))
const Size = Schema.NonNegativeInt
const MtimeMs = Schema.optional(Schema.Finite)
const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/))
// What `sending` and `sent` both say of a file: which source it is, and where and as what it goes.
const placement = { key: NonEmpty, name: NonEmpty, sessionId: NonEmpty, size: Size, mtimeMs: MtimeMs }

/**
 * A run started: the folder it uploads (absolute, or a label for in-memory sources) and the workspace.
 * A journal holds the runs over one upload root one after another; each begins with this record.
 *
 * @since 0.1.0
 * @category records
 */
export const RunStarted = Schema.Struct({
  v,
  type: Schema.tag("run"),
  root: Schema.String,
  workspace: NonEmpty,
  at: Schema.DateTimeUtc
}).annotations({ identifier: "UploadJournal.RunStarted" })

/**
 * A run started.
 *
 * @since 0.1.0
 * @category records
 */
export interface RunStarted extends Schema.Schema.Type<typeof RunStarted> {}

/**
 * A session was opened (written once `create` answered, before any file is sent to it).
 *
 * @since 0.1.0
 * @category records
 */
export const SessionOpened = Schema.Struct({
  v,
  type: Schema.tag("session"),
  sessionId: NonEmpty,
  workspace: NonEmpty,
  writeMode: Models.WriteMode,
  expiresAt: Schema.DateTimeUtc
}).annotations({ identifier: "UploadJournal.SessionOpened" })

/**
 * A session was opened.
 *
 * @since 0.1.0
 * @category records
 */
export interface SessionOpened extends Schema.Schema.Type<typeof SessionOpened> {}

/**
 * A file is about to be sent (written, and durable, before its first S3 attempt).
 *
 * - `key`: the source's identity across runs: its path relative to the upload root (with `/`), or the
 *   name of an in-memory source;
 * - `name`: the safe name it is stored under in the session;
 * - `size`: its size in bytes; `mtimeMs`: its modification time when it comes from disk.
 *
 * @since 0.1.0
 * @category records
 */
export const Sending = Schema.Struct({
  v,
  type: Schema.tag("sending"),
  ...placement
}).annotations({ identifier: "UploadJournal.Sending" })

/**
 * A file is about to be sent.
 *
 * @since 0.1.0
 * @category records
 */
export interface Sending extends Schema.Schema.Type<typeof Sending> {}

/**
 * S3 accepted a file: the bytes are in the session. `sha256` is the hex digest of the bytes actually
 * sent (computed while streaming them); `metaSha256`, when the source had metadata, that of its
 * `.meta.json` companion as sent. A file is counted as uploaded only once this record is durable.
 *
 * @since 0.1.0
 * @category records
 */
export const Sent = Schema.Struct({
  v,
  type: Schema.tag("sent"),
  ...placement,
  sha256: Sha256,
  metaSha256: Schema.optional(Sha256)
}).annotations({ identifier: "UploadJournal.Sent" })

/**
 * S3 accepted a file.
 *
 * @since 0.1.0
 * @category records
 */
export interface Sent extends Schema.Schema.Type<typeof Sent> {}

/**
 * An error as the journal keeps it: its tag and its message (as in the report).
 *
 * @since 0.1.0
 * @category records
 */
export const ErrorInfo = Schema.Struct({
  tag: Schema.String,
  message: Schema.String
}).annotations({ identifier: "UploadJournal.ErrorInfo" })

/**
 * An error as the journal keeps it.
 *
 * @since 0.1.0
 * @category records
 */
export interface ErrorInfo extends Schema.Schema.Type<typeof ErrorInfo> {}

/**
 * A file did not reach S3 (its final S3 failure, or a failure before it had a session, then without
 * `sessionId`).
 *
 * @since 0.1.0
 * @category records
 */
export const Failed = Schema.Struct({
  v,
  type: Schema.tag("failed"),
  key: NonEmpty,
  sessionId: Schema.optional(NonEmpty),
  error: ErrorInfo
}).annotations({ identifier: "UploadJournal.Failed" })

/**
 * A file did not reach S3.
 *
 * @since 0.1.0
 * @category records
 */
export interface Failed extends Schema.Schema.Type<typeof Failed> {}

/**
 * A session was closed (its ingestion starts).
 *
 * @since 0.1.0
 * @category records
 */
export const Closed = Schema.Struct({
  v,
  type: Schema.tag("closed"),
  sessionId: NonEmpty
}).annotations({ identifier: "UploadJournal.Closed" })

/**
 * A session was closed.
 *
 * @since 0.1.0
 * @category records
 */
export interface Closed extends Schema.Schema.Type<typeof Closed> {}

/**
 * A file's ingestion result, from the session's file list after waiting (by stored name).
 *
 * @since 0.1.0
 * @category records
 */
export const Ingested = Schema.Struct({
  v,
  type: Schema.tag("ingested"),
  sessionId: NonEmpty,
  name: NonEmpty,
  status: Models.IngestionStatus,
  reason: Schema.optional(Models.IngestionStatusReason)
}).annotations({ identifier: "UploadJournal.Ingested" })

/**
 * A file's ingestion result.
 *
 * @since 0.1.0
 * @category records
 */
export interface Ingested extends Schema.Schema.Type<typeof Ingested> {}

/**
 * The run ended in order: every session it opened is closed (with its `closed` record) and every file it
 * started has an outcome. Written last, also after a graceful stop (files it never started have no record).
 *
 * @since 0.1.0
 * @category records
 */
export const Finished = Schema.Struct({
  v,
  type: Schema.tag("finished"),
  at: Schema.DateTimeUtc
}).annotations({ identifier: "UploadJournal.Finished" })

/**
 * The run ended in order.
 *
 * @since 0.1.0
 * @category records
 */
export interface Finished extends Schema.Schema.Type<typeof Finished> {}

/**
 * Any record of the format.
 *
 * @since 0.1.0
 * @category records
 */
export const JournalRecord = Schema.Union(RunStarted, SessionOpened, Sending, Sent, Failed, Closed, Ingested, Finished)

/**
 * Any record of the format.
 *
 * @since 0.1.0
 * @category records
 */
export type JournalRecord = typeof JournalRecord.Type

/**
 * The record types of this version.
 *
 * @since 0.1.0
 * @category constants
 */
export const recordTypes: ReadonlyArray<JournalRecord["type"]> = [
  "run",
  "session",
  "sending",
  "sent",
  "failed",
  "closed",
  "ingested",
  "finished"
]

// ---------------------------------------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------------------------------------

/**
 * The journal could not be opened, read, written or synced; or a record to append is not valid; or (`lock`)
 * another run is using the journal file. After a failed write or sync every later append fails too (the end
 * of the file is no longer known).
 *
 * @since 0.1.0
 * @category errors
 */
export class UploadJournalError
  extends Schema.TaggedError<UploadJournalError>("@effect-deepset/sdk/UploadJournalError")("UploadJournalError", {
    operation: Schema.Literal("open", "lock", "read", "write", "sync", "encode", "closed"),
    path: Schema.optional(Schema.String),
    description: Schema.String
  })
{
  override get message(): string {
    const where = this.path === undefined ? "the upload journal" : `the upload journal ${this.path}`
    return `Cannot ${this.operation === "closed" ? "append to" : this.operation} ${where}: ${this.description}`
  }
}

const knownTypes: ReadonlySet<string> = new Set(recordTypes)

// One encoder per record type, picked by `type` (a union would try its members in turn); the union for a
// value whose `type` is none of them, so that the error says what it is.
const encoderOf = <A extends JournalRecord, I>(schema: Schema.Schema<A, I>) =>
  Schema.encodeEither(schema) as (record: JournalRecord) => Either.Either<I, ParseResult.ParseError>
const encoders: { readonly [T in JournalRecord["type"]]: ReturnType<typeof encoderOf> } = {
  run: encoderOf(RunStarted),
  session: encoderOf(SessionOpened),
  sending: encoderOf(Sending),
  sent: encoderOf(Sent),
  failed: encoderOf(Failed),
  closed: encoderOf(Closed),
  ingested: encoderOf(Ingested),
  finished: encoderOf(Finished)
}
const encodeUnion = encoderOf(JournalRecord)
const encodeRecord = (record: JournalRecord) => {
  const type: unknown = Predicate.isRecord(record) ? record.type : undefined
  return (typeof type === "string" && knownTypes.has(type) ? encoders[type as JournalRecord["type"]] : encodeUnion)(
    record
  )
}
const decodeRecord = Schema.decodeUnknownEither(JournalRecord)

/**
 * One record as its line: JSON, `v` and `type` first, ending with `\n`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeLine = (record: JournalRecord): Either.Either<string, UploadJournalError> =>
  Either.mapBoth(encodeRecord(record), {
    onLeft: (error) => new UploadJournalError({ operation: "encode", description: error.message }),
    onRight: (encoded) => `${JSON.stringify(encoded)}\n`
  })

const classify = (value: unknown): Lines.Verdict<JournalRecord> => {
  if (!Predicate.isRecord(value)) return { _tag: "Corrupt" }
  // A newer version, or a type this version does not know: written by newer code, not damage.
  if (typeof value.v === "number" && Number.isInteger(value.v) && value.v > version) return { _tag: "Unknown" }
  if (value.v === version && typeof value.type === "string" && !knownTypes.has(value.type)) {
    return { _tag: "Unknown" }
  }
  return Either.match(decodeRecord(value), {
    onLeft: () => ({ _tag: "Corrupt" }),
    onRight: (record) => ({ _tag: "Record", record })
  })
}

/**
 * What reading a journal found.
 *
 * - `records`: every complete, valid record, in order;
 * - `skipped`: complete lines that are damaged (not UTF-8, not JSON, not a valid record of this version);
 * - `unknown`: records of a newer version or of a type this version does not know, left out;
 * - `tornBytes`: the bytes after the last line break, a write cut short by a crash, ignored (a file layer
 *   removes them when it opens the journal for appending).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadResult {
  readonly records: ReadonlyArray<JournalRecord>
  readonly skipped: number
  readonly unknown: number
  readonly tornBytes: number
}

/**
 * Reads the records of a journal's bytes. Never fails: what is not a record is counted, not fatal.
 *
 * @since 0.1.0
 * @category encoding
 */
export const decodeLines = (bytes: Uint8Array): ReadResult => Lines.parse(bytes, classify)

const encodeAll = (records: Iterable<JournalRecord>): Effect.Effect<string, UploadJournalError> =>
  Effect.suspend(() => {
    let text = ""
    for (const record of records) {
      const line = encodeLine(record)
      if (Either.isLeft(line)) return Effect.fail(line.left)
      text += line.right
    }
    return Effect.succeed(text)
  })

// ---------------------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------------------

/**
 * A journal.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Appends records, in order, and returns once they are durable (written and synced). Records of
   * concurrent appends are never interleaved within an append. Interrupting the caller does not withdraw
   * the records: they may still become durable. Fails without writing anything when a record is not valid.
   */
  readonly append: (records: Iterable<JournalRecord>) => Effect.Effect<void, UploadJournalError>
  /**
   * Every record of the journal, in order, and what was left out. Meant for the start of a run; read while
   * appends are in flight, it sees the records written so far (a batch being written may show as a torn tail).
   */
  readonly read: Effect.Effect<ReadResult, UploadJournalError>
}

/**
 * The journal service tag. An upload run that is given a journal writes to the one in context.
 *
 * @since 0.1.0
 * @category tags
 */
export class UploadJournal extends Context.Tag("@effect-deepset/sdk/UploadJournal")<UploadJournal, Service>() {}

const dirname = (path: string): string | undefined => {
  const at = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
  return at <= 0 ? (at === 0 ? path.slice(0, 1) : undefined) : path.slice(0, at)
}

const failWith = (operation: UploadJournalError["operation"], path: string) => (error: PlatformError.PlatformError) =>
  new UploadJournalError({ operation, path, description: error.message })

const tailChunk = 64 * 1024

/** The length of the journal's complete lines: scans back from the end for the last `\n`. */
const completeLength = (fs: FileSystem.FileSystem, path: string, size: number) =>
  Effect.scoped(Effect.gen(function*() {
    const file = yield* fs.open(path, { flag: "r" })
    let end = size
    while (end > 0) {
      const start = Math.max(0, end - tailChunk)
      const buffer = new Uint8Array(end - start)
      yield* file.seek(start, "start")
      let filled = 0
      while (filled < buffer.length) {
        const read = Number(yield* file.read(buffer.subarray(filled)))
        if (read === 0) break
        filled += read
      }
      const complete = Lines.completeLength(buffer.subarray(0, filled))
      if (complete > 0) return start + complete
      end = start
    }
    return 0
  }))

/**
 * A journal in a file, on `@effect/platform`'s `FileSystem`. Building it creates the parent folders,
 * removes a torn last line left by a crash (bytes after the last line break: a write that never returned)
 * and opens the file for appending once; closing the scope lets the write in flight finish.
 *
 * One run at a time: building it takes a lock file beside the journal (`<path>.lock`, created exclusively,
 * holding the process id) for the scope, and fails with an `UploadJournalError` of operation `"lock"` while
 * another running process (or another run in this one) holds it; a lock left by a process that is gone is
 * taken over. Where the platform has no processes (no `process` global), no lock is taken.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFile = (
  path: string
): Effect.Effect<Service, UploadJournalError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const openError = failWith("open", path)
    const parent = dirname(path)
    if (parent !== undefined) yield* Effect.mapError(fs.makeDirectory(parent, { recursive: true }), openError)
    const host = Lock.currentHost()
    if (host !== undefined) {
      yield* Effect.mapError(Lock.acquire(fs, path, host), (refusal) =>
        refusal._tag === "Held"
          ? new UploadJournalError({
            operation: "lock",
            path,
            description: `another run (pid ${refusal.pid}${
              refusal.pid === host.pid ? ", this process" : ""
            }) is using this journal`
          })
          : failWith("lock", path)(refusal.error))
    }
    const existed = yield* Effect.mapError(fs.exists(path), openError)
    let repaired = false
    if (existed) {
      const size = Number((yield* Effect.mapError(fs.stat(path), openError)).size)
      const complete = yield* Effect.mapError(completeLength(fs, path, size), openError)
      if (complete < size) {
        yield* Effect.mapError(fs.truncate(path, complete), openError)
        repaired = true
      }
    }
    const file = yield* Effect.mapError(fs.open(path, { flag: "a" }), openError)
    if (repaired) yield* Effect.mapError(file.sync, failWith("sync", path))
    if (!existed && parent !== undefined) {
      // The new file's name is durable once its folder is synced; best effort (not every platform can).
      yield* Effect.scoped(Effect.flatMap(fs.open(parent, { flag: "r" }), (folder) => folder.sync)).pipe(Effect.ignore)
    }

    const writer = yield* Writer.make<UploadJournalError>({
      write: (bytes) => Effect.mapError(file.writeAll(bytes), failWith("write", path)),
      sync: Effect.mapError(file.sync, failWith("sync", path)),
      closed: () => new UploadJournalError({ operation: "closed", path, description: "its layer was closed" })
    })
    const encoder = new TextEncoder()

    const read = fs.readFile(path).pipe(
      Effect.map(decodeLines),
      Effect.catchTag("SystemError", (error) =>
        error.reason === "NotFound"
          ? Effect.succeed<ReadResult>({ records: [], skipped: 0, unknown: 0, tornBytes: 0 })
          : Effect.fail(error)),
      Effect.mapError(failWith("read", path))
    )

    return UploadJournal.of({
      append: (records) =>
        Effect.flatMap(encodeAll(records), (text) => text === "" ? Effect.void : writer.submit(encoder.encode(text))),
      read
    })
  })

/**
 * A journal in the file at `path` (see {@link makeFile}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (path: string): Layer.Layer<UploadJournal, UploadJournalError, FileSystem.FileSystem> =>
  Layer.scoped(UploadJournal, makeFile(path))

/**
 * A journal in memory: its service, and its lines as written.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryJournal extends Service {
  /** The journal's text, every line as `append` wrote it. */
  readonly text: Effect.Effect<string>
}

/**
 * A journal in memory, optionally starting with records (from state kept elsewhere). Records go through
 * the same encoding as in a file, so what `read` returns is what a file would give back.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (initial: Iterable<JournalRecord> = []): Effect.Effect<MemoryJournal, UploadJournalError> =>
  Effect.gen(function*() {
    const ref = yield* Ref.make(yield* encodeAll(initial))
    const encoder = new TextEncoder()
    return {
      append: (records) => Effect.flatMap(encodeAll(records), (text) => Ref.update(ref, (all) => all + text)),
      read: Effect.map(Ref.get(ref), (text) => decodeLines(encoder.encode(text))),
      text: Ref.get(ref)
    }
  })

/**
 * An empty journal in memory, for tests and for users who keep state elsewhere (read it back with `read`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<UploadJournal> = Layer.effect(UploadJournal, Effect.orDie(makeMemory()))

/**
 * A journal in memory that starts with `records`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemoryFrom = (records: Iterable<JournalRecord>): Layer.Layer<UploadJournal, UploadJournalError> =>
  Layer.effect(UploadJournal, makeMemory(records))

// ---------------------------------------------------------------------------------------------------------
// Default location
// ---------------------------------------------------------------------------------------------------------

/**
 * Where the CLI keeps the journal of a (workspace, upload root) unless told otherwise:
 * `$XDG_STATE_HOME/deepset-upload/journals/<hash>.jsonl`, or `<home>/.local/state/deepset-upload/journals/…`
 * when `XDG_STATE_HOME` is unset, empty or not absolute (as the XDG base directory specification says).
 * `<hash>` is the sha256 (hex) of the workspace and the root, so each pair has its own journal, outside the
 * uploaded tree. `root` must be absolute (resolve it first); a trailing separator does not matter. Pure:
 * the environment and the home folder are arguments.
 *
 * @since 0.1.0
 * @category location
 */
export const defaultPath = (options: {
  readonly workspace: string
  readonly root: string
  readonly env: { readonly [name: string]: string | undefined }
  readonly home: string
}): string => {
  const state = options.env.XDG_STATE_HOME
  const base = state !== undefined && isAbsolute(state) ? state : `${trimEnd(options.home)}/.local/state`
  return `${trimEnd(base)}/deepset-upload/journals/${journalName(options.workspace, options.root)}`
}

const isAbsolute = (path: string): boolean => path.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(path)

const trimEnd = (path: string): string => {
  const trimmed = path.replace(/[\\/]+$/, "")
  return trimmed === "" ? path.slice(0, 1) : trimmed
}

/**
 * The file name of the journal of a (workspace, absolute upload root): `<sha256 hex>.jsonl`.
 *
 * @since 0.1.0
 * @category location
 */
export const journalName = (workspace: string, root: string): string =>
  `${sha256HexOfString(JSON.stringify([workspace, trimEnd(root)]))}.jsonl`

// ---------------------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------------------

/**
 * A file's ingestion result, as the journal last saw it.
 *
 * @since 0.1.0
 * @category summary
 */
export interface Ingestion {
  readonly status: Models.IngestionStatus
  readonly reason?: Models.IngestionStatusReason | undefined
}

/**
 * The file's bytes are in S3, in `sessionId`, stored as `name`: it was sent, and (once that session is
 * closed) it is or will be ingested. `ingestion` is its result when a run waited for it.
 *
 * @since 0.1.0
 * @category summary
 */
export interface Landed {
  readonly _tag: "Landed"
  readonly key: string
  readonly name: string
  readonly sessionId: string
  readonly size: number
  readonly mtimeMs?: number | undefined
  readonly sha256: string
  readonly metaSha256?: string | undefined
  readonly ingestion?: Ingestion | undefined
}

/**
 * The file's last attempt failed (`error`); `previous` is where it landed before that attempt, if it ever
 * did (that copy is still in the workspace).
 *
 * @since 0.1.0
 * @category summary
 */
export interface FailedState {
  readonly _tag: "Failed"
  readonly key: string
  readonly sessionId?: string | undefined
  readonly error: ErrorInfo
  readonly previous?: Landed | undefined
}

/**
 * The file was about to be sent to `sessionId` as `name` and no outcome was recorded (in flight at a
 * crash): S3 may or may not hold it. `ingestion`, if a later run recorded one for that session and name,
 * proves it landed. `previous` is where it landed before this attempt, if it ever did.
 *
 * @since 0.1.0
 * @category summary
 */
export interface Unknown {
  readonly _tag: "Unknown"
  readonly key: string
  readonly name: string
  readonly sessionId: string
  readonly size: number
  readonly mtimeMs?: number | undefined
  readonly ingestion?: Ingestion | undefined
  readonly previous?: Landed | undefined
}

/**
 * The last known state of a file (by key).
 *
 * @since 0.1.0
 * @category summary
 */
export type FileState = Landed | FailedState | Unknown

/**
 * A session of the journal: as opened, whether a `closed` record followed, and how many files' last
 * state lies in it.
 *
 * @since 0.1.0
 * @category summary
 */
export interface SessionState {
  readonly sessionId: string
  readonly workspace: string
  readonly writeMode: Models.WriteMode
  readonly expiresAt: SessionOpened["expiresAt"]
  readonly closed: boolean
  /** Files whose last state is `Landed` in this session. */
  readonly landed: number
  /** Files whose last state is `Unknown` in this session. */
  readonly unknown: number
}

/**
 * What a journal says, for the next run. What to do with each part (the contract of a resuming run):
 *
 * 1. `openSessions` (opened, never recorded as closed, the earlier run's included): close each one
 *    (`UploadSessions.close`; a `NotFoundError` or an already closed or expired session is fine: the
 *    service closes expired sessions itself) and append a `closed` record. Closing starts their ingestion,
 *    so every file `Landed` in them will be ingested. Do this before deciding anything about `Unknown` files.
 * 2. `Landed`: the file is in the workspace (or will be once its session is ingested). Do not send it
 *    again unless it changed since: unchanged when `size` and `mtimeMs` match the source's stat; where only
 *    `mtimeMs` differs, hash the source: the same `sha256` (and `metaSha256`) is unchanged. For an
 *    in-memory source (no `mtimeMs`), compare `size` and `sha256`. Report an unchanged file as uploaded
 *    earlier, in `sessionId` (and with `ingestion` when known). A changed file is sent again: `OVERWRITE`
 *    replaces the earlier copy, `KEEP` adds a second one. An `ingestion` of `FAILED` is reported as such
 *    and not retried unless the file changed (the same bytes fail the same way).
 * 3. `Failed`: send it again. Its earlier attempt did not land, except where the failure left that
 *    unknown (a `TransportError`, `TimeoutError` or 5xx after the body was sent): under `KEEP`, treat such
 *    a failure in a session as `Unknown` in that session. `previous`, if set, is an older copy that landed.
 * 4. `Unknown` (in flight at a crash): after step 1, look the `name` up in the session's file list
 *    (`UploadSessions.streamFiles` / `getFiles`). Listed (or `ingestion` set): it landed; if the source's
 *    size and mtime still match the record, hash it and append a `sent` record for that session, then
 *    handle it as `Landed`; if the source changed, as a changed `Landed` file. Not listed: send it again.
 *    Never send it again under `KEEP` before that check.
 * 5. A key the journal does not hold: a new file, send it.
 * 6. `finished === false` with `runs` not empty: the latest run was interrupted; say that the run resumes.
 *
 * Every run appends its own `run` record first, and `finished` last when it ends in order.
 *
 * @since 0.1.0
 * @category summary
 */
export interface Summary {
  /** The runs of the journal, in order. */
  readonly runs: ReadonlyArray<RunStarted>
  /** Whether the latest run wrote its `finished` record (false when there is no run). */
  readonly finished: boolean
  /** Every session opened, in the order opened. */
  readonly sessions: ReadonlyArray<SessionState>
  /** The sessions opened and never recorded as closed. */
  readonly openSessions: ReadonlyArray<SessionState>
  /** The last known state of each file, by key, in the order the keys first appear. */
  readonly files: ReadonlyMap<string, FileState>
  /** How many files are in each state. */
  readonly counts: { readonly landed: number; readonly failed: number; readonly unknown: number }
}

interface MutableSession {
  readonly opened: SessionOpened
  closed: boolean
}

const sessionKey = (sessionId: string, name: string) => JSON.stringify([sessionId, name])

// A file's state as far as its `sending` or `sent` record places it.
const placed = (record: Sending | Sent) => ({
  key: record.key,
  name: record.name,
  sessionId: record.sessionId,
  size: record.size,
  ...(record.mtimeMs === undefined ? {} : { mtimeMs: record.mtimeMs })
})

const withIngestion = <S extends Landed | Unknown>(state: S, ingestion: Ingestion): S => ({ ...state, ingestion })

const ingestionOf = (record: Ingested): Ingestion =>
  record.reason === undefined ? { status: record.status } : { status: record.status, reason: record.reason }

const lastLanding = (state: FileState | undefined): Landed | undefined =>
  state === undefined ? undefined : state._tag === "Landed" ? state : state.previous

/**
 * Folds a journal's records into what a later run needs (see {@link Summary} for what to do with it).
 * Pure; records are taken in order, and a later record about a file replaces what an earlier one said.
 *
 * @since 0.1.0
 * @category summary
 */
export const summarize = (records: Iterable<JournalRecord>): Summary => {
  const runs: Array<RunStarted> = []
  let finished = false
  const sessions = new Map<string, MutableSession>()
  const files = new Map<string, FileState>()
  // (session, stored name) → key, to place ingestion results.
  const names = new Map<string, string>()

  for (const record of records) {
    switch (record.type) {
      case "run":
        runs.push(record)
        finished = false
        break
      case "finished":
        finished = runs.length > 0
        break
      case "session":
        if (!sessions.has(record.sessionId)) sessions.set(record.sessionId, { opened: record, closed: false })
        break
      case "closed": {
        const session = sessions.get(record.sessionId)
        if (session !== undefined) session.closed = true
        break
      }
      case "sending": {
        const previous = lastLanding(files.get(record.key))
        files.set(record.key, {
          _tag: "Unknown",
          ...placed(record),
          ...(previous === undefined ? {} : { previous })
        })
        names.set(sessionKey(record.sessionId, record.name), record.key)
        break
      }
      case "sent": {
        files.set(record.key, {
          _tag: "Landed",
          ...placed(record),
          sha256: record.sha256,
          ...(record.metaSha256 === undefined ? {} : { metaSha256: record.metaSha256 })
        })
        names.set(sessionKey(record.sessionId, record.name), record.key)
        break
      }
      case "failed": {
        const previous = lastLanding(files.get(record.key))
        files.set(record.key, {
          _tag: "Failed",
          key: record.key,
          ...(record.sessionId === undefined ? {} : { sessionId: record.sessionId }),
          error: record.error,
          ...(previous === undefined ? {} : { previous })
        })
        break
      }
      case "ingested": {
        const key = names.get(sessionKey(record.sessionId, record.name))
        const state = key === undefined ? undefined : files.get(key)
        if (key === undefined || state === undefined) break
        const ingestion = ingestionOf(record)
        const matches = (s: { readonly sessionId?: string | undefined; readonly name?: string }) =>
          s.sessionId === record.sessionId && s.name === record.name
        if (state._tag !== "Failed" && matches(state)) {
          files.set(key, withIngestion(state, ingestion))
        } else if (state._tag !== "Landed" && state.previous !== undefined && matches(state.previous)) {
          files.set(key, { ...state, previous: withIngestion(state.previous, ingestion) })
        }
        break
      }
    }
  }

  const perSession = new Map<string, { landed: number; unknown: number }>()
  const counts = { landed: 0, failed: 0, unknown: 0 }
  for (const state of files.values()) {
    if (state._tag === "Failed") {
      counts.failed++
      continue
    }
    const tally = perSession.get(state.sessionId) ?? { landed: 0, unknown: 0 }
    if (state._tag === "Landed") {
      counts.landed++
      tally.landed++
    } else {
      counts.unknown++
      tally.unknown++
    }
    perSession.set(state.sessionId, tally)
  }
  const sessionStates = Array.from(sessions.values(), ({ closed, opened }): SessionState => ({
    sessionId: opened.sessionId,
    workspace: opened.workspace,
    writeMode: opened.writeMode,
    expiresAt: opened.expiresAt,
    closed,
    landed: perSession.get(opened.sessionId)?.landed ?? 0,
    unknown: perSession.get(opened.sessionId)?.unknown ?? 0
  }))
  return {
    runs,
    finished,
    sessions: sessionStates,
    openSessions: sessionStates.filter((session) => !session.closed),
    files,
    counts
  }
}
