/**
 * Sources from files and folders on disk: folders walked (optionally recursively), `x.meta.json`
 * companions paired with their document `x`, and every problem with the inputs (a missing path, a
 * companion without its document, two files with one stored name) reported together before anything is
 * sent. An entry found inside a folder that cannot or must not be uploaded (a symbolic link loop, a
 * dangling link, a link out of the upload root, a sub-folder that cannot be read, a FIFO, a socket, a
 * device) becomes a skipped source, reported where it stands, never a refusal of the run.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Array from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { InvalidSourcesError, OrphanMetaError, SourceReadError } from "../UploadErrors.js"
import type { UploadSource } from "../UploadSource.js"
import * as FileName from "./fileName.js"
import * as FolderListing from "./folderListing.js"
import * as Source from "./source.js"

/** How to collect files from paths. */
export interface Options {
  /** Walk sub-folders too. Default `false`. */
  readonly recursive?: boolean | undefined
  /** Only documents with one of these extensions (case-insensitive, with or without the dot). */
  readonly extensions?: ReadonlyArray<string> | undefined
  /** Follow symbolic links wherever they point. Default `false`: only to targets inside the upload root. */
  readonly followSymlinks?: boolean | undefined
}

/** Why an entry of a folder is skipped. */
export const SkipReason = {
  loop: "symbolic link loop",
  dangling: "dangling symbolic link",
  outside: "symbolic link outside the upload root",
  unreadableFolder: "permission denied reading folder"
} as const

const kinds: Partial<Record<FileSystem.File.Type, string>> = {
  FIFO: "FIFO",
  Socket: "socket",
  CharacterDevice: "character device",
  BlockDevice: "block device",
  SymbolicLink: "symbolic link"
}

/** The reason for an entry that is neither a regular file nor a folder. */
export const notRegular = (type: FileSystem.File.Type): string => `not a regular file: ${kinds[type] ?? "unknown type"}`

type Problem = InvalidSourcesError["errors"][number]

/**
 * A file found (its path as given: a folder's listing holds a string per file, nothing more), or an entry
 * skipped. `folder` says whether the skipped entry is (or may be) a folder: those are always reported,
 * whatever the extensions asked for, since they may hold wanted files.
 */
type Entry = string | Skipped

interface Skipped {
  readonly given: string
  readonly reason: string
  readonly folder: boolean
}

const isLoop = (error: PlatformError.PlatformError): boolean =>
  error._tag === "SystemError" &&
  ((error.cause as { readonly code?: unknown } | undefined)?.code === "ELOOP" ||
    (error.description?.includes("ELOOP") ?? false))

const isNotFound = (error: PlatformError.PlatformError): boolean =>
  error._tag === "SystemError" && error.reason === "NotFound"

/** Every file under the inputs, each once, in a stable order (inputs as given, folders sorted). */
const collect = (inputs: ReadonlyArray<string>, options: Options) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const recursive = options.recursive ?? false
    const followAnywhere = options.followSymlinks ?? false
    const entries = new Map<string, Entry>()
    const problems: Array<Problem> = []
    // Each real folder is walked once: a folder reached again (through a link) holds files already listed.
    const visited = new Set<string>()
    const fail = (file: string, reason: string) =>
      problems.push(new SourceReadError({ name: path.basename(file), path: file, reason }))
    // A path found under an absolute folder is resolved already: the key is then the path itself, not a copy.
    const key = (given: string) => {
      const resolved = path.resolve(given)
      return resolved === given ? given : resolved
    }
    const skip = (given: string, reason: string, folder: boolean) =>
      void entries.set(key(given), { given, reason, folder })
    const inside = (root: string, real: string) =>
      real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)

    /** A folder's entries; `real` is its real path, `ancestors` the real paths of the folders above it. */
    const walk = (dir: string, real: string, root: string, ancestors: ReadonlySet<string>): Effect.Effect<void> =>
      Effect.gen(function*() {
        visited.add(real)
        const listed = yield* Effect.either(FolderListing.list(fs, dir))
        if (Either.isLeft(listed)) {
          const error = listed.left
          return skip(
            dir,
            error._tag === "SystemError" && error.reason === "PermissionDenied"
              ? SkipReason.unreadableFolder
              : `cannot read folder: ${Source.platformReason(error)}`,
            true
          )
        }
        const within = new Set(ancestors).add(real)
        for (const { name, type } of listed.right.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) {
          yield* visit(path.join(dir, name), path.join(real, name), root, within, type)
        }
      })

    /**
     * One entry of a folder; `real` is where it is when it is not a symbolic link. `listed`: its type as the
     * listing gave it, which spares a regular file every call of its own; absent for a link, or where the
     * listing does not tell.
     */
    const visit = (
      full: string,
      direct: string,
      root: string,
      ancestors: ReadonlySet<string>,
      listed: FileSystem.File.Type | undefined
    ): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (listed !== undefined) return yield* entered(full, direct, root, ancestors, listed, false)
        // Only a symbolic link has a target to read: one call tells links from the rest.
        const isLink = Option.isSome(yield* Effect.option(fs.readLink(full)))
        let real = direct
        let outside = false
        if (isLink) {
          const resolved = yield* Effect.either(fs.realPath(full))
          if (Either.isLeft(resolved)) {
            const error = resolved.left
            const reason = isLoop(error)
              ? SkipReason.loop
              : isNotFound(error)
              ? SkipReason.dangling
              : Source.platformReason(error)
            return skip(full, reason, true)
          }
          real = resolved.right
          outside = !followAnywhere && !inside(root, real)
        }
        const info = yield* Effect.either(fs.stat(full))
        if (Either.isLeft(info)) {
          // Gone since the listing, or a folder that lists names it does not let stat.
          const error = info.left
          return skip(full, isLoop(error) ? SkipReason.loop : Source.platformReason(error), true)
        }
        return yield* entered(full, real, root, ancestors, info.right.type, outside)
      })

    /** An entry of a known type, where `real` is (outside the root when it is a link that leads out). */
    const entered = (
      full: string,
      real: string,
      root: string,
      ancestors: ReadonlySet<string>,
      type: FileSystem.File.Type,
      outside: boolean
    ): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (type === "Directory") {
          if (!recursive) return
          if (outside) return skip(full, SkipReason.outside, true)
          if (ancestors.has(real)) return skip(full, SkipReason.loop, true)
          if (visited.has(real)) return
          return yield* walk(full, real, root, ancestors)
        }
        if (outside) return skip(full, SkipReason.outside, false)
        if (type === "File") return void entries.set(key(full), full)
        return skip(full, notRegular(type), false)
      })

    /** Why a path named by the user cannot be read, in a few words. */
    const inputReason = (input: string, error: PlatformError.PlatformError) =>
      Effect.gen(function*() {
        if (isLoop(error)) return SkipReason.loop
        if (isNotFound(error) && Option.isSome(yield* Effect.option(fs.readLink(input)))) return SkipReason.dangling
        return Source.platformReason(error)
      })

    for (const input of inputs) {
      const info = yield* Effect.either(fs.stat(input))
      if (Either.isLeft(info)) {
        fail(input, yield* inputReason(input, info.left))
      } else if (info.right.type === "Directory") {
        // The upload root: the folder as given, wherever a link that names it points.
        const real = yield* Effect.either(fs.realPath(input))
        if (Either.isLeft(real)) fail(input, yield* inputReason(input, real.left))
        else if (!visited.has(real.right)) yield* walk(input, real.right, real.right, new Set())
      } else {
        // A file named on its own is its own root: it goes as given, and fails alone if it cannot be read.
        entries.set(path.resolve(input), input)
      }
    }
    return { entries, problems, explicit: new Set(inputs.map((input) => path.resolve(input))) }
  })

