/**
 * Hostile files on disk (issue 7, item 4): an unreadable file, a directory passed as a file, and a file
 * that changes size while it is being sent are each a clear per-file failure in the report
 * (`SourceReadError`, saying which file and why), nothing of them is stored, and the other files still go.
 *
 * - Unreadable: `chmod 000` where the tests do not run as root (root reads anything); as root, and always,
 *   a file that disappears between listing (`UploadSource.fromPaths`) and reading, and a file system that
 *   answers `EACCES` on reading a file that `stat` still sees (which is what `chmod 000` gives a non-root user).
 * - A file that grows or shrinks mid-stream: files above 256 KiB are streamed from an open handle, one
 *   `chunkSize` (2 MiB) at a time; the file system is wrapped so that the file really changes on disk right after the first
 *   chunk is read, which makes "mid-stream" deterministic. A torn upload must not be stored.
 * - A stream source that gives more or fewer bytes than it declared, and a named pipe given as a file.
 *
 * Reproduce: pnpm vitest run test/security/hostileFilesDisk.test.ts
 */
import { Emulator } from "@effect-deepset/emulator"
import { Upload, type UploadReport, UploadSource } from "@effect-deepset/sdk"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import * as Source from "../../packages/sdk/src/internal/source.js"
import * as UploadChecks from "../reliability/support/UploadChecks.js"

const isRoot = process.getuid?.() === 0

/** The report's entries as `[name, status, error tag]`, and each failure's message. */
const outcomes = (report: UploadReport.UploadReport) => report.files.map((f) => [f.name, f.status, f.error?.tag])
const messageOf = (report: UploadReport.UploadReport, name: string) =>
  report.files.find((f) => f.name === name)?.error?.message ?? ""

/** Writes the ordinary files that must still go whatever happens to the hostile one. */
const ordinary = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    for (const name of ["before.txt", "after.txt"]) yield* fs.writeFileString(path.join(dir, name), `ordinary ${name}`)
    return { before: path.join(dir, "before.txt"), after: path.join(dir, "after.txt") }
  })

/** The stored names, and that each session was closed and nothing stored sits under an unsafe key. */
const stored = Effect.zipLeft(UploadChecks.storedNames, UploadChecks.assertSessionsClosed(undefined))

/**
 * A file as the SDK opened it, but with `change` run on disk right after the first chunk is read: the file
 * changes mid-stream, as when another program writes it during the upload.
 */
const changingAfterFirstRead = (file: FileSystem.File, change: Effect.Effect<void, PlatformError.PlatformError>) => {
  let reads = 0
  const wrapped: FileSystem.File = {
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    fd: file.fd,
    get stat() {
      return file.stat
    },
    get sync() {
      return file.sync
    },
    seek: (offset, from) => file.seek(offset, from),
    read: (buffer) => file.read(buffer),
    readAlloc: (size) => Effect.tap(file.readAlloc(size), () => ++reads === 1 ? change : Effect.void),
    truncate: (length) => file.truncate(length),
    write: (buffer) => file.write(buffer),
    writeAll: (buffer) => file.writeAll(buffer)
  }
  return wrapped
}

/** The file system, with `target` changing mid-stream (see above) whenever it is opened. */
const changing = (
  fs: FileSystem.FileSystem,
  target: string,
  change: Effect.Effect<void, PlatformError.PlatformError>
) =>
  FileSystem.FileSystem.of({
    ...fs,
    open: (path, options) =>
      Effect.map(fs.open(path, options), (file) => path === target ? changingAfterFirstRead(file, change) : file)
  })

/** The file system, answering `EACCES` when `target` is read, as for a file whose mode is 000. */
const unreadable = (fs: FileSystem.FileSystem, target: string) => {
  const denied = (method: string) =>
    new PlatformError.SystemError({
      reason: "PermissionDenied",
      module: "FileSystem",
      method,
      pathOrDescriptor: target,
      description: `EACCES: permission denied, open '${target}'`
    })
  return FileSystem.FileSystem.of({
    ...fs,
    readFile: (path) => path === target ? Effect.fail(denied("readFile")) : fs.readFile(path),
    open: (path, options) => path === target ? Effect.fail(denied("open")) : fs.open(path, options)
  })
}

