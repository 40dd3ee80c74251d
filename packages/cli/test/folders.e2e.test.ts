/**
 * `deepset-upload --recursive` on a folder as it is (issue 13, "Folders as they are"): a symbolic link
 * loop, a dangling link, a link out of the folder, a FIFO, a unix socket and a link to /dev/zero are each
 * one `skipped` line with its reason, the other files land, and the exit code is 0 (skipped entries are
 * not failures). `--follow-symlinks` follows the link out of the folder.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as Net from "node:net"
import * as CliProcess from "./support/CliProcess.js"

// Each test starts Node with tsx; on a loaded machine one start can take seconds.
const timeout = 180_000

/** A unix socket bound at `path` while the scope is open. */
const socketAt = (path: string) =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const server = Net.createServer()
      server.listen(path, () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const hostileFolder = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "cli-folder-" })
  const outside = yield* fs.makeTempDirectoryScoped({ prefix: "cli-outside-" })
  yield* fs.writeFileString(`${outside}/secret.txt`, "outside the folder")
  yield* fs.writeFileString(`${dir}/a.txt`, "ordinary a")
  yield* fs.makeDirectory(`${dir}/sub`)
  yield* fs.writeFileString(`${dir}/sub/b.txt`, "ordinary b")
  yield* fs.symlink(`${dir}/loop`, `${dir}/loop`)
  yield* fs.symlink("..", `${dir}/sub/up`)
  yield* fs.symlink(`${dir}/missing.txt`, `${dir}/dangling.txt`)
  yield* fs.symlink(`${outside}/secret.txt`, `${dir}/escape.txt`)
  yield* fs.symlink("/dev/zero", `${dir}/zero`)
  yield* Effect.sync(() => execFileSync("mkfifo", [`${dir}/pipe`]))
  yield* socketAt(`${dir}/sock`)
  return dir
})

describe("deepset-upload on a folder with hostile entries (child process)", () => {
  it.scoped(
    "each is one skipped line with its reason, the other files land, exit code 0",
    () =>
      Effect.gen(function*() {
        const dir = yield* hostileFolder
        const result = yield* CliProcess.run(["--emulator", "--recursive", dir])
        assert.strictEqual(result.exitCode, 0, `${result.stdout}\n${result.stderr}`)
        const lines = result.stdout.split("\n")
        const skippedLines = lines.filter((line) => line.startsWith("skipped  "))
        assert.deepStrictEqual(skippedLines, [
          `skipped  ${dir}/dangling.txt: dangling symbolic link`,
          `skipped  ${dir}/escape.txt: symbolic link outside the upload root`,
          `skipped  ${dir}/loop: symbolic link loop`,
          `skipped  ${dir}/pipe: not a regular file: FIFO`,
          `skipped  ${dir}/sock: not a regular file: socket`,
          `skipped  ${dir}/sub/up: symbolic link loop`,
          `skipped  ${dir}/zero: symbolic link outside the upload root`
        ])
        assert.include(result.stdout, "uploaded a.txt")
        assert.include(result.stdout, "uploaded b.txt")
        assert.notInclude(result.stdout, "uploaded escape.txt")
        assert.include(result.stdout, "; 7 skipped.")
        assert.include(result.stdout, "All 2 files landed, 7 skipped")
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scoped(
    "--follow-symlinks --json: the link out of the folder is uploaded, the device skipped, in the JSON",
    () =>
      Effect.gen(function*() {
        const dir = yield* hostileFolder
        const result = yield* CliProcess.run(["--emulator", "--recursive", "--follow-symlinks", "--json", dir])
        assert.strictEqual(result.exitCode, 0, `${result.stdout}\n${result.stderr}`)
        const report = JSON.parse(result.stdout)
        assert.strictEqual(report.ok, true)
        assert.deepInclude(report.counts, { total: 9, uploaded: 3, uploadFailed: 0, skipped: 6 })
        const byInput = new Map<string, { status: string; skipReason?: string }>(
          report.files.map((file: { input: string; status: string; skipReason?: string }) => [file.input, file])
        )
        assert.strictEqual(byInput.get(`${dir}/escape.txt`)?.status, "uploaded")
        assert.deepInclude(byInput.get(`${dir}/zero`), {
          status: "skipped",
          skipReason: "not a regular file: character device"
        })
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
