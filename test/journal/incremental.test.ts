/**
 * Incremental runs through `Upload.paths` with a file journal, against the emulator (issue 14): between two
 * runs over the same folder files are changed, added, touched and left alone. The second run sends only the
 * changed and new ones (the emulator's request log counts its S3 posts, its stored objects say which), skips
 * a touched file after hashing it (and journals its new mtime, so that the run after needs no hash), and
 * skips an unchanged file from its stat alone: a file system that counts reads shows it is never read.
 */
import { Emulator } from "@effect-deepset/emulator"
import { Upload, UploadJournal } from "@effect-deepset/sdk"
import { NodeFileSystem } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Harness from "../upload/harness.js"

/** A file system that counts, per path, the reads that could hash a file (`readFile`, `open` to read). */
const countingReads = (reads: Map<string, number>): Layer.Layer<FileSystem.FileSystem> =>
  Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (fs) => {
      const count = (path: string) => Effect.sync(() => reads.set(path, (reads.get(path) ?? 0) + 1))
      return FileSystem.make({
        ...fs,
        readFile: (path) => Effect.zipRight(count(path), fs.readFile(path)),
        open: (path, options) =>
          options?.flag === undefined || options.flag === "r" ?
            Effect.zipRight(count(path), fs.open(path, options)) :
            fs.open(path, options)
      })
    })
  ).pipe(Layer.provide(NodeFileSystem.layer))

const names = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]

describe("incremental runs (Upload.paths with a file journal)", () => {
  it.scoped("only changed and new files are sent; a touched file is hashed, an unchanged one is not read", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const state = yield* fs.makeTempDirectoryScoped()
      for (const name of names) yield* fs.writeFileString(`${dir}/${name}`, `first ${name}`)
      yield* fs.writeFileString(`${dir}/e.txt.meta.json`, JSON.stringify({ v: 1 }))
      const journalPath = `${state}/journal.jsonl`
      const run = (reads: Map<string, number>) =>
        Effect.scoped(Effect.gen(function*() {
          const service = yield* UploadJournal.makeFile(journalPath)
          return yield* Upload.paths(dir, { journal: { service, root: dir, workspace: Harness.workspace } })
        })).pipe(Effect.provide(countingReads(reads)))

      const first = yield* run(new Map())
      assert.strictEqual(first.uploaded, names.length)
      yield* emulator.clearRequests
      const before = new Set((yield* emulator.objects()).map((object) => object.key))

      const later = new Date(Date.now() + 60_000)
      // b: new content and size; c: new content, same size, new mtime; d: touched only; e: only its
      // companion changed; f: new; a: left alone.
      yield* fs.writeFileString(`${dir}/b.txt`, "second b.txt, longer")
      yield* fs.writeFileString(`${dir}/c.txt`, "secnd c.txt")
      yield* fs.utimes(`${dir}/c.txt`, later, later)
      yield* fs.utimes(`${dir}/d.txt`, later, later)
      yield* fs.writeFileString(`${dir}/e.txt.meta.json`, JSON.stringify({ v: 2 }))
      yield* fs.writeFileString(`${dir}/f.txt`, "new f.txt")

      const reads = new Map<string, number>()
      const second = yield* run(reads)
      const requests = yield* emulator.requests
      const s3Posts = requests.filter((request) => request.route === "s3" && request.method === "POST")
      const sentNow = (yield* emulator.objects()).filter((object) => !before.has(object.key))
      const perName = new Map<string, number>()
      for (const object of sentNow) perName.set(object.filename, (perName.get(object.filename) ?? 0) + 1)
      // One S3 post per object stored by this run, and one object per changed or new document and companion.
      assert.strictEqual(s3Posts.length, sentNow.length)
      assert.deepStrictEqual(
        Object.fromEntries([...perName].sort()),
        { "b.txt": 1, "c.txt": 1, "e.txt": 1, "e.txt.meta.json": 1, "f.txt": 1 }
      )
      assert.strictEqual(second.uploaded, 4)
      const skipped = second.files.filter((file) => file.status === "skipped").map((file) => file.input).sort()
      assert.deepStrictEqual(skipped, [`${dir}/a.txt`, `${dir}/d.txt`])
      // a: known from its stat, never read; d: hashed once (touched), never sent.
      assert.strictEqual(reads.get(`${dir}/a.txt`) ?? 0, 0)
      assert.strictEqual(reads.get(`${dir}/d.txt`), 1)

      // The next run without changes sends nothing and reads nothing: d's new mtime is in the journal.
      yield* emulator.clearRequests
      const thirdReads = new Map<string, number>()
      const third = yield* run(thirdReads)
      assert.strictEqual(third.uploaded, 0)
      assert.strictEqual(third.skipped, names.length + 1)
      assert.strictEqual((yield* emulator.requests).filter((request) => request.route === "s3").length, 0)
      assert.deepStrictEqual(
        [...thirdReads.keys()].filter((path) =>
          !path.endsWith(".meta.json") && path !== journalPath && path !== `${journalPath}.lock`
        ),
        []
      )
      // Under KEEP each changed document is now in the workspace twice, the new one last.
      const index = yield* emulator.workspaceIndex(Harness.workspace)
      assert.strictEqual(index.filter((file) => file.name === "b.txt").length, 2)
      assert.strictEqual(index.filter((file) => file.name === "a.txt").length, 1)
    }).pipe(Effect.provide(Harness.layer({ ingestionDelay: 0 }))))
})
