/**
 * `UploadSource.fromPaths` walks through the `FileSystem` service it is given. On Node the walk also reads each
 * folder's entry types from `node:fs` (`internal/folderListing.ts`), which spares a regular file its own calls;
 * a folder that only the service holds has no such listing, and is walked through the service alone: its names,
 * and for each entry a `readLink` and a `stat`. On a real disk the same walk asks only a symbolic link where it
 * points.
 */
import { UploadSource } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

const root = "/no-such-folder-on-this-disk/docs"

// A folder in memory: two documents, a companion, a FIFO and a sub-folder, none of them on disk.
const tree: Record<string, FileSystem.File.Type> = {
  [root]: "Directory",
  [`${root}/b.txt`]: "File",
  [`${root}/a.txt`]: "File",
  [`${root}/a.txt.meta.json`]: "File",
  [`${root}/pipe`]: "FIFO",
  [`${root}/sub`]: "Directory",
  [`${root}/sub/c.txt`]: "File"
}

const notFound = (method: string, path: string) =>
  new PlatformError.SystemError({ reason: "NotFound", module: "FileSystem", method, pathOrDescriptor: path })

const info = (type: FileSystem.File.Type): FileSystem.File.Info => ({
  type,
  mtime: Option.none(),
  atime: Option.none(),
  birthtime: Option.none(),
  dev: 0,
  ino: Option.none(),
  mode: 0o644,
  nlink: Option.none(),
  uid: Option.none(),
  gid: Option.none(),
  rdev: Option.none(),
  size: FileSystem.Size(0),
  blksize: Option.none(),
  blocks: Option.none()
})

const calls: Array<string> = []

const inMemory = FileSystem.layerNoop({
  readDirectory: (path) => {
    const prefix = `${path}/`
    const names = Object.keys(tree).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"))
    return tree[path] === "Directory"
      ? Effect.succeed(names.map((p) => p.slice(prefix.length)))
      : Effect.fail(notFound("readDirectory", path))
  },
  stat: (path) => {
    calls.push(`stat ${path}`)
    const type = tree[path]
    return type === undefined ? Effect.fail(notFound("stat", path)) : Effect.succeed(info(type))
  },
  // Nothing here is a link: a link's target is what readLink would give.
  readLink: (path) => {
    calls.push(`readLink ${path}`)
    return Effect.fail(
      new PlatformError.SystemError({
        reason: "InvalidData",
        module: "FileSystem",
        method: "readLink",
        pathOrDescriptor: path
      })
    )
  },
  realPath: (path) => tree[path] === undefined ? Effect.fail(notFound("realPath", path)) : Effect.succeed(path),
  exists: (path) => Effect.succeed(tree[path] !== undefined)
})

describe("UploadSource.fromPaths over a FileSystem of its own", () => {
  it.effect("a folder only the service holds is walked through it alone, each entry typed by its stat", () =>
    Effect.gen(function*() {
      calls.length = 0
      const sources = yield* UploadSource.fromPaths(root, { recursive: true })
      assert.deepStrictEqual(
        sources.map((source) => [source.name, source.skip, source.meta === undefined ? "" : "meta"]),
        [
          [`${root}/a.txt`, undefined, "meta"],
          [`${root}/b.txt`, undefined, ""],
          [`${root}/pipe`, "not a regular file: FIFO", ""],
          [`${root}/sub/c.txt`, undefined, ""]
        ]
      )
      // Every entry, the companion included, was asked of the service.
      for (const name of ["a.txt", "a.txt.meta.json", "b.txt", "pipe", "sub", "sub/c.txt"]) {
        assert.include(calls, `readLink ${root}/${name}`)
        assert.include(calls, `stat ${root}/${name}`)
      }
    }).pipe(Effect.provide(Layer.merge(inMemory, Path.layer))))

  it.scoped("on a real disk, only a symbolic link is asked where it points: files and folders cost no call", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      yield* fs.writeFileString(`${dir}/a.txt`, "a")
      yield* fs.makeDirectory(`${dir}/sub`)
      yield* fs.writeFileString(`${dir}/sub/b.txt`, "b")
      yield* fs.symlink(`${dir}/a.txt`, `${dir}/link.txt`)
      const asked: Array<string> = []
      const counting = FileSystem.FileSystem.of({
        ...fs,
        readLink: (path) => Effect.zipRight(Effect.sync(() => asked.push(path)), fs.readLink(path)),
        stat: (path) => Effect.zipRight(Effect.sync(() => asked.push(path)), fs.stat(path))
      })
      const sources = yield* UploadSource.fromPaths(dir, { recursive: true }).pipe(
        Effect.provideService(FileSystem.FileSystem, counting)
      )
      assert.deepStrictEqual(sources.map((source) => source.name), [
        `${dir}/a.txt`,
        `${dir}/link.txt`,
        `${dir}/sub/b.txt`
      ])
      // The folder given is stat'ed as an input; inside it, only the link.
      assert.deepStrictEqual([...new Set(asked)].sort(), [dir, `${dir}/link.txt`])
    }).pipe(Effect.provide(NodeContext.layer)))
})
