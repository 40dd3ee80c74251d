/**
 * Sources made ready for upload: names checked and made safe, bodies normalised, and per attempt a
 * request body of exact length, read afresh from disk or stream.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpBody from "@effect/platform/HttpBody"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { FileNameConflictError, InvalidFileNameError, SourceReadError } from "../UploadErrors.js"
import type * as UploadSource from "../UploadSource.js"
import * as FileName from "./fileName.js"
import * as Meter from "./meter.js"
import * as Multipart from "./multipart.js"
import * as Sha256 from "./sha256.js"

/** @internal */
export const RawMetaTypeId: UploadSource.RawMetaTypeId = Symbol.for(
  "@effect-deepset/sdk/UploadSource/RawMeta"
) as UploadSource.RawMetaTypeId

/** @internal */
export const rawMeta = (body: UploadSource.Body): UploadSource.RawMeta => ({ [RawMetaTypeId]: RawMetaTypeId, body })

/** @internal */
export const isRawMeta = (meta: UploadSource.Meta): meta is UploadSource.RawMeta => RawMetaTypeId in meta

/** The bytes of a source, normalised: text is encoded once, not on every attempt. */
export type Content =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | {
    readonly _tag: "File"
    readonly path: string
    /** The file's `stat` when the run took it already, just before sending (for its journal): not taken again. */
    readonly stated?: FileSystem.File.Info | undefined
  }
  | { readonly _tag: "Stream"; readonly stream: Stream.Stream<Uint8Array, unknown>; readonly size: number }

/** A source that passed its checks: `name` is the safe name it is stored under. */
export interface Prepared {
  readonly _tag: "Prepared"
  readonly index: number
  readonly input: string
  readonly name: string
  readonly content: Content
  readonly meta: Content | undefined
}

/**
 * Contents up to this size are read into one buffer with the multipart envelope: a single write is much
 * cheaper than a stream for small files, and memory stays bounded by concurrency times this size.
 */
export const bufferedLimit = 256 * 1024

/**
 * The chunk size of streamed files. Each chunk costs a read, a pass through the body stream and
 * garbage of its own: 2 MiB chunks took a fifth less client CPU per GiB than 512 KiB (bench scenario 5),
 * and peak memory stayed where V8's external-memory limit puts it.
 */
export const chunkSize = 2 * 1024 * 1024

const encoder = new TextEncoder()

/** Normalises a body. */
export const content = (body: UploadSource.Body): Content =>
  typeof body === "string"
    ? { _tag: "Bytes", bytes: encoder.encode(body) }
    : body instanceof Uint8Array
    ? { _tag: "Bytes", bytes: body }
    : "path" in body
    ? { _tag: "File", path: body.path }
    : { _tag: "Stream", stream: body.stream, size: body.size }

const metaContent = (meta: UploadSource.Meta): Content =>
  isRawMeta(meta) ? content(meta.body) : { _tag: "Bytes", bytes: encoder.encode(JSON.stringify(meta)) }

/** Checks a source's name and normalises its bodies. */
export const prepare = (
  source: UploadSource.UploadSource,
  index: number
): Either.Either<Prepared, InvalidFileNameError | SourceReadError> => {
  // A run reports a skipped source without preparing it; sent on its own, it cannot be read, for its reason.
  if (source.skip !== undefined) {
    return Either.left(readError(source.name, pathOf(source.body), source.skip))
  }
  const safe = FileName.safeName(source.name)
  if (Either.isLeft(safe)) {
    return Either.left(new InvalidFileNameError({ name: source.name, reason: safe.left }))
  }
  const name = safe.right
  if (FileName.isMetaName(name)) {
    return Either.left(
      new InvalidFileNameError({
        name: source.name,
        reason: `names ending in ${FileName.metaSuffix} are reserved for metadata companions; pass metadata as \`meta\``
      })
    )
  }
  const body = source.body
  const metaBody = source.meta !== undefined && isRawMeta(source.meta) ? source.meta.body : undefined
  for (const declared of [body, metaBody]) {
    if (typeof declared === "object" && "size" in declared && !isValidSize(declared.size)) {
      return Either.left(
        readError(source.name, undefined, `a stream's declared size ${declared.size} is not a byte count`)
      )
    }
  }
  return Either.right({
    _tag: "Prepared",
    index,
    input: source.name,
    name,
    content: content(body),
    meta: source.meta === undefined ? undefined : metaContent(source.meta)
  })
}

