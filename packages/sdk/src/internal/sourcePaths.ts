/**
 * Sources from files and folders on disk: folders walked (optionally recursively), `x.meta.json`
 * companions paired with their document `x`, and every problem (a missing path, a companion without
 * its document, two files with one stored name) reported together before anything is sent.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Array from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { InvalidSourcesError, OrphanMetaError, SourceReadError } from "../UploadErrors.js"
import type { UploadSource } from "../UploadSource.js"
import * as FileName from "./fileName.js"
import * as Source from "./source.js"

/** How to collect files from paths. */
export interface Options {
  /** Walk sub-folders too. Default `false`. */
  readonly recursive?: boolean | undefined
  /** Only documents with one of these extensions (case-insensitive, with or without the dot). */
  readonly extensions?: ReadonlyArray<string> | undefined
}

type Problem = InvalidSourcesError["errors"][number]

/** Every file under the inputs, each once, in a stable order (inputs as given, folders sorted). */
const collect = (inputs: ReadonlyArray<string>, recursive: boolean) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files = new Map<string, string>()
    const problems: Array<Problem> = []
    const visited = new Set<string>()
    const fail = (file: string, reason: string) =>
      problems.push(new SourceReadError({ name: path.basename(file), path: file, reason }))

    const walk = (dir: string): Effect.Effect<void> =>
      Effect.gen(function*() {
        // Symbolic links can make a folder its own descendant: each real folder is walked once.
        const real = yield* Effect.either(fs.realPath(dir))
        if (Either.isRight(real)) {
          if (visited.has(real.right)) return
          visited.add(real.right)
        }
        const entries = yield* Effect.either(fs.readDirectory(dir))
        if (Either.isLeft(entries)) return void fail(dir, Source.platformReason(entries.left))
        for (const entry of entries.right.sort()) {
          const full = path.join(dir, entry)
          const info = yield* Effect.either(fs.stat(full))
          if (Either.isLeft(info)) {
            fail(full, Source.platformReason(info.left))
          } else if (info.right.type === "Directory") {
            if (recursive) yield* walk(full)
          } else if (info.right.type === "File") {
            files.set(path.resolve(full), full)
          }
        }
      })

    for (const input of inputs) {
      const info = yield* Effect.either(fs.stat(input))
      if (Either.isLeft(info)) fail(input, Source.platformReason(info.left))
      else if (info.right.type === "Directory") yield* walk(input)
      else files.set(path.resolve(input), input)
    }
    return { files, problems, explicit: new Set(inputs.map((input) => path.resolve(input))) }
  })

const extensionFilter = (extensions: ReadonlyArray<string> | undefined) => {
  if (extensions === undefined) return () => true
  const wanted = extensions.map((ext) => (ext.startsWith(".") ? ext : `.${ext}`).toLowerCase())
  return (file: string) => wanted.some((ext) => file.toLowerCase().endsWith(ext))
}

/** Sources for the files under `inputs`, or every problem found with them. */
export const fromPaths = (
  inputs: ReadonlyArray<string>,
  options: Options = {}
): Effect.Effect<Array<UploadSource>, InvalidSourcesError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const { files, problems, explicit } = yield* collect(inputs, options.recursive ?? false)
    const wanted = extensionFilter(options.extensions)
    const documents: Array<[resolved: string, given: string]> = []
    const companions = new Map<string, string>()
    for (const [resolved, given] of files) {
      if (FileName.isMetaName(resolved)) companions.set(resolved.slice(0, -FileName.metaSuffix.length), given)
      else documents.push([resolved, given])
    }
    for (const [document, companion] of companions) {
      // A companion whose document was filtered out by extension goes with it; only a missing one is an error.
      if (!files.has(document)) {
        problems.push(
          new OrphanMetaError({ path: companion, document: companion.slice(0, -FileName.metaSuffix.length) })
        )
      }
    }
    const sources: Array<UploadSource> = []
    for (const [resolved, given] of documents) {
      if (!wanted(resolved)) continue
      let meta = companions.get(resolved)
      // A file named on its own brings the companion beside it, which no folder listing found.
      if (meta === undefined && explicit.has(resolved)) {
        const beside = FileName.metaName(given)
        if (yield* fs.exists(beside).pipe(Effect.orElseSucceed(() => false))) meta = beside
      }
      // The full path is the source's name: only its base name is stored, and errors can say which file.
      sources.push({
        name: given,
        body: { path: given },
        meta: meta === undefined ? undefined : Source.rawMeta({ path: meta })
      })
    }
    const registry = new Source.NameRegistry()
    sources.forEach((source, index) => {
      const prepared = Source.prepare(source, index)
      const problem = Either.isLeft(prepared) ? prepared.left : registry.claim(prepared.right)
      if (problem !== undefined) problems.push(problem)
    })
    return Array.isNonEmptyArray(problems) ? yield* new InvalidSourcesError({ errors: problems }) : sources
  })
