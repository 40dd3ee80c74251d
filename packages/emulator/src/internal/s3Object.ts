import type { PlatformError } from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { createHash, type Hash } from "node:crypto"
import type { EmulatorRuntime } from "./runtime.js"

/**
 * The file of an S3 upload as it arrives: counted and hashed chunk by chunk, and gathered in
 * memory up to `bufferLimit`. A file that never outgrows that buffer is kept in memory (up to
 * `memoryBudget` for all such files together) and written under the storage folder only when
 * someone asks where it is, which spares small uploads their file I/O; a larger one goes to disk
 * one write per `bufferLimit`, the next chunk being read only once a write is done.
 *
 * @internal
 */
export interface Target {
  readonly sessionId: string
  readonly name: string
  readonly key: string
  readonly minSize: number
  readonly maxSize: number
}

/** How much of a file is gathered before it goes to disk. */
const bufferLimit = 256 * 1024

/** How many bytes of small files may wait in memory, in all, before they go to disk. */
const memoryBudget = 64 * 1024 * 1024

/** Only `.meta.json` files up to this size are kept as text, as ingestion reads them. */
const maxMetaText = 1024 * 1024

/** @internal */
export class S3Object {
  size = 0
  /** More than the policy's size range allows arrived; the rest is only counted. */
  overflow = false
  readonly sha256: Hash = createHash("sha256")
  readonly md5: Hash = createHash("md5")
  private metaChunks: Array<Uint8Array> | undefined
  private buffered: Array<Uint8Array> = []
  private bufferedBytes = 0
  /** Open once the file outgrew the buffer; it lives in `scope`. */
  private file: FileSystem.File | undefined = undefined
  private scope: Scope.CloseableScope | undefined = undefined
  /** Whether anything was written at `path`, which must go if the upload is not stored. */
  onDisk = false

  constructor(readonly target: Target, readonly path: string, isMeta: boolean) {
    this.metaChunks = isMeta ? [] : undefined
  }

  /** Counts, hashes and gathers a piece of the file. */
  receive(chunk: Uint8Array): void {
    this.size += chunk.length
    if (this.overflow || this.size > this.target.maxSize) {
      this.overflow = true
      this.buffered = []
      this.bufferedBytes = 0
      return
    }
    this.sha256.update(chunk)
    this.md5.update(chunk)
    if (this.metaChunks !== undefined) {
      if (this.size <= maxMetaText) this.metaChunks.push(chunk)
      else this.metaChunks = undefined
    }
    this.buffered.push(chunk)
    this.bufferedBytes += chunk.length
  }

  /** The text of a `.meta.json` file small enough to keep. */
  get meta(): string | undefined {
    return this.metaChunks === undefined ? undefined : Buffer.concat(this.metaChunks).toString("utf8")
  }

  /** Whether the gathered bytes are due to go to disk before more is read. */
  get full(): boolean {
    return this.bufferedBytes >= bufferLimit
  }

  /** Writes what is gathered to the file, opening it first. */
  flush(runtime: EmulatorRuntime): Effect.Effect<void, PlatformError> {
    return Effect.gen(this, function*() {
      const bytes = this.gather()
      if (this.file === undefined) {
        this.onDisk = true
        this.scope = yield* Scope.make()
        this.file = yield* Scope.extend(runtime.fs.open(this.path, { flag: "w" }), this.scope)
      }
      yield* this.file.writeAll(bytes)
    })
  }

  /**
   * Settles where the complete file lives: `bytes` to keep in memory when it fits, otherwise an
   * effect that puts the rest on disk.
   */
  finish(
    runtime: EmulatorRuntime
  ): { readonly bytes: Uint8Array } | { readonly write: Effect.Effect<void, PlatformError> } {
    if (this.file === undefined && runtime.store.memoryBytes + this.bufferedBytes <= memoryBudget) {
      return { bytes: this.gather() }
    }
    if (this.file === undefined) {
      this.onDisk = true
      return { write: runtime.fs.writeFile(this.path, this.gather()) }
    }
    return { write: this.bufferedBytes > 0 ? this.flush(runtime) : Effect.void }
  }

  /** Closes the file if one is open. */
  get close(): Effect.Effect<void> {
    return this.scope === undefined ? Effect.void : Scope.close(this.scope, Exit.void)
  }

  /** What is gathered, copied into one buffer of its own, so that no socket buffer outlives the request. */
  private gather(): Uint8Array {
    const bytes = new Uint8Array(this.bufferedBytes)
    let offset = 0
    for (const chunk of this.buffered) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    this.buffered = []
    this.bufferedBytes = 0
    return bytes
  }
}