const pathOf = (body: UploadSource.Body): string | undefined =>
  typeof body === "object" && "path" in body ? body.path : undefined

const isValidSize = (size: number): boolean => Number.isSafeInteger(size) && size >= 0

/**
 * Remembers the safe names taken so far, to report two inputs stored under one name. Companion names
 * need no entry of their own: documents cannot end in `.meta.json`, so distinct documents have distinct
 * companions.
 */
export class NameRegistry {
  private readonly taken = new Map<string, string>()

  /** Takes the source's name, or says which earlier input holds it already. */
  claim(source: Prepared): FileNameConflictError | undefined {
    const first = this.taken.get(source.name)
    if (first !== undefined) {
      return new FileNameConflictError({ name: source.name, first, second: source.input })
    }
    this.taken.set(source.name, source.input)
    return undefined
  }
}

/**
 * What is wrong with a list of sources before anything is sent: names that cannot be stored, and names
 * taken twice. A source marked `skip` is stored under no name, so it takes none. Only the names are held
 * while checking: each source is prepared again when it is sent.
 */
export const problemsOf = (
  sources: ReadonlyArray<UploadSource.UploadSource>
): Array<InvalidFileNameError | FileNameConflictError | SourceReadError> => {
  const registry = new NameRegistry()
  const problems: Array<InvalidFileNameError | FileNameConflictError | SourceReadError> = []
  sources.forEach((source, index) => {
    if (source.skip !== undefined) return
    const prepared = prepare(source, index)
    const problem = Either.isLeft(prepared) ? prepared.left : registry.claim(prepared.right)
    if (problem !== undefined) problems.push(problem)
  })
  return problems
}

/** A request body for one attempt, and the read failure behind a broken body stream if there was one. */
export interface AttemptBody {
  readonly body: HttpBody.HttpBody
  readonly size: number
  /** HTTP clients report a failing body stream as a transport error; this keeps the real reason. */
  readonly failure: () => SourceReadError | undefined
  /** The SHA-256 of the content bytes this body sent (asked for with `digest`); valid once it was sent. */
  readonly digest: () => string | undefined
  /** The file's modification time when it was opened, for a file. */
  readonly mtimeMs?: number | undefined
}

const noDigest = () => undefined

// Feeds every chunk to a hasher on its way to the body, when a digest is asked for, and counts it in the
// attempt's meter, when the run counts bytes: one pass over the chunks for both, none for neither.
const hashing = <E>(stream: Stream.Stream<Uint8Array, E>, digest: boolean, meter?: Meter.AttemptMeter) => {
  if (!digest && meter === undefined) return { stream, digest: noDigest }
  const hash = digest ? Sha256.hasher() : undefined
  return {
    stream: Stream.map(stream, (chunk) => {
      hash?.update(chunk)
      meter?.add(chunk.length)
      return chunk
    }),
    digest: hash === undefined ? noDigest : hash.digest
  }
}

const mtimeOf = (info: FileSystem.File.Info): number | undefined =>
  Option.getOrUndefined(Option.map(info.mtime, (date) => date.getTime()))

const noFailure = () => undefined

const readError = (name: string, path: string | undefined, reason: string) =>
  new SourceReadError(path === undefined ? { name, reason } : { name, path, reason })

/** A file-system failure in a few words. */
export const platformReason = (error: PlatformError.PlatformError): string =>
  error._tag === "SystemError"
    ? error.reason === "NotFound"
      ? "no such file or directory"
      : error.reason === "PermissionDenied"
      ? "permission denied"
      : (error.cause as { readonly code?: unknown } | undefined)?.code === "ELOOP"
      ? "symbolic link loop"
      : error.message
    : error.message

/**
 * Builds the body of one attempt and uses it. A file is read or opened here, so every retry reads it
 * again from the start; only a streamed file needs a scope (for its handle), which closes after `use`.
 * With a `meter`, a streamed body counts its content chunks as they go out, and the attempt settles
 * when `use` ends (see `meter.ts`).
 */
