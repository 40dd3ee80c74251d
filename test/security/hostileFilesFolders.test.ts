/**
 * Folders as they are (issue 13, "Folders as they are"): a symbolic link loop, a dangling link, a link
 * out of the upload root, a sub-folder that cannot be read, a FIFO, a unix socket and a link to a device
 * found in a folder are each one `skipped` entry of the report, with the reason, and the other files go.
 * None of them refuses the run, none is silent, and nothing outside the folder is read unless
 * `followSymlinks` says so.
 *
 * Real files in a temporary folder, uploaded to the emulator. The sub-folder made unreadable with
 * `chmod 000` is skipped as root (root reads anything); a file system that answers `EACCES` when the
 * folder is listed stands in for it always.
 *
 * Reproduce: pnpm vitest run test/security/hostileFilesFolders.test.ts
 */
import { Upload, UploadEvent, UploadReport, UploadSource } from "@effect-deepset/sdk"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import * as Net from "node:net"
import * as UploadChecks from "../reliability/support/UploadChecks.js"

const isRoot = process.getuid?.() === 0

/** The report's entries as `[input relative to dir, status, skip reason]`. */
const outcomes = (report: UploadReport.UploadReport, dir: string) =>
  report.files.map((f) => [f.input.slice(dir.length + 1), f.status, f.skipReason])

/** A unix socket bound at `path` while the scope is open (the file goes when the server closes). */
const socketAt = (path: string) =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const server = Net.createServer()
      server.listen(path, () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

/**
 * A folder with three ordinary files (`a.txt`, `z.txt`, `sub/b.txt`) and one of each hostile entry, and
 * a second folder outside it holding `secret.txt`.
 */
const hostileFolder = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "folder-" })
  const outside = yield* fs.makeTempDirectoryScoped({ prefix: "outside-" })
  yield* fs.writeFileString(`${outside}/secret.txt`, "not for upload")
  yield* fs.writeFileString(`${dir}/a.txt`, "ordinary a")
  yield* fs.writeFileString(`${dir}/z.txt`, "ordinary z")
  yield* fs.makeDirectory(`${dir}/sub`)
  yield* fs.writeFileString(`${dir}/sub/b.txt`, "ordinary b")
  // A link to itself (ELOOP), and one to the folder above it (a loop by real path).
  yield* fs.symlink(`${dir}/loop`, `${dir}/loop`)
  yield* fs.symlink("..", `${dir}/sub/up`)
  yield* fs.symlink(`${dir}/missing.txt`, `${dir}/dangling.txt`)
  yield* fs.symlink(`${outside}/secret.txt`, `${dir}/escape.txt`)
  yield* fs.symlink("/dev/zero", `${dir}/zero`)
  yield* Effect.sync(() => execFileSync("mkfifo", [`${dir}/pipe`]))
  // A companion beside the FIFO goes with it: skipped too, and no "companion without its document".
  yield* fs.writeFileString(`${dir}/pipe.meta.json`, "{}")
  yield* socketAt(`${dir}/sock`)
  return { dir, outside }
})

/** What every run of the hostile folder reports, in input order, apart from the two outside links. */
const expected = (outside: ReadonlyArray<readonly [string, string, string | undefined]>) => [
  ["a.txt", "uploaded", undefined],
  ["dangling.txt", "skipped", "dangling symbolic link"],
  outside[0]!,
  ["loop", "skipped", "symbolic link loop"],
  ["pipe", "skipped", "not a regular file: FIFO"],
  ["sock", "skipped", "not a regular file: socket"],
  ["sub/b.txt", "uploaded", undefined],
  ["sub/up", "skipped", "symbolic link loop"],
  ["z.txt", "uploaded", undefined],
  outside[1]!
]