describe("hostile files on disk", () => {
  it.layer(UploadChecks.layer())((it) => {
    it.scoped.skipIf(isRoot)(
      "a file without read permission (chmod 000) fails alone, and the others go",
      () =>
        Effect.gen(function*() {
          yield* UploadChecks.freshStart
          const fs = yield* FileSystem.FileSystem
          const dir = yield* fs.makeTempDirectoryScoped()
          yield* ordinary(dir)
          yield* fs.writeFileString(`${dir}/locked.txt`, "secret")
          yield* fs.chmod(`${dir}/locked.txt`, 0o000)
          const report = yield* Upload.paths(dir)
          assert.deepStrictEqual(outcomes(report), [
            ["after.txt", "uploaded", undefined],
            ["before.txt", "uploaded", undefined],
            ["locked.txt", "failed", "SourceReadError"]
          ])
          assert.match(messageOf(report, "locked.txt"), /locked\.txt: permission denied/)
          assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt"])
        })
    )

    it.scoped("a file that cannot be read (EACCES though stat sees it) fails alone with the reason, and the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const { after, before } = yield* ordinary(dir)
        const small = `${dir}/locked.txt`
        const large = `${dir}/locked-large.bin`
        yield* fs.writeFileString(small, "secret")
        yield* fs.writeFile(large, new Uint8Array(600 * 1024))
        const sources = [before, small, large, after].map((path) => UploadSource.fromPath(path))
        const report = yield* Upload.files(sources).pipe(
          Effect.provideService(FileSystem.FileSystem, unreadable(unreadable(fs, small), large))
        )
        assert.deepStrictEqual(outcomes(report), [
          ["before.txt", "uploaded", undefined],
          ["locked.txt", "failed", "SourceReadError"],
          ["locked-large.bin", "failed", "SourceReadError"],
          ["after.txt", "uploaded", undefined]
        ])
        assert.strictEqual(messageOf(report, "locked.txt"), `Cannot read ${small}: permission denied`)
        assert.strictEqual(messageOf(report, "locked-large.bin"), `Cannot read ${large}: permission denied`)
        assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt"])
      }))

    it.scoped("a file that disappears between listing and reading fails alone, and the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* ordinary(dir)
        yield* fs.writeFileString(`${dir}/gone.txt`, "here when listed")
        yield* fs.writeFileString(`${dir}/gone.txt.meta.json`, "{}")
        const sources = yield* UploadSource.fromPaths(dir)
        yield* fs.remove(`${dir}/gone.txt`)
        const report = yield* Upload.files(sources)
        assert.deepStrictEqual(outcomes(report), [
          ["after.txt", "uploaded", undefined],
          ["before.txt", "uploaded", undefined],
          ["gone.txt", "failed", "SourceReadError"]
        ])
        assert.strictEqual(messageOf(report, "gone.txt"), `Cannot read ${dir}/gone.txt: no such file or directory`)
        // Its companion went first, as companions do, and the report says so.
        assert.strictEqual(report.files[2]!.metaUploaded, true)
        assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt", "gone.txt.meta.json"])
      }))

    it.scoped("a directory passed as a file, or as a companion, fails alone, and the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const { after, before } = yield* ordinary(dir)
        yield* fs.makeDirectory(`${dir}/folder.pdf`)
        const report = yield* Upload.files([
          UploadSource.fromPath(before),
          UploadSource.fromPath(`${dir}/folder.pdf`),
          { name: "with-folder-meta.txt", body: "document", meta: UploadSource.rawMeta({ path: `${dir}/folder.pdf` }) },
          UploadSource.fromPath(after)
        ])
        assert.deepStrictEqual(outcomes(report), [
          ["before.txt", "uploaded", undefined],
          ["folder.pdf", "failed", "SourceReadError"],
          ["with-folder-meta.txt", "failed", "SourceReadError"],
          ["after.txt", "uploaded", undefined]
        ])
        assert.strictEqual(messageOf(report, "folder.pdf"), `Cannot read ${dir}/folder.pdf: it is a directory`)
        assert.strictEqual(
          messageOf(report, "with-folder-meta.txt"),
          `Cannot read ${dir}/folder.pdf: it is a directory`
        )
        assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt"])
      }))

    it.scoped("a named pipe passed as a file fails alone at once (reading it would block forever), and the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const { after, before } = yield* ordinary(dir)
        const fifo = `${dir}/pipe.txt`
        yield* Effect.sync(() => execFileSync("mkfifo", [fifo]))
        const report = yield* Upload.paths([before, fifo, after])
        assert.deepStrictEqual(outcomes(report), [
          ["before.txt", "uploaded", undefined],
          ["pipe.txt", "failed", "SourceReadError"],
          ["after.txt", "uploaded", undefined]
        ])
        assert.strictEqual(messageOf(report, "pipe.txt"), `Cannot read ${fifo}: it is not a regular file (FIFO)`)
        assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt"])
      }))

    const sizeChanges: ReadonlyArray<
      readonly [
        how: string,
        change: (fs: FileSystem.FileSystem, path: string) => Effect.Effect<void, PlatformError.PlatformError>
      ]
    > = [
      ["grows", (fs, path) => fs.writeFile(path, new Uint8Array(4096), { flag: "a" })],
      ["shrinks", (fs, path) => fs.truncate(path, 4096)]
    ]
    // Three read chunks: the change lands after the first, with two still to come.
    const bytes = 3 * Source.chunkSize
    for (const [how, change] of sizeChanges) {
      it.scoped(`a file that ${how} mid-stream fails alone, nothing torn is stored, and the others go`, () =>
        Effect.gen(function*() {
          yield* UploadChecks.freshStart
          const emulator = yield* Emulator.Emulator
          const fs = yield* FileSystem.FileSystem
          const dir = yield* fs.makeTempDirectoryScoped()
          const { after, before } = yield* ordinary(dir)
          const target = `${dir}/changing.bin`
          yield* fs.writeFile(target, new Uint8Array(bytes).fill(7))
          const report = yield* Upload.files(
            [before, target, after].map((path) => UploadSource.fromPath(path)),
            { concurrency: 1 }
          ).pipe(Effect.provideService(FileSystem.FileSystem, changing(fs, target, change(fs, target))))
          assert.deepStrictEqual(outcomes(report), [
            ["before.txt", "uploaded", undefined],
            ["changing.bin", "failed", "SourceReadError"],
            ["after.txt", "uploaded", undefined]
          ])
          assert.strictEqual(
            messageOf(report, "changing.bin"),
            `Cannot read ${target}: its size changed while it was being sent (it had ${bytes} bytes when opened)`
          )
          assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt"])
          // The torn body did reach S3, which refused to store it; it was not retried.
          const s3 = (yield* emulator.requests).filter((r) => r.route === "s3")
          assert.strictEqual(s3.length, 3)
        }))
    }

    it.effect("a stream that gives more or fewer bytes than it declared fails alone, and the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const ten = new Uint8Array(10).fill(1)
        const report = yield* Upload.files([
          { name: "before.txt", body: "ordinary" },
          { name: "short.bin", body: { stream: Stream.make(ten), size: 20 } },
          { name: "long.bin", body: { stream: Stream.make(ten, ten), size: 15 } },
          { name: "broken.bin", body: { stream: Stream.concat(Stream.make(ten), Stream.fail("disk gone")), size: 20 } },
          { name: "after.txt", body: "ordinary" }
        ], { concurrency: 1 })
        assert.deepStrictEqual(outcomes(report), [
          ["before.txt", "uploaded", undefined],
          ["short.bin", "failed", "SourceReadError"],
          ["long.bin", "failed", "SourceReadError"],
          ["broken.bin", "failed", "SourceReadError"],
          ["after.txt", "uploaded", undefined]
        ])
        assert.match(messageOf(report, "short.bin"), /declared as 20 bytes but gave 10/)
        assert.match(messageOf(report, "long.bin"), /declared as 15 bytes but gave 20/)
        assert.match(messageOf(report, "broken.bin"), /the stream failed: disk gone/)
        assert.deepStrictEqual(yield* stored, ["after.txt", "before.txt"])
      }))
  })
})