export const withBody = <A, E, R>(
  envelope: Multipart.Envelope,
  name: string,
  source: Content,
  use: (body: AttemptBody) => Effect.Effect<A, E, R>,
  digest = false,
  meter?: Meter.Meter
): Effect.Effect<A, E | SourceReadError, R | FileSystem.FileSystem> => {
  if (meter === undefined) return bodyOf(envelope, name, source, use, digest, undefined)
  const share = Meter.attempt(meter)
  return bodyOf(
    envelope,
    name,
    source,
    (body) => Effect.onExit(use(body), (exit) => Effect.sync(() => share.settle(exit, body.size))),
    digest,
    share
  )
}

const bodyOf = <A, E, R>(
  envelope: Multipart.Envelope,
  name: string,
  source: Content,
  use: (body: AttemptBody) => Effect.Effect<A, E, R>,
  digest: boolean,
  meter: Meter.AttemptMeter | undefined
): Effect.Effect<A, E | SourceReadError, R | FileSystem.FileSystem> => {
  switch (source._tag) {
    case "Bytes": {
      return use(bytesBody(envelope, source.bytes))
    }
    case "Stream": {
      const failure = failureCell()
      const content = hashing(exactly(source.stream, source.size, name), digest, meter)
      return use({
        size: source.size,
        failure: failure.get,
        digest: content.digest,
        body: HttpBody.stream(
          Multipart.stream(envelope, content.stream.pipe(Stream.tapError(failure.set))),
          envelope.contentType,
          Multipart.contentLength(envelope, source.size)
        )
      })
    }
    case "File": {
      return withFileBody(envelope, name, source, use, digest, meter)
    }
  }
}

/** The body of content in memory: one buffer when small, the content itself between its envelope when not. */
export const bytesBody = (envelope: Multipart.Envelope, bytes: Uint8Array): AttemptBody => ({
  size: bytes.length,
  failure: noFailure,
  digest: () => Sha256.sha256Hex(bytes),
  body: bytes.length <= bufferedLimit
    ? HttpBody.uint8Array(Multipart.concat(envelope, bytes), envelope.contentType)
    : HttpBody.stream(
      Multipart.stream(envelope, Stream.succeed(bytes)),
      envelope.contentType,
      Multipart.contentLength(envelope, bytes.length)
    )
})

const failureCell = () => {
  let failure: SourceReadError | undefined
  return {
    get: () => failure,
    set: (error: SourceReadError) =>
      Effect.sync(() => {
        failure = error
      })
  }
}

const notAFile = (type: FileSystem.File.Type): string =>
  type === "Directory" ? "it is a directory" : `it is not a regular file (${type})`

/**
 * A file's body. A small file is read whole, straight into its request body (a file-system round trip
 * costs more than its 256 KiB); a larger one is opened, and streamed from the open handle for exactly
 * the size it had then. Either way a file whose size changed after `stat` fails as a read error rather
 * than being sent cut short.
 */
const withFileBody = <A, E, R>(
  envelope: Multipart.Envelope,
  name: string,
  { path, stated }: Extract<Content, { readonly _tag: "File" }>,
  use: (body: AttemptBody) => Effect.Effect<A, E, R>,
  digest: boolean,
  meter: Meter.AttemptMeter | undefined
): Effect.Effect<A, E | SourceReadError, R | FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => {
    const fail = (error: PlatformError.PlatformError) => readError(name, path, platformReason(error))
    const stat = stated === undefined ? Effect.mapError(fs.stat(path), fail) : Effect.succeed(stated)
    return Effect.flatMap(stat, (info) => {
      if (info.type !== "File") return Effect.fail(readError(name, path, notAFile(info.type)))
      const stated = Number(info.size)
      if (stated <= bufferedLimit) {
        return Effect.flatMap(
          readWhole(fs, envelope, path, stated, fail, (why) => readError(name, path, why)),
          (body) =>
            use({
              size: stated,
              failure: noFailure,
              // The content sits between the envelope's head and tail in the one buffer sent.
              digest: () => {
                const end = body.length - envelope.tail.length
                return Sha256.sha256Hex(body.subarray(end - stated, end))
              },
              mtimeMs: mtimeOf(info),
              body: HttpBody.uint8Array(body, envelope.contentType)
            })
        )
      }
      return Effect.scoped(Effect.gen(function*() {
        const file = yield* Effect.mapError(fs.open(path), fail)
        const opened = yield* Effect.mapError(file.stat, fail)
        if (opened.type !== "File") return yield* Effect.fail(readError(name, path, notAFile(opened.type)))
        const size = Number(opened.size)
        const failure = failureCell()
        const reason = (why: string) => readError(name, path, why)
        const content = hashing(readChunks(file, size, reason), digest, meter)
        return yield* use({
          size,
          failure: failure.get,
          digest: content.digest,
          mtimeMs: mtimeOf(opened),
          body: HttpBody.stream(
            Multipart.stream(envelope, content.stream.pipe(Stream.tapError(failure.set))),
            envelope.contentType,
            Multipart.contentLength(envelope, size)
          )
        })
      }))
    })
  })

