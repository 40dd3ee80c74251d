import * as Page from "./page.js"

/** @internal */
export type WriteMode = "KEEP" | "OVERWRITE" | "FAIL"

/** @internal */
export const writeModes: ReadonlyArray<WriteMode> = ["KEEP", "OVERWRITE", "FAIL"]

/** @internal */
export type FailureReason = "EMPTY_FILE" | "FILE_NOT_FOUND" | "FAILED_TO_PARSE_META" | "FILE_ALREADY_EXISTS"

/** @internal */
export type Outcome = "FINISHED" | FailureReason

/** @internal */
export type IngestionStatus = "PENDING" | "FAILED" | "FINISHED"

/** @internal */
export const ingestionStatuses: ReadonlyArray<IngestionStatus> = ["PENDING", "FAILED", "FINISHED"]

/** @internal */
export type SessionState = "OPEN" | "CLOSED" | "EXPIRED"

/** The suffix that makes an upload the metadata companion of the document named without it. @internal */
export const metaSuffix = ".meta.json"

/**
 * One object stored in a session. A second upload under the same key replaces the object but keeps
 * its id and its place in the order, as the id is what cursors point at.
 *
 * @internal
 */
export interface StoredFile {
  readonly id: string
  readonly sessionId: string
  readonly workspace: string
  readonly name: string
  readonly key: string
  readonly isMeta: boolean
  size: number
  sha256: string
  md5: string
  /**
   * Where the object's bytes are (or go, while they are held in `bytes`); `undefined` for a
   * seeded document, which has no bytes.
   */
  path: string | undefined
  /**
   * The object's bytes while they are held in memory: small uploads are written to `path` only
   * when someone asks where they are, which spares each upload its file I/O.
   */
  bytes: Uint8Array | undefined
  /** The text of a metadata file, kept when it is small enough; `undefined` otherwise. */
  meta: string | undefined
  uploadedAt: number
}

/** @internal */
export interface ListedFile {
  readonly file: StoredFile
  readonly outcome: Outcome
}

/**
 * How many files a session with parallel processing ingests at a time: a few, as the service's
 * option promises a faster ingestion, not an unbounded one.
 *
 * @internal
 */
export const parallelIngestion = 4

/**
 * The ingestion of a closed or expired session, decided once when it starts and revealed over time:
 * the item at position i settles at `startedAt + (floor(i / concurrency) + 1) * delay` (one at a time,
 * or `parallelIngestion` at a time with parallel processing), so the settled items are always a prefix
 * of the listing and every count is a lookup.
 *
 * @internal
 */
export interface Ingestion {
  readonly startedAt: number
  readonly delay: number
  /** How many items settle per `delay`. */
  readonly concurrency: number
  readonly items: ReadonlyArray<ListedFile>
  readonly positionById: ReadonlyMap<string, number>
  readonly finished: ReadonlyArray<number>
  readonly failed: ReadonlyArray<number>
  /** `finishedBefore[i]` = how many of the first i items finished; same for `failedBefore`. */
  readonly finishedBefore: Int32Array
  readonly failedBefore: Int32Array
}

/** When the item at `position` of an ingestion settles. @internal */
export const settlesAt = (
  ingestion: Pick<Ingestion, "startedAt" | "delay" | "concurrency">,
  position: number
): number => ingestion.startedAt + (Math.floor(position / ingestion.concurrency) + 1) * ingestion.delay

/** @internal */
export class Session {
  state: SessionState = "OPEN"
  endedAt: number | undefined = undefined
  ingestion: Ingestion | undefined = undefined
  /** Every upload by name, in order of first upload. */
  readonly uploads = new Map<string, StoredFile>()
  /** The documents (not metadata) while the session is open: what `getFiles` lists then. */
  readonly documents: Array<StoredFile> = []
  readonly documentPosition = new Map<string, number>()

  constructor(
    readonly id: string,
    readonly workspace: string,
    readonly writeMode: WriteMode,
    readonly createdAt: number,
    readonly expiresAt: number,
    readonly createdBy: string,
    /** `parallel_processing_enabled` as given on create: ingest a few files at a time. */
    readonly parallelProcessing: boolean = false
  ) {}

  status(now: number): SessionState {
    return this.state === "OPEN" && now >= this.expiresAt ? "EXPIRED" : this.state
  }

  /** How many items of the ingestion have settled at `now`. */
  settled(now: number): number {
    const ingestion = this.ingestion
    if (ingestion === undefined) return 0
    const n = ingestion.items.length
    if (ingestion.delay <= 0) return now >= ingestion.startedAt ? n : 0
    const rounds = Math.floor((now - ingestion.startedAt) / ingestion.delay)
    return Math.max(0, Math.min(n, rounds * ingestion.concurrency))
  }

  counts(now: number): { readonly finished: number; readonly failed: number } {
    const ingestion = this.ingestion
    if (ingestion === undefined) return { finished: 0, failed: 0 }
    const r = this.settled(now)
    return { finished: ingestion.finishedBefore[r]!, failed: ingestion.failedBefore[r]! }
  }

  /** The position of a listed file in the current order, for cursors. */
  positionOf(fileId: string): number | undefined {
    return this.ingestion === undefined ? this.documentPosition.get(fileId) : this.ingestion.positionById.get(fileId)
  }

  /** The positions that `getFiles` lists at `now`, optionally only those in one ingestion status. */
  files(now: number, status: IngestionStatus | undefined): Page.View {
    const ingestion = this.ingestion
    if (ingestion === undefined) {
      return Page.range(0, status === undefined || status === "PENDING" ? this.documents.length : 0)
    }
    const n = ingestion.items.length
    const r = this.settled(now)
    switch (status) {
      case undefined:
        return Page.range(0, n)
      case "PENDING":
        return Page.range(r, n)
      case "FINISHED":
        return Page.subset(ingestion.finished, ingestion.finishedBefore[r]!)
      case "FAILED":
        return Page.subset(ingestion.failed, ingestion.failedBefore[r]!)
    }
  }

  /** What `getFiles` shows of the file at `position` at `now`. */
  fileAt(now: number, position: number): SessionFileView {
    const ingestion = this.ingestion
    if (ingestion === undefined) return pendingView(this.documents[position]!)
    const item = ingestion.items[position]!
    return position < this.settled(now) ? settledView(item) : pendingView(item.file)
  }
}

/** What `getFiles` shows of one file. @internal */
export interface SessionFileView {
  readonly name: string
  readonly fileIngestionId: string
  readonly status: IngestionStatus
  readonly reason: FailureReason | undefined
}

const pendingView = (file: StoredFile): SessionFileView => ({
  name: file.name,
  fileIngestionId: file.id,
  status: "PENDING",
  reason: undefined
})

const settledView = (item: ListedFile): SessionFileView => ({
  name: item.file.name,
  fileIngestionId: item.file.id,
  status: item.outcome === "FINISHED" ? "FINISHED" : "FAILED",
  reason: item.outcome === "FINISHED" ? undefined : item.outcome
})
