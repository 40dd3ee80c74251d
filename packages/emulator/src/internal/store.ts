import * as Predicate from "effect/Predicate"
import { IdSource } from "./ids.js"
import * as Page from "./page.js"
import type { FailureReason, ListedFile, Outcome, StoredFile, WriteMode } from "./session.js"
import { metaSuffix, parallelIngestion, Session, settlesAt } from "./session.js"

/**
 * The emulator's state: workspaces, sessions, uploaded objects and the workspace file index.
 *
 * Every method is synchronous and takes the current time as an argument: the server reads its
 * `Clock` once per request and the store never races with itself, as JavaScript runs one handler
 * step at a time. Lookups are by id into maps and by position into arrays, so that a request costs
 * O(page) however many sessions and files there are.
 *
 * @internal
 */
export interface StoreOptions {
  readonly seed: number
  readonly ingestionDelay: number
  readonly sessionTtl: number
  readonly maxFilesPerSession: number
}

/**
 * An entry of the workspace file index: a document that ingestion accepted, or that the files API
 * stored. Its `fileIngestionId` is the `file_id` the files API shows.
 *
 * @internal
 */
export interface IndexEntry {
  readonly name: string
  readonly fileIngestionId: string
  /** The session it came through; empty for a file posted to the files API. */
  readonly sessionId: string
  readonly size: number
  readonly sha256: string
  readonly meta: unknown
  /** When it is (or will be) in the index: the files API lists it from then on. */
  readonly ingestedAt: number
  /** The stored object, for its bytes. */
  readonly file: StoredFile
}

/** @internal */
export class Workspace {
  readonly sessions: Array<Session> = []
  readonly positionById = new Map<string, number>()
  readonly index = new Map<string, Array<IndexEntry>>()
  /** The same entries by file id, for the files API's reads and listing. */
  readonly indexById = new Map<string, IndexEntry>()
  /** The objects the files API stored, in upload order (they stay when the index forgets them, as S3's do). */
  readonly directFiles: Array<StoredFile> = []
  constructor(readonly name: string, readonly id: string) {}

  /** Whether a document of this name is in the index, or is decided to enter it. */
  holds(name: string): boolean {
    return (this.index.get(name)?.length ?? 0) > 0
  }

  /** Enters a document: beside those of the same name with `KEEP`, in their place otherwise. */
  admit(entry: IndexEntry, writeMode: WriteMode): void {
    const entries = this.index.get(entry.name)
    if (writeMode === "KEEP" && entries !== undefined) {
      entries.push(entry)
    } else {
      for (const replaced of entries ?? []) this.indexById.delete(replaced.fileIngestionId)
      this.index.set(entry.name, [entry])
    }
    this.indexById.set(entry.fileIngestionId, entry)
  }

  /** How many sessions have expired at `now`; they are a prefix, as a fixed ttl keeps expiry in creation order. */
  expiredCount(now: number): number {
    let lo = 0
    let hi = this.sessions.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.sessions[mid]!.expiresAt <= now) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The sessions `list` shows: all of them, or only the expired or unexpired ones. */
  view(now: number, isExpired: boolean | undefined): Page.View {
    if (isExpired === undefined) return Page.range(0, this.sessions.length)
    const expired = this.expiredCount(now)
    return isExpired ? Page.range(0, expired) : Page.range(expired, this.sessions.length)
  }
}

/** @internal */
export type UploadResult =
  | {
    readonly _tag: "Stored"
    readonly file: StoredFile
    /** The file that held the object this upload replaced, when there was one on disk. */
    readonly replacedPath: string | undefined
  }
  | { readonly _tag: "NoSession" }
  | { readonly _tag: "NotOpen" }
  | { readonly _tag: "Full"; readonly limit: number }

/** @internal */
export interface UploadInput {
  readonly name: string
  readonly key: string
  readonly size: number
  readonly sha256: string
  readonly md5: string
  readonly path: string
  /** The bytes, when they are kept in memory rather than at `path`. */
  readonly bytes: Uint8Array | undefined
  readonly meta: string | undefined
}

/** @internal */
export interface DirectUploadInput {
  readonly name: string
  readonly writeMode: WriteMode
  /** The key's prefix; the file id completes it. */
  readonly keyPrefix: string
  readonly size: number
  readonly sha256: string
  readonly md5: string
  readonly path: string
  readonly bytes: Uint8Array | undefined
  /** The `meta` object, and the text it was sent as. */
  readonly meta: object | undefined
  readonly metaText: string | undefined
}

/** @internal */
export type DirectUploadResult =
  | { readonly _tag: "Stored"; readonly entry: IndexEntry }
  | { readonly _tag: "Exists" }

/** @internal */
export class Store {
  private ids: IdSource
  readonly workspaces = new Map<string, Workspace>()
  readonly sessions = new Map<string, Session>()
  /** Open sessions in creation order, which is also expiry order. */
  private readonly open = new Map<string, Session>()
  /** How many bytes of objects are held in memory (`StoredFile.bytes`). */
  memoryBytes = 0

