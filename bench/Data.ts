/**
 * The files the upload scenarios send, generated on disk for the run and deleted after it.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { randomBytes } from "node:crypto"
import { uploadName } from "./Task.js"

/**
 * A set of files named as `Task.uploadPaths` expects.
 *
 * @since 0.1.0
 */
export interface FileSet {
  readonly dir: string
  readonly files: number
  readonly fileBytes: number
}

/** Random bytes, so that no layer on the way can compress or deduplicate them. */
const block = (bytes: number): Uint8Array => new Uint8Array(randomBytes(bytes))

/**
 * Writes `files` files of `fileBytes` random bytes each into `dir`; the directory is removed when the
 * scope closes.
 *
 * @since 0.1.0
 */
export const fileSet = Effect.fn("Data.fileSet")(function*(dir: string, files: number, fileBytes: number) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  yield* Effect.acquireRelease(
    fs.makeDirectory(dir, { recursive: true }),
    () => fs.remove(dir, { recursive: true }).pipe(Effect.ignore)
  )
  yield* Effect.forEach(
    Array.from({ length: files }, (_, i) => i),
    (i) => fs.writeFile(path.join(dir, uploadName(i)), block(fileBytes)),
    { concurrency: 16, discard: true }
  )
  return { dir, files, fileBytes } satisfies FileSet
})

/**
 * Writes one file of `bytes` bytes (1 MiB of random bytes, repeated) into `dir`, in 1 MiB writes so
 * that the generator never holds the file; the directory is removed when the scope closes.
 *
 * @since 0.1.0
 */
export const largeFile = Effect.fn("Data.largeFile")(function*(dir: string, bytes: number) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  yield* Effect.acquireRelease(
    fs.makeDirectory(dir, { recursive: true }),
    () => fs.remove(dir, { recursive: true }).pipe(Effect.ignore)
  )
  const chunk = block(Math.min(bytes, 1024 * 1024))
  yield* Effect.scoped(Effect.gen(function*() {
    const file = yield* fs.open(path.join(dir, uploadName(0)), { flag: "w" })
    for (let written = 0; written < bytes; written += chunk.length) {
      yield* file.writeAll(chunk.subarray(0, Math.min(chunk.length, bytes - written)))
    }
  }))
  return { dir, files: 1, fileBytes: bytes } satisfies FileSet
})