/**
 * A small file read into the body that carries it: open, read, close, with no buffer of its own and no
 * second copy (`readFile` would also `fstat` the file again and allocate for itself). The read asks for
 * one byte more than `size`, which lands on the first byte of the body's tail and is put back: a file
 * that grew since `stat` shows in the same call.
 */
const readWhole = (
  fs: FileSystem.FileSystem,
  envelope: Multipart.Envelope,
  path: string,
  size: number,
  onError: (error: PlatformError.PlatformError) => SourceReadError,
  fail: (reason: string) => SourceReadError
): Effect.Effect<Uint8Array, SourceReadError> =>
  Effect.scoped(Effect.flatMap(Effect.mapError(fs.open(path), onError), (file) => {
    const { buffer, contentOffset } = Multipart.allocate(envelope, size)
    const end = contentOffset + size + 1
    // A regular file reads short only at its end, so one call does; the loop is for file systems that
    // return less, until the expected bytes are in.
    const fill = (offset: number): Effect.Effect<Uint8Array, SourceReadError> =>
      Effect.flatMap(Effect.mapError(file.read(buffer.subarray(offset, end)), onError), (read) => {
        const reached = offset + Number(read)
        if (read > 0 && reached < end - 1) return fill(reached)
        if (reached !== end - 1) return Effect.fail(changed(size, fail))
        buffer.set(envelope.tail, end - 1)
        return Effect.succeed(buffer)
      })
    return fill(contentOffset)
  }))

const changed = (size: number, fail: (reason: string) => SourceReadError) =>
  fail(`its size changed while it was being sent (it had ${size} bytes when opened)`)

// A file that grew after it was opened would be sent cut short; one more read of a byte tells.
const expectEnd = (file: FileSystem.File, size: number, fail: (reason: string) => SourceReadError) =>
  Effect.flatMap(
    Effect.mapError(file.readAlloc(1), (error) => fail(platformReason(error))),
    Option.match({ onNone: () => Effect.void, onSome: () => Effect.fail(changed(size, fail)) })
  )

const readChunks = (
  file: FileSystem.File,
  size: number,
  fail: (reason: string) => SourceReadError
): Stream.Stream<Uint8Array, SourceReadError> =>
  Stream.suspend(() => {
    let remaining = size
    return Stream.repeatEffectOption(
      Effect.suspend(() =>
        remaining === 0
          ? Effect.zipRight(Effect.mapError(expectEnd(file, size, fail), Option.some), Effect.fail(Option.none()))
          : Effect.flatMap(
            Effect.mapError(
              file.readAlloc(Math.min(chunkSize, remaining)),
              (error) => Option.some(fail(platformReason(error)))
            ),
            Option.match({
              onNone: () => Effect.fail(Option.some(changed(size, fail))),
              onSome: (chunk) => {
                remaining -= chunk.length
                return Effect.succeed(chunk)
              }
            })
          )
      )
    )
  })

/** A stream that must yield exactly `size` bytes; anything else is the source's fault, not the network's. */
const exactly = (
  stream: Stream.Stream<Uint8Array, unknown>,
  size: number,
  name: string
): Stream.Stream<Uint8Array, SourceReadError> =>
  Stream.suspend(() => {
    let seen = 0
    const wrong = () => readError(name, undefined, `the stream was declared as ${size} bytes but gave ${seen}`)
    return stream.pipe(
      Stream.mapError((cause) => readError(name, undefined, `the stream failed: ${String(cause)}`)),
      Stream.mapEffect((chunk) => {
        seen += chunk.length
        return seen > size ? Effect.fail(wrong()) : Effect.succeed(chunk)
      }),
      Stream.concat(Stream.suspend(() => seen === size ? Stream.empty : Stream.fail(wrong())))
    )
  })