  constructor(readonly options: StoreOptions) {
    this.ids = new IdSource(options.seed)
  }

  reset(): void {
    this.ids = new IdSource(this.options.seed)
    this.workspaces.clear()
    this.sessions.clear()
    this.open.clear()
    this.memoryBytes = 0
  }

  uuid(): string {
    return this.ids.uuid()
  }

  workspace(name: string): Workspace {
    let workspace = this.workspaces.get(name)
    if (workspace === undefined) {
      workspace = new Workspace(name, this.ids.uuid())
      this.workspaces.set(name, workspace)
    }
    return workspace
  }

  /**
   * Expires every open session whose time has come, in expiry order, starting its ingestion at the
   * moment it expired. Called before every request so that expiry is observed as if it had happened
   * on time, and before any later close can take its turn in the workspace index.
   */
  settle(now: number): void {
    for (const session of this.open.values()) {
      if (session.expiresAt > now) break
      this.open.delete(session.id)
      session.state = "EXPIRED"
      this.startIngestion(session, session.expiresAt)
    }
  }

  create(
    workspaceName: string,
    writeMode: WriteMode,
    now: number,
    createdBy: string,
    parallelProcessing = false
  ): Session {
    const workspace = this.workspace(workspaceName)
    const session = new Session(
      this.ids.uuid(),
      workspaceName,
      writeMode,
      now,
      now + this.options.sessionTtl,
      createdBy,
      parallelProcessing
    )
    workspace.positionById.set(session.id, workspace.sessions.length)
    workspace.sessions.push(session)
    this.sessions.set(session.id, session)
    this.open.set(session.id, session)
    return session
  }

  /** The session with this id in this workspace; a session of another workspace is not found. */
  find(workspaceName: string, sessionId: string): Session | undefined {
    const session = this.sessions.get(sessionId)
    return session !== undefined && session.workspace === workspaceName ? session : undefined
  }

  /** Closes an open session; closing a closed or expired one changes nothing. */
  close(session: Session, now: number): void {
    if (session.state !== "OPEN") return
    this.open.delete(session.id)
    session.state = "CLOSED"
    this.startIngestion(session, now)
  }

  upload(sessionId: string, input: UploadInput, now: number): UploadResult {
    const session = this.sessions.get(sessionId)
    if (session === undefined) return { _tag: "NoSession" }
    if (session.status(now) !== "OPEN") return { _tag: "NotOpen" }
    const existing = session.uploads.get(input.name)
    if (existing !== undefined) {
      // A file on disk, unless the object is in memory or has no bytes at all (seeded).
      const replacedPath = existing.bytes === undefined ? existing.path : undefined
      this.memoryBytes += (input.bytes?.length ?? 0) - (existing.bytes?.length ?? 0)
      existing.size = input.size
      existing.sha256 = input.sha256
      existing.md5 = input.md5
      existing.path = input.path
      existing.bytes = input.bytes
      existing.meta = input.meta
      existing.uploadedAt = now
      return { _tag: "Stored", file: existing, replacedPath }
    }
    if (session.uploads.size >= this.options.maxFilesPerSession) {
      return { _tag: "Full", limit: this.options.maxFilesPerSession }
    }
    const file: StoredFile = {
      id: this.ids.uuid(),
      sessionId,
      workspace: session.workspace,
      name: input.name,
      key: input.key,
      isMeta: input.name.endsWith(metaSuffix),
      size: input.size,
      sha256: input.sha256,
      md5: input.md5,
      path: input.path,
      bytes: input.bytes,
      meta: input.meta,
      uploadedAt: now
    }
    this.memoryBytes += input.bytes?.length ?? 0
    session.uploads.set(input.name, file)
    if (!file.isMeta) {
      session.documentPosition.set(file.id, session.documents.length)
      session.documents.push(file)
    }
    return { _tag: "Stored", file, replacedPath: undefined }
  }

  /**
   * A file posted to the files API: stored and entered into the workspace index at once, under the
   * write mode, against the same index that sessions feed. `FAIL` with the name already there
   * stores nothing.
   */
  directUpload(workspaceName: string, input: DirectUploadInput, now: number): DirectUploadResult {
    const workspace = this.workspace(workspaceName)
    if (input.writeMode === "FAIL" && workspace.holds(input.name)) return { _tag: "Exists" }
    const id = this.ids.uuid()
    const file: StoredFile = {
      id,
      sessionId: "",
      workspace: workspaceName,
      name: input.name,
      key: `${input.keyPrefix}${id}`,
      isMeta: false,
      size: input.size,
      sha256: input.sha256,
      md5: input.md5,
      path: input.path,
      bytes: input.bytes,
      meta: input.metaText,
      uploadedAt: now
    }
    this.memoryBytes += input.bytes?.length ?? 0
    workspace.directFiles.push(file)
    const entry: IndexEntry = {
      name: input.name,
      fileIngestionId: id,
      sessionId: "",
      size: input.size,
      sha256: input.sha256,
      meta: input.meta,
      ingestedAt: now,
      file
    }
    workspace.admit(entry, input.writeMode)
    return { _tag: "Stored", entry }
  }

