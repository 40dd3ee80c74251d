/**
 * Shared pieces of the journal tests: one record of each type, arbitraries of records, and a file system
 * that counts and orders what reaches the disk.
 */
import { type Models, UploadJournal } from "@effect-deepset/sdk"
import { NodeFileSystem } from "@effect/platform-node"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"

export const at = DateTime.unsafeMake("2026-05-01T10:00:00.000Z")
export const expires = DateTime.unsafeMake("2026-05-02T10:00:00.000Z")
export const hashOf = (char: string) => char.repeat(64)

export const examples: ReadonlyArray<UploadJournal.JournalRecord> = [
  UploadJournal.RunStarted.make({ root: "/home/me/docs", workspace: "docs", at }),
  UploadJournal.SessionOpened.make({ sessionId: "s-1", workspace: "docs", writeMode: "KEEP", expiresAt: expires }),
  UploadJournal.Sending.make({
    key: "a/report.pdf",
    name: "report.pdf",
    sessionId: "s-1",
    size: 1234,
    mtimeMs: 1.5e12
  }),
  UploadJournal.Sent.make({
    key: "a/report.pdf",
    name: "report.pdf",
    sessionId: "s-1",
    size: 1234,
    mtimeMs: 1.5e12,
    sha256: hashOf("a"),
    metaSha256: hashOf("b")
  }),
  UploadJournal.Sending.make({ key: "notes", name: "notes.txt", sessionId: "s-1", size: 5 }),
  UploadJournal.Failed.make({
    key: "notes",
    sessionId: "s-1",
    error: { tag: "S3Error", message: "S3 refused \"notes.txt\" with 403 AccessDenied" }
  }),
  UploadJournal.Failed.make({ key: "bad name", error: { tag: "InvalidFileNameError", message: "reserved" } }),
  UploadJournal.Closed.make({ sessionId: "s-1" }),
  UploadJournal.Ingested.make({ sessionId: "s-1", name: "report.pdf", status: "FINISHED" }),
  UploadJournal.Ingested.make({ sessionId: "s-1", name: "empty.txt", status: "FAILED", reason: "EMPTY_FILE" }),
  UploadJournal.Finished.make({ at })
]

const text = FastCheck.string({ minLength: 1, maxLength: 12, unit: "grapheme" })
const hex = FastCheck.stringMatching(/^[0-9a-f]{64}$/)
const size = FastCheck.nat({ max: 2 ** 40 })
const mtime = FastCheck.option(FastCheck.double({ min: 0, max: 4e12, noNaN: true }), { nil: undefined })
const date = FastCheck.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => DateTime.unsafeMake(ms))
const opt = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })
const defined = <A extends object>(value: A): A =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as A

/** Any valid record (strings with any unicode, optional fields present or not). */
export const record: FastCheck.Arbitrary<UploadJournal.JournalRecord> = FastCheck.oneof(
  FastCheck.record({ root: FastCheck.string(), workspace: text, at: date }).map((r) =>
    UploadJournal.RunStarted.make(r)
  ),
  FastCheck.record({
    sessionId: text,
    workspace: text,
    writeMode: FastCheck.constantFrom<Models.WriteMode>(
      "KEEP",
      "OVERWRITE",
      "FAIL",
      "SOMETHING_NEW" as Models.WriteMode
    ),
    expiresAt: date
  }).map((r) => UploadJournal.SessionOpened.make(r)),
  FastCheck.record({ key: text, name: text, sessionId: text, size, mtimeMs: mtime }).map((r) =>
    UploadJournal.Sending.make(defined(r))
  ),
  FastCheck.record({ key: text, name: text, sessionId: text, size, mtimeMs: mtime, sha256: hex, metaSha256: opt(hex) })
    .map((r) => UploadJournal.Sent.make(defined(r))),
  FastCheck.record({
    key: text,
    sessionId: opt(text),
    error: FastCheck.record({ tag: FastCheck.string(), message: FastCheck.string() })
  }).map((r) => UploadJournal.Failed.make(defined(r))),
  FastCheck.record({ sessionId: text }).map((r) => UploadJournal.Closed.make(r)),
  FastCheck.record({
    sessionId: text,
    name: text,
    status: FastCheck.constantFrom<Models.IngestionStatus>("PENDING", "FAILED", "FINISHED"),
    reason: opt(FastCheck.constantFrom<Models.IngestionStatusReason>("EMPTY_FILE", "UNKNOWN_ERROR"))
  }).map((r) => UploadJournal.Ingested.make(defined(r))),
  date.map((d) => UploadJournal.Finished.make({ at: d }))
)

export const encode = (records: ReadonlyArray<UploadJournal.JournalRecord>): Uint8Array =>
  new TextEncoder().encode(records.map((r) => Effect.runSync(UploadJournal.encodeLine(r))).join(""))

/** What the counting file system saw: every write and every sync, in order, per path. */
export interface DiskLog {
  /** Bytes handed to `writeAll`, in order. */
  readonly written: Array<Uint8Array>
  /** For each completed sync: how many bytes had been written when it started. */
  readonly synced: Array<number>
  /** Total bytes written so far. */
  writtenBytes: number
  /** Bytes covered by the last completed sync. */
  durableBytes: number
  /** Makes the next sync fail. */
  failNextSync: boolean
}

/**
 * Node's file system, with files opened for append wrapped: each `sync` waits `syncDelay` (a slow disk)
 * and is counted, with the bytes written before it began.
 */
export const countingFileSystem = (log: DiskLog, syncDelay: number): Layer.Layer<FileSystem.FileSystem> =>
  Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (fs) =>
      FileSystem.make({
        ...fs,
        open: (path, options) =>
          Effect.map(fs.open(path, options), (file): FileSystem.File =>
            options?.flag !== "a" ? file : {
              [FileSystem.FileTypeId]: FileSystem.FileTypeId,
              fd: file.fd,
              stat: file.stat,
              seek: (offset, from) => file.seek(offset, from),
              read: (buffer) => file.read(buffer),
              readAlloc: (size) => file.readAlloc(size),
              truncate: (length) => file.truncate(length),
              write: (buffer) => file.write(buffer),
              writeAll: (buffer) =>
                Effect.tap(file.writeAll(buffer), () =>
                  Effect.sync(() => {
                    log.written.push(buffer.slice())
                    log.writtenBytes += buffer.length
                  })),
              sync: Effect.suspend(() => {
                const covered = log.writtenBytes
                if (log.failNextSync) {
                  log.failNextSync = false
                  return Effect.fail(
                    new PlatformError.SystemError({
                      reason: "Unknown",
                      module: "FileSystem",
                      method: "sync",
                      description: "injected EIO"
                    })
                  )
                }
                return file.sync.pipe(
                  Effect.zipRight(Effect.sleep(syncDelay)),
                  Effect.tap(() =>
                    Effect.sync(() => {
                      log.synced.push(covered)
                      log.durableBytes = covered
                    })
                  )
                )
              })
            })
      }))
  ).pipe(Layer.provide(NodeFileSystem.layer))

export const newLog = (): DiskLog => ({
  written: [],
  synced: [],
  writtenBytes: 0,
  durableBytes: 0,
  failNextSync: false
})
