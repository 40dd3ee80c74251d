/**
 * What can be uploaded: a named body (a file on disk, bytes, text, or a stream of known size) with
 * optional metadata, which travels as the `<name>.meta.json` companion.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { baseName } from "./internal/fileName.js"
import * as internal from "./internal/source.js"
import * as SourcePaths from "./internal/sourcePaths.js"
import type { InvalidSourcesError } from "./UploadErrors.js"

/**
 * A file on disk, opened afresh and streamed on every attempt, never held in memory whole. The only body
 * that needs the platform's `FileSystem` (see {@link Requirements}).
 *
 * @since 0.1.0
 * @category models
 */
export interface PathBody {
  readonly path: string
}

/**
 * A stream of exactly `size` bytes. It is run once per attempt, so it must be re-runnable (a `Stream`
 * built from a one-shot `ReadableStream` is not: give such sources no S3 retry).
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamBody {
  readonly stream: Stream.Stream<Uint8Array, unknown>
  readonly size: number
}

/**
 * Every body but a path: bytes, text or a stream. Sending it needs no `FileSystem`, so sources typed
 * `UploadSource<PortableBody>` upload on any platform with `FetchHttpClient` alone (browser, worker, Deno, Bun).
 *
 * @since 0.1.0
 * @category models
 */
export type PortableBody = Uint8Array | string | StreamBody

/**
 * The bytes of a source.
 *
 * - `Uint8Array`: the bytes themselves;
 * - `string`: text, sent as UTF-8;
 * - `{ path }` ({@link PathBody}): a file on disk, opened afresh and streamed on every attempt, never held
 *   in memory whole; the only body that needs a `FileSystem`;
 * - `{ stream, size }` ({@link StreamBody}): a stream of exactly `size` bytes. It is run once per attempt,
 *   so it must be re-runnable (a `Stream` built from a one-shot `ReadableStream` is not: give such sources
 *   no S3 retry).
 *
 * @since 0.1.0
 * @category models
 */
export type Body = PortableBody | PathBody

/**
 * @since 0.1.0
 * @category type ids
 */
export const RawMetaTypeId: unique symbol = internal.RawMetaTypeId

/**
 * @since 0.1.0
 * @category type ids
 */
export type RawMetaTypeId = typeof RawMetaTypeId

/**
 * Metadata sent verbatim, for companions that already exist as JSON text or files (see `rawMeta`).
 * `B` is the kind of its body (default: any).
 *
 * @since 0.1.0
 * @category models
 */
export interface RawMeta<B extends Body = Body> {
  readonly [RawMetaTypeId]: RawMetaTypeId
  readonly body: B
}

/**
 * Metadata of a document: a JSON object (encoded with `JSON.stringify`), or a `RawMeta` sent as it is,
 * whose body is of kind `B` (default: any).
 *
 * @since 0.1.0
 * @category models
 */
export type Meta<B extends Body = Body> = { readonly [key: string]: unknown } | RawMeta<B>

/**
 * One document to upload. `name` becomes the stored file name once made safe: only its base name is
 * used, and the characters S3 keys or URLs mangle become `_`.
 *
 * `B` is the kind of body it may hold, its document's and its raw metadata's (default: any `Body`).
 * `UploadSource<PortableBody>` holds no path, so uploading it needs no `FileSystem` (see
 * {@link Requirements}); sources written inline are typed by what they hold without saying so.
 *
 * @example
 * ```ts
 * import type { UploadSource } from "@effect-deepset/sdk"
 *
 * const sources: ReadonlyArray<UploadSource.UploadSource> = [
 *   { name: "notes.txt", body: "hello", meta: { team: "support" } },
 *   { name: "report.pdf", body: { path: "/data/report.pdf" } }
 * ]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface UploadSource<B extends Body = Body> {
  readonly name: string
  readonly body: B
  readonly meta?: Meta<B> | undefined
  /**
   * When set, the source is not sent: the run reports it as skipped, with this reason, where it stands
   * in the input (an `UploadEvent.FileSkipped`, a `"skipped"` entry in the report). {@link fromPaths}
   * sets it on the entries of a folder it cannot or will not upload; see {@link skipped}.
   */
  readonly skip?: string | undefined
}

/**
 * The bodies a source of type `S` may hold: its document's, and its raw metadata's.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Bodies<S extends UploadSource> = S extends UploadSource ? S["body"] | Extract<S["meta"], RawMeta>["body"]
  : never

/**
 * What uploading sources of type `S` requires from the context: `FileSystem.FileSystem` when `S` may hold a
 * path ({@link PathBody}, as its document or its raw metadata), nothing otherwise. Bytes, text and streams
 * need no file system, so `Upload.files`, `Upload.events` and `OpenSession.send` run with an `HttpClient`
 * (`FetchHttpClient.layer`) and the `DeepsetClient` alone. A source typed as the broad `UploadSource` may
 * hold a path, so it requires one.
 *
 * @example
 * ```ts
 * import type { UploadSource } from "@effect-deepset/sdk"
 *
 * type InMemory = UploadSource.Requirements<{ name: string; body: Uint8Array }> // never
 * type Portable = UploadSource.Requirements<UploadSource.UploadSource<UploadSource.PortableBody>> // never
 * type Any = UploadSource.Requirements<UploadSource.UploadSource> // FileSystem.FileSystem
 * ```
 *
 * @since 0.1.0
 * @category type-level
 */