  /**
   * A session holding `count` documents at once, as tests and benchmarks want and the API cannot
   * give (a session takes at most `maxFilesPerSession` uploads, one request each). The documents
   * have no bytes anywhere, only the size and hashes of `content`; closing starts their ingestion.
   */
  seed(
    workspaceName: string,
    options: {
      readonly count: number
      readonly name: (i: number) => string
      readonly content: { readonly size: number; readonly sha256: string; readonly md5: string }
      readonly close: boolean
      readonly createdBy: string
      readonly organizationId: string
    },
    now: number
  ): Session {
    const session = this.create(workspaceName, "KEEP", now, options.createdBy)
    const prefix = `${options.organizationId}/${this.workspace(workspaceName).id}/${session.id}/`
    const { md5, sha256, size } = options.content
    for (let i = 0; i < options.count; i++) {
      const name = options.name(i)
      const file: StoredFile = {
        id: this.ids.uuid(),
        sessionId: session.id,
        workspace: workspaceName,
        name,
        key: prefix + name,
        isMeta: false,
        size,
        sha256,
        md5,
        path: undefined,
        bytes: undefined,
        meta: undefined,
        uploadedAt: now
      }
      session.uploads.set(name, file)
      // Only an open session lists from these (a closed one lists its ingestion).
      if (!options.close) {
        session.documentPosition.set(file.id, session.documents.length)
        session.documents.push(file)
      }
    }
    if (options.close) this.close(session, now)
    return session
  }

  /**
   * Records that `bytes`, held in memory for `file`, are now at `path`; answers false when the
   * object changed meanwhile (a newer upload replaced it), leaving that file stale.
   */
  wrote(file: StoredFile, bytes: Uint8Array, path: string | undefined): boolean {
    if (file.bytes !== bytes || file.path !== path) return false
    file.bytes = undefined
    this.memoryBytes -= bytes.length
    return true
  }

  /**
   * Decides every file's outcome, in upload order, and records the accepted documents in the
   * workspace index with the time at which each one settles. Metadata files are not listed unless
   * their document is missing.
   */
  private startIngestion(session: Session, startedAt: number): void {
    const workspace = this.workspace(session.workspace)
    const delay = Math.max(0, this.options.ingestionDelay)
    const timing = { startedAt, delay, concurrency: session.parallelProcessing ? parallelIngestion : 1 }
    const items: Array<ListedFile> = []
    let hasMeta = false
    for (const file of session.uploads.values()) {
      if (file.isMeta) {
        hasMeta = true
        break
      }
    }
    for (const file of session.uploads.values()) {
      if (file.isMeta) {
        const document = session.uploads.get(file.name.slice(0, -metaSuffix.length))
        if (document === undefined) items.push({ file, outcome: "FILE_NOT_FOUND" })
        continue
      }
      const metaFile = hasMeta ? session.uploads.get(file.name + metaSuffix) : undefined
      const meta = parseMeta(metaFile)
      const outcome = this.decide(session, workspace, file, metaFile !== undefined && meta === undefined)
      if (outcome === "FINISHED") {
        workspace.admit({
          name: file.name,
          fileIngestionId: file.id,
          sessionId: session.id,
          size: file.size,
          sha256: file.sha256,
          meta,
          ingestedAt: settlesAt(timing, items.length),
          file
        }, session.writeMode)
      }
      items.push({ file, outcome })
    }
    const positionById = new Map<string, number>()
    const finished: Array<number> = []
    const failed: Array<number> = []
    const finishedBefore = new Int32Array(items.length + 1)
    const failedBefore = new Int32Array(items.length + 1)
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      positionById.set(item.file.id, i)
      const ok = item.outcome === "FINISHED"
      if (ok) finished.push(i)
      else failed.push(i)
      finishedBefore[i + 1] = finishedBefore[i]! + (ok ? 1 : 0)
      failedBefore[i + 1] = failedBefore[i]! + (ok ? 0 : 1)
    }
    session.ingestion = {
      ...timing,
      items,
      positionById,
      finished,
      failed,
      finishedBefore,
      failedBefore
    }
    session.endedAt = startedAt
    // Only an open session lists from these; the ingestion replaces them.
    session.documents.length = 0
    session.documentPosition.clear()
  }

  private decide(session: Session, workspace: Workspace, document: StoredFile, badMeta: boolean): Outcome {
    if (document.size === 0) return "EMPTY_FILE" satisfies FailureReason
    if (badMeta) return "FAILED_TO_PARSE_META"
    if (session.writeMode === "FAIL" && workspace.holds(document.name)) {
      return "FILE_ALREADY_EXISTS"
    }
    return "FINISHED"
  }
}

/** The metadata object of a `.meta.json` upload, or `undefined` when it is missing or not a JSON object. */
const parseMeta = (meta: StoredFile | undefined): object | undefined => {
  if (meta?.meta === undefined) return undefined
  try {
    const value: unknown = JSON.parse(meta.meta)
    return Predicate.isRecord(value) ? value : undefined
  } catch {
    return undefined
  }
}