describe("hostile entries in folders (Upload.paths)", () => {
  it.layer(UploadChecks.layer())((it) => {
    it.scoped("each is skipped once with its reason, links out of the folder are not followed, the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const { dir } = yield* hostileFolder
        const report = yield* Upload.paths(dir, { recursive: true })
        assert.deepStrictEqual(
          outcomes(report, dir),
          expected([
            ["escape.txt", "skipped", "symbolic link outside the upload root"],
            ["zero", "skipped", "symbolic link outside the upload root"]
          ])
        )
        assert.strictEqual(report.uploaded, 3)
        assert.strictEqual(report.skipped, 7)
        assert.strictEqual(report.failed, 0)
        assert.strictEqual(report.uploaded + report.failed + report.skipped, report.total)
        assert.isTrue(report.ok, "skipped entries are not failures")
        // The skipped FIFO took its companion along: nothing of it was sent.
        assert.deepStrictEqual(yield* UploadChecks.storedNames, ["a.txt", "b.txt", "z.txt"])
        yield* UploadChecks.assertSessionsClosed(report)
        // One session, for the three files sent; skipped entries are in none.
        assert.strictEqual(report.sessions.length, 1)
        assert.strictEqual(report.sessions[0]!.files, 3)
      }))

    it.scoped("followSymlinks follows links anywhere: the file outside is uploaded, the device is skipped", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const { dir } = yield* hostileFolder
        const report = yield* Upload.paths(dir, { recursive: true, followSymlinks: true })
        assert.deepStrictEqual(
          outcomes(report, dir),
          expected([
            ["escape.txt", "uploaded", undefined],
            ["zero", "skipped", "not a regular file: character device"]
          ])
        )
        assert.deepStrictEqual(yield* UploadChecks.storedNames, ["a.txt", "b.txt", "escape.txt", "z.txt"])
      }))

    it.scoped("without recursive, sub-folders and links to folders are left out as before; the rest is skipped", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const { dir } = yield* hostileFolder
        const report = yield* Upload.paths(dir)
        assert.deepStrictEqual(
          outcomes(report, dir),
          expected([
            ["escape.txt", "skipped", "symbolic link outside the upload root"],
            ["zero", "skipped", "symbolic link outside the upload root"]
          ]).filter(([input]) => !input!.startsWith("sub/"))
        )
      }))

    it.scoped("each skipped entry is one FileSkipped event, and the events fold to the same report as Done", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const { dir } = yield* hostileFolder
        const sources = yield* UploadSource.fromPaths(dir, { recursive: true })
        assert.deepStrictEqual(
          sources.filter(UploadSource.isSkipped).map((s) => s.name.slice(dir.length + 1)),
          ["dangling.txt", "escape.txt", "loop", "pipe", "sock", "sub/up", "zero"]
        )
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Upload.events(sources)))
        const skipped = events.filter(UploadEvent.$is("FileSkipped"))
        assert.deepStrictEqual(
          skipped.map((e) => [e.index, e.input.slice(dir.length + 1), e.reason]),
          [
            [1, "dangling.txt", "dangling symbolic link"],
            [2, "escape.txt", "symbolic link outside the upload root"],
            [3, "loop", "symbolic link loop"],
            [4, "pipe", "not a regular file: FIFO"],
            [5, "sock", "not a regular file: socket"],
            [7, "sub/up", "symbolic link loop"],
            [9, "zero", "symbolic link outside the upload root"]
          ]
        )
        assert.strictEqual(events.at(-1)?._tag, "Done")
        assert.strictEqual(UploadReport.fromEvents(events).skipped, 7)
      }))

    it.scoped.skipIf(isRoot)(
      "a sub-folder without read permission (chmod 000) is skipped, and the others go",
      () =>
        Effect.gen(function*() {
          yield* UploadChecks.freshStart
          const fs = yield* FileSystem.FileSystem
          const dir = yield* fs.makeTempDirectoryScoped()
          yield* fs.writeFileString(`${dir}/a.txt`, "ordinary a")
          yield* fs.makeDirectory(`${dir}/locked`)
          yield* fs.writeFileString(`${dir}/locked/secret.txt`, "secret")
          yield* fs.chmod(`${dir}/locked`, 0o000)
          yield* Effect.addFinalizer(() => Effect.orDie(fs.chmod(`${dir}/locked`, 0o700)))
          const report = yield* Upload.paths(dir, { recursive: true })
          assert.deepStrictEqual(outcomes(report, dir), [
            ["a.txt", "uploaded", undefined],
            ["locked", "skipped", "permission denied reading folder"]
          ])
          assert.deepStrictEqual(yield* UploadChecks.storedNames, ["a.txt"])
        })
    )

    it.scoped("a sub-folder the file system refuses to list (EACCES) is skipped, and the others go", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(`${dir}/a.txt`, "ordinary a")
        yield* fs.makeDirectory(`${dir}/locked`)
        yield* fs.writeFileString(`${dir}/locked/secret.txt`, "secret")
        yield* fs.makeDirectory(`${dir}/open`)
        yield* fs.writeFileString(`${dir}/open/b.txt`, "ordinary b")
        const locked = `${dir}/locked`
        const refusing = FileSystem.FileSystem.of({
          ...fs,
          readDirectory: (path, options) =>
            path === locked
              ? Effect.fail(
                new PlatformError.SystemError({
                  reason: "PermissionDenied",
                  module: "FileSystem",
                  method: "readDirectory",
                  pathOrDescriptor: path,
                  description: `EACCES: permission denied, scandir '${path}'`
                })
              )
              : fs.readDirectory(path, options)
        })
        const report = yield* Upload.paths(dir, { recursive: true }).pipe(
          Effect.provideService(FileSystem.FileSystem, refusing)
        )
        assert.deepStrictEqual(outcomes(report, dir), [
          ["a.txt", "uploaded", undefined],
          ["locked", "skipped", "permission denied reading folder"],
          ["open/b.txt", "uploaded", undefined]
        ])
        assert.deepStrictEqual(yield* UploadChecks.storedNames, ["a.txt", "b.txt"])
      }))

    it.scoped("paths named explicitly keep their rules: a missing one or a dangling link refuses the run", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(`${dir}/a.txt`, "ordinary a")
        yield* fs.symlink(`${dir}/gone.txt`, `${dir}/dangling.txt`)
        yield* fs.symlink(`${dir}/loop`, `${dir}/loop`)
        const error = yield* Effect.flip(
          Upload.paths([`${dir}/a.txt`, `${dir}/missing.txt`, `${dir}/dangling.txt`, `${dir}/loop`])
        )
        assert.strictEqual(error._tag, "InvalidSourcesError")
        if (error._tag === "InvalidSourcesError") {
          assert.deepStrictEqual(error.errors.map((e) => e.message), [
            `Cannot read ${dir}/missing.txt: no such file or directory`,
            `Cannot read ${dir}/dangling.txt: dangling symbolic link`,
            `Cannot read ${dir}/loop: symbolic link loop`
          ])
        }
        assert.deepStrictEqual(yield* UploadChecks.storedNames, [])
      }))

    it.scoped("a source built with UploadSource.skipped is reported, not sent, also as a Stream", () =>
      Effect.gen(function*() {
        yield* UploadChecks.freshStart
        const sources = [
          { name: "a.txt", body: "a" },
          UploadSource.skipped("/data/pipe", "not a regular file: FIFO"),
          { name: "b.txt", body: "b" }
        ]
        for (const input of [sources, Stream.fromIterable(sources)]) {
          const report = yield* Upload.files(input)
          assert.deepStrictEqual(report.files.map((f) => [f.name, f.status, f.skipReason]), [
            ["a.txt", "uploaded", undefined],
            ["/data/pipe", "skipped", "not a regular file: FIFO"],
            ["b.txt", "uploaded", undefined]
          ])
        }
      }))
  })
})