const extensionFilter = (extensions: ReadonlyArray<string> | undefined) => {
  if (extensions === undefined) return () => true
  const wanted = extensions.map((ext) => (ext.startsWith(".") ? ext : `.${ext}`).toLowerCase())
  return (file: string) => wanted.some((ext) => file.toLowerCase().endsWith(ext))
}

/** Sources for the files under `inputs` (skipped entries among them), or every problem found with them. */
export const fromPaths = (
  inputs: ReadonlyArray<string>,
  options: Options = {}
): Effect.Effect<Array<UploadSource>, InvalidSourcesError, FileSystem.FileSystem | Path.Path> =>
  // The listing is let go before the names are checked: a folder's files are not held twice at the peak.
  Effect.flatMap(Effect.flatMap(collect(inputs, options), (listing) => toSources(listing, options)), checked)

/** The sources of a listing, and the problems found so far. */
const toSources = (
  { entries, explicit, problems }: Effect.Effect.Success<ReturnType<typeof collect>>,
  options: Options
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const wanted = extensionFilter(options.extensions)
    // Companions that are files, by their document's path; a skipped companion is an entry of its own.
    const companions = new Map<string, string>()
    for (const [resolved, entry] of entries) {
      if (typeof entry === "string" && FileName.isMetaName(resolved)) {
        companions.set(resolved.slice(0, -FileName.metaSuffix.length), entry)
      }
    }
    for (const [document, companion] of companions) {
      // A companion whose document was filtered out by extension goes with it; only a missing one is an
      // error. A skipped document takes its companion with it.
      if (!entries.has(document)) {
        problems.push(
          new OrphanMetaError({ path: companion, document: companion.slice(0, -FileName.metaSuffix.length) })
        )
      }
    }
    const sources: Array<UploadSource> = []
    for (const [resolved, entry] of entries) {
      const meta = companions.get(resolved)
      if (typeof entry !== "string") {
        const document = FileName.isMetaName(resolved) ? resolved.slice(0, -FileName.metaSuffix.length) : resolved
        if (!entry.folder && !wanted(document)) continue
        sources.push({
          name: entry.given,
          body: { path: entry.given },
          meta: meta === undefined ? undefined : Source.rawMeta({ path: meta }),
          skip: entry.reason
        })
        continue
      }
      if (FileName.isMetaName(resolved) || !wanted(resolved)) continue
      let companion = meta
      // A file named on its own brings the companion beside it, which no folder listing found.
      if (companion === undefined && explicit.has(resolved)) {
        const beside = FileName.metaName(entry)
        if (yield* fs.exists(beside).pipe(Effect.orElseSucceed(() => false))) companion = beside
      }
      // The full path is the source's name: only its base name is stored, and errors can say which file.
      sources.push({
        name: entry,
        body: { path: entry },
        meta: companion === undefined ? undefined : Source.rawMeta({ path: companion })
      })
    }
    return { sources, problems }
  })

/** The sources, once every stored name is known to be valid and taken once; or every problem found. */
const checked = (
  { problems, sources }: { readonly sources: Array<UploadSource>; readonly problems: Array<Problem> }
): Effect.Effect<Array<UploadSource>, InvalidSourcesError> => {
  const all = [...problems, ...Source.problemsOf(sources)]
  return Array.isNonEmptyArray(all) ? Effect.fail(new InvalidSourcesError({ errors: all })) : Effect.succeed(sources)
}
