/**
 * Incremental runs of `deepset-upload` over the same folder (issue 14), as a person meets them: files are
 * changed, added and touched between two runs, and the second run sends only the changed and new ones (the
 * emulator's request log counts its S3 posts; its stored objects, one per accepted post, name them). With
 * `--sync` (write mode OVERWRITE for the run) a changed file replaces its copy: one document per file, with
 * the new content; under the default KEEP a changed file is in the workspace twice.
 */
import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CliProcess from "./support/CliProcess.js"

interface FileEntry {
  readonly input: string
  readonly name: string
  readonly status: string
  readonly skipReason?: string
}

const setup = Effect.gen(function*() {
  const emulator = yield* Emulator.start({ ingestionDelay: 0 })
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" }
  const run = (...extra: Array<string>) =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run([dir, "--wait", "--json", ...extra], env)
      assert.strictEqual(result.exitCode, 0, `${result.stdout}\n${result.stderr}`)
      return JSON.parse(result.stdout) as { readonly files: ReadonlyArray<FileEntry> }
    })
  // What the last run sent: its S3 posts in the request log, and the objects stored since `before`, by name.
  const sentSince = (before: ReadonlySet<string>) =>
    Effect.gen(function*() {
      const posts = (yield* emulator.requests).filter((r) => r.route === "s3" && r.method === "POST").length
      const perName: Record<string, number> = {}
      for (const object of yield* emulator.objects()) {
        if (!before.has(object.key)) perName[object.filename] = (perName[object.filename] ?? 0) + 1
      }
      return { posts, perName }
    })
  const mark = Effect.gen(function*() {
    yield* emulator.clearRequests
    return new Set((yield* emulator.objects()).map((object) => object.key))
  })
  return { emulator, fs, dir, run, sentSince, mark }
})

const later = () => new Date(Date.now() + 60_000)

describe("deepset-upload: a later run over the same folder sends only what changed", () => {
  it.live(
    "change, add and touch between two runs: only the changed and new files are sent",
    () =>
      Effect.scoped(
        Effect.gen(function*() {
          const { dir, fs, mark, run, sentSince } = yield* setup
          for (const name of ["a", "b", "c", "d"]) yield* fs.writeFileString(`${dir}/${name}.txt`, `first ${name}`)
          yield* fs.writeFileString(`${dir}/d.txt.meta.json`, JSON.stringify({ topic: "one" }))
          yield* run()
          const before = yield* mark

          yield* fs.writeFileString(`${dir}/b.txt`, "second b, longer than the first")
          const touched = later()
          yield* fs.utimes(`${dir}/c.txt`, touched, touched)
          yield* fs.writeFileString(`${dir}/d.txt.meta.json`, JSON.stringify({ topic: "two" }))
          yield* fs.writeFileString(`${dir}/e.txt`, "new e")
          const second = yield* run()

          const sent = yield* sentSince(before)
          assert.deepStrictEqual(sent.perName, { "b.txt": 1, "d.txt": 1, "d.txt.meta.json": 1, "e.txt": 1 })
          assert.strictEqual(sent.posts, 4, "one S3 post per changed or new document and companion")
          const byName = Object.fromEntries(second.files.map((file) => [file.input.split("/").pop(), file]))
          for (const name of ["a.txt", "c.txt"]) {
            assert.strictEqual(byName[name]?.status, "skipped", name)
            assert.match(byName[name]?.skipReason ?? "", /^uploaded earlier, in session /)
          }
          for (const name of ["b.txt", "d.txt", "e.txt"]) assert.strictEqual(byName[name]?.status, "uploaded", name)

          // Nothing changed since: nothing is sent.
          const again = yield* mark
          const third = yield* run()
          assert.deepStrictEqual((yield* sentSince(again)).posts, 0)
          assert.isTrue(third.files.every((file) => file.status === "skipped"))
        }).pipe(Effect.provide(NodeContext.layer))
      ),
    120_000
  )

  it.live(
    "--sync: a changed file replaces its copy (one document per file, the new size); KEEP adds one",
    () =>
      Effect.scoped(
        Effect.gen(function*() {
          const { dir, emulator, fs, mark, run, sentSince } = yield* setup
          for (const name of ["a", "b", "c"]) yield* fs.writeFileString(`${dir}/${name}.txt`, `first ${name}`)
          yield* run()
          const before = yield* mark

          const changed = "second b, which is longer"
          yield* fs.writeFileString(`${dir}/b.txt`, changed)
          yield* fs.writeFileString(`${dir}/n.txt`, "new n")
          yield* run("--sync")
          assert.deepStrictEqual((yield* sentSince(before)).perName, { "b.txt": 1, "n.txt": 1 })
          const index = yield* emulator.workspaceIndex("default")
          assert.deepStrictEqual(index.map((file) => file.name).sort(), ["a.txt", "b.txt", "c.txt", "n.txt"])
          assert.strictEqual(index.find((file) => file.name === "b.txt")?.size, Buffer.byteLength(changed))
          const sessions = yield* emulator.sessions
          assert.deepStrictEqual(sessions.map((session) => session.writeMode), ["KEEP", "OVERWRITE"])

          // Without --sync (KEEP), a changed file is added beside its earlier copy.
          yield* fs.writeFileString(`${dir}/c.txt`, "second c, longer too")
          yield* run()
          const kept = yield* emulator.workspaceIndex("default")
          assert.strictEqual(kept.filter((file) => file.name === "c.txt").length, 2)
          assert.strictEqual(kept.length, 5)
        }).pipe(Effect.provide(NodeContext.layer))
      ),
    120_000
  )

  it.live("--sync with another --write-mode is a usage error", () =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run(["packages", "--sync", "--write-mode", "KEEP"], {
        DEEPSET_API_KEY: "k",
        DEEPSET_WORKSPACE: "default"
      })
      assert.strictEqual(result.exitCode, 2, result.stderr)
      assert.include(result.stderr, "--sync replaces changed files")
    }).pipe(Effect.provide(NodeContext.layer)))
})
