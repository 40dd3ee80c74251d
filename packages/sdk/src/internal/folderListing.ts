/**
 * A folder's entries with their types where the runtime gives them (Node, Bun and Deno's `node:fs`, `readdir`
 * with `withFileTypes`), so that a regular file or a folder costs no call of its own. Elsewhere each entry's
 * type is left to the walk.
 *
 * A departure from `@effect/platform`'s `FileSystem`, which lists names only: telling a symbolic link from a
 * file through it takes a `readLink` (failing, with an error built, for every file) and a `stat` per entry,
 * about 120 µs each, so a folder of 100 000 files was listed for ~15 s before the first request. `pnpm bench`
 * scenario 12 ("start to the first API request") shows it. The names still come from the `FileSystem` service,
 * at the price of a second listing per folder (~0.1 s for 100 000 names): what a `FileSystem` of the caller's
 * own holds, or refuses to list, is what the walk sees.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"

/** An entry of a folder; `type` is absent where the runtime does not tell it, and for a symbolic link. */
export interface Entry {
  readonly name: string
  readonly type: FileSystem.File.Type | undefined
}

// What the walk needs of `node:fs`'s directory entries.
interface Dirent {
  readonly name: string
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
  isFIFO(): boolean
  isSocket(): boolean
  isCharacterDevice(): boolean
  isBlockDevice(): boolean
}

interface TypedReaddir {
  readonly readdir: (path: string, options: { readonly withFileTypes: true }) => Promise<ReadonlyArray<Dirent>>
}

// A symbolic link is left untyped: the walk reads where it points.
const typeOf = (entry: Dirent): FileSystem.File.Type | undefined =>
  entry.isFile()
    ? "File"
    : entry.isDirectory()
    ? "Directory"
    : entry.isSymbolicLink()
    ? undefined
    : entry.isFIFO()
    ? "FIFO"
    : entry.isSocket()
    ? "Socket"
    : entry.isCharacterDevice()
    ? "CharacterDevice"
    : entry.isBlockDevice()
    ? "BlockDevice"
    : undefined

const isNodeLike = (): boolean => {
  const found = (globalThis as { readonly process?: { readonly versions?: { readonly node?: unknown } } }).process
  return typeof found?.versions?.node === "string"
}

// Loaded once, on the first listing, and only where there is a `node:fs`. The name is not a literal, so that a
// bundle for the browser does not try to resolve it.
const nodeFs = "node:fs/promises"
let typedReaddir: Promise<TypedReaddir | undefined> | undefined
const loadTypedReaddir = (): Promise<TypedReaddir | undefined> =>
  typedReaddir ??= isNodeLike()
    ? import(nodeFs).then((fs: TypedReaddir) => fs, () => undefined)
    : Promise.resolve(undefined)

/**
 * The entries of `dir`, in no particular order. The `FileSystem` service lists them, so that what it holds
 * and how it fails are the walk's; the runtime's typed listing of the same folder, where there is one, only
 * adds the type of each name the service listed.
 */
export const list = (
  fs: FileSystem.FileSystem,
  dir: string
): Effect.Effect<Array<Entry>, PlatformError.PlatformError> =>
  Effect.flatMap(
    fs.readDirectory(dir),
    (names) => Effect.map(typesIn(dir), (types) => names.map((name): Entry => ({ name, type: types?.get(name) })))
  )

// The type of each entry by its name, or none where the runtime gives no typed listing or it fails.
const typesIn = (dir: string): Effect.Effect<ReadonlyMap<string, FileSystem.File.Type | undefined> | undefined> =>
  Effect.flatMap(
    Effect.promise(loadTypedReaddir),
    (node) =>
      node === undefined ?
        Effect.succeed(undefined) :
        Effect.tryPromise(() => node.readdir(dir, { withFileTypes: true })).pipe(
          Effect.map((entries) => new Map(entries.map((entry) => [entry.name, typeOf(entry)]))),
          Effect.orElseSucceed(() => undefined)
        )
  )