export type Requirements<S extends UploadSource> = [Extract<Bodies<S>, PathBody>] extends [never] ? never
  : FileSystem.FileSystem

/**
 * A source that is reported as skipped, with its reason, and never sent: what {@link fromPaths} gives
 * for a symbolic link loop, a dangling link, a link out of the upload root, a sub-folder it cannot
 * read, or a FIFO, socket or device found in a folder.
 *
 * @example
 * ```ts
 * import { UploadSource } from "@effect-deepset/sdk"
 *
 * const source = UploadSource.skipped("./docs/pipe", "not a regular file: FIFO")
 * // { name: "./docs/pipe", body: { path: "./docs/pipe" }, skip: "not a regular file: FIFO" }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const skipped = (path: string, reason: string): UploadSource => ({ name: path, body: { path }, skip: reason })

/**
 * Whether a source is to be reported as skipped rather than sent (see {@link skipped}).
 *
 * @since 0.1.0
 * @category guards
 */
export const isSkipped = <S extends UploadSource>(source: S): source is S & { readonly skip: string } =>
  source.skip !== undefined

/**
 * Metadata sent verbatim from a body, for example an existing `x.meta.json` file.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rawMeta = <B extends Body>(body: B): RawMeta<B> => internal.rawMeta(body) as RawMeta<B>

/**
 * Whether metadata is sent verbatim rather than encoded from an object.
 *
 * @since 0.1.0
 * @category guards
 */
export const isRawMeta = <B extends Body>(meta: Meta<B>): meta is RawMeta<B> => internal.isRawMeta(meta)

/**
 * A source for a file on disk, named after its base name unless a name is given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPath = (
  path: string,
  options?: { readonly name?: string | undefined; readonly meta?: Meta | undefined }
): UploadSource => ({ name: options?.name ?? baseName(path), body: { path }, meta: options?.meta })

/**
 * How {@link fromPaths} collects files.
 *
 * @since 0.1.0
 * @category models
 */
export interface PathsOptions {
  /** Walk sub-folders too. Default `false`: only the files directly in a given folder. */
  readonly recursive?: boolean | undefined
  /** Only documents with one of these extensions (case-insensitive, with or without the dot). */
  readonly extensions?: ReadonlyArray<string> | undefined
  /**
   * Follow symbolic links wherever they point. Default `false`: a link is followed only when its target
   * is inside the upload root (the folder given, or for a file given directly the file itself); one
   * pointing elsewhere is skipped with the reason `"symbolic link outside the upload root"`.
   */
  readonly followSymlinks?: boolean | undefined
}

/**
 * Sources for files and folders on disk. Each `x.meta.json` becomes the metadata of its document `x`;
 * a file given by name brings the companion beside it. Every problem with the inputs is reported at
 * once, before anything is sent: a path given that does not exist (or cannot be read), a companion whose
 * document is not among the inputs, two files that would be stored under one name.
 *
 * An entry found inside a folder that cannot or must not be uploaded is not a problem of the run: it
 * becomes a source marked `skip` (see {@link skipped}), reported as skipped with its reason where it
 * stands, and the other files go. The reasons:
 *
 * - `"symbolic link loop"`: a link that resolves to itself, or to a folder above it;
 * - `"dangling symbolic link"`: a link whose target does not exist;
 * - `"symbolic link outside the upload root"`: a link pointing out of the folder given (unless
 *   `followSymlinks`);
 * - `"permission denied reading folder"`: a sub-folder that cannot be listed (with `recursive`);
 * - `"not a regular file: FIFO"` (or `socket`, `character device`, `block device`).
 *
 * Skipped sub-folders and links are always listed; other skipped entries only when their extension is
 * among `extensions`. A file named directly is uploaded as given, and fails alone if it cannot be read.
 *
 * @example
 * ```ts
 * import { UploadSource } from "@effect-deepset/sdk"
 *
 * const sources = UploadSource.fromPaths(["./docs"], { recursive: true, extensions: [".pdf", ".md"] })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPaths: (
  paths: string | ReadonlyArray<string>,
  options?: PathsOptions
) => Effect.Effect<Array<UploadSource>, InvalidSourcesError, FileSystem.FileSystem | Path.Path> = (paths, options) =>
  SourcePaths.fromPaths(typeof paths === "string" ? [paths] : paths, options)
