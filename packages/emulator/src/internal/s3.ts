import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { createHash } from "node:crypto"
import * as NodePath from "node:path"
import type { Readable } from "node:stream"
import type * as Fault from "../Fault.js"
import * as Inject from "./inject.js"
import * as Multipart from "./multipart.js"
import { type S3Error, s3Error, verify } from "./policy.js"
import { CurrentEntry } from "./requestLog.js"
import * as Respond from "./respond.js"
import type { EmulatorRuntime } from "./runtime.js"
import { metaSuffix } from "./session.js"

/**
 * The S3 side: `POST /s3/<bucket>` with a presigned-POST form. The body is read chunk by chunk
 * and parsed as it arrives (`FormParser`); fields are collected until the file part, whose bytes
 * are hashed and counted as they pass. A file that fits in `bufferLimit` is written with a single
 * call once complete; a larger one streams to disk, one write per `bufferLimit` of data, and the
 * next chunk is read only once a write is done. So no upload is held in memory beyond that buffer
 * (except `.meta.json` files under 1 MiB, whose text ingestion needs). Whatever goes wrong, the
 * rest of the body is read before the answer, so that a client still sending its file receives
 * the error rather than a broken pipe.
 *
 * @internal
 */
const maxMetaText = 1024 * 1024

/** S3 refuses forms whose fields before the file exceed 20 KB. */
const maxPreData = 20 * 1024

/** How much of a file is gathered before it goes to disk. */
const bufferLimit = 256 * 1024

interface Written {
  readonly path: string
  readonly sessionId: string
  readonly name: string
  readonly key: string
  readonly minSize: number
  readonly maxSize: number
  size: number
  overflow: boolean
  readonly sha256: ReturnType<typeof createHash>
  readonly md5: ReturnType<typeof createHash>
  meta: Array<Uint8Array> | undefined
  /** Received but not yet on disk. */
  buffered: Array<Uint8Array>
  bufferedBytes: number
  /** Opened once the file outgrows the buffer. */
  file: FileSystem.File | undefined
  onDisk: boolean
}

class UploadState {
  readonly fields = new Map<string, string>()
  fileSeen = false
  /** Inside the content of the (first) file part. */
  inFile = false
  trailing = false
  hang = false
  answer: HttpServerResponse.HttpServerResponse | undefined = undefined
  error: S3Error | undefined = undefined
  damage: Fault.Fault | undefined = undefined
  written: Written | undefined = undefined
  committed = false
}

const noFile = s3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")

/** Splits `<org>/<workspace id>/<session id>/<name>`; the name may itself hold slashes. */
const splitKey = (key: string) => {
  const parts = key.split("/")
  return parts.length < 4
    ? undefined
    : { org: parts[0]!, workspaceId: parts[1]!, sessionId: parts[2]!, name: parts.slice(3).join("/") }
}

const accessDenied = (message: string) => s3Error(403, "AccessDenied", message)

const isDamage = (fault: Fault.Fault) =>
  fault._tag === "MalformedJson" || fault._tag === "WrongShape" || fault._tag === "TruncatedBody"

/** Decides what becomes of the file part: faults first, then the form's checks; stores nothing yet. */
const onFile = (runtime: EmulatorRuntime, state: UploadState, info: Multipart.FileInfo, requestId: string) =>
  Effect.gen(function*() {
    const entry = yield* CurrentEntry
    const filename = info.name
    const fault = runtime.faults.next("s3", filename)
    if (fault !== undefined) {
      entry.fault = fault._tag
      if (fault._tag === "ConnectionReset") return yield* Inject.reset
      if (fault._tag === "Hang") state.hang = true
      else if (isDamage(fault)) state.damage = fault
      else state.answer = yield* Inject.before(fault, "xml", runtime.clock, requestId)
    }
    if (state.hang || state.answer !== undefined) return
    if (info.field !== "file") {
      state.error = noFile
      return
    }
    const now = yield* runtime.clock.currentTimeMillis
    const checked = check(runtime, state.fields, filename, now)
    if (Either.isLeft(checked)) {
      state.error = checked.left
      return
    }
    state.written = {
      ...checked.right,
      path: NodePath.join(runtime.storageDir, String(++runtime.uploadCounter)),
      size: 0,
      overflow: false,
      sha256: createHash("sha256"),
      md5: createHash("md5"),
      meta: checked.right.name.endsWith(metaSuffix) ? [] : undefined,
      buffered: [],
      bufferedBytes: 0,
      file: undefined,
      onDisk: false
    }
  })

/** Counts, hashes and gathers a piece of the file; past the size limit it is only counted. */
const receive = (written: Written, chunk: Uint8Array): void => {
  written.size += chunk.length
  if (written.overflow || written.size > written.maxSize) {
    written.overflow = true
    written.buffered = []
    written.bufferedBytes = 0
    return
  }
  written.sha256.update(chunk)
  written.md5.update(chunk)
  if (written.meta !== undefined) {
    if (written.size <= maxMetaText) written.meta.push(chunk)
    else written.meta = undefined
  }
  written.buffered.push(chunk)
  written.bufferedBytes += chunk.length
}

/** Writes what is gathered to the (lazily opened) file, in one write. */
const flush = (runtime: EmulatorRuntime, written: Written) =>
  Effect.gen(function*() {
    if (written.file === undefined) {
      written.onDisk = true
      written.file = yield* runtime.fs.open(written.path, { flag: "w" })
    }
    const bytes = written.buffered.length === 1 ? written.buffered[0]! : Buffer.concat(written.buffered)
    written.buffered = []
    written.bufferedBytes = 0
    yield* written.file.writeAll(bytes)
  })

/** Puts the complete file on disk: in one call when it never outgrew the buffer. */
const store = (runtime: EmulatorRuntime, written: Written) =>
  Effect.suspend(() => {
    if (written.file !== undefined) return written.bufferedBytes > 0 ? flush(runtime, written) : Effect.void
    written.onDisk = true
    const bytes = written.buffered.length === 1 ? written.buffered[0]! : Buffer.concat(written.buffered)
    written.buffered = []
    written.bufferedBytes = 0
    return runtime.fs.writeFile(written.path, bytes)
  })

/**
 * The next chunk of the request body, `undefined` at its end. It fails when the connection breaks
 * before the end.
 */
const readChunk = (incoming: Readable): Effect.Effect<Buffer | undefined, IncompleteBody> =>
  Effect.async((resume) => {
    const take = (): boolean => {
      const chunk = incoming.read() as Buffer | null
      if (chunk !== null) resume(Effect.succeed(chunk))
      else if (incoming.readableEnded) resume(Effect.succeed(undefined))
      else return false
      return true
    }
    if (take()) return
    const cleanup = () => {
      incoming.off("readable", onReadable)
      incoming.off("end", onEnd)
      incoming.off("error", onBroken)
      incoming.off("close", onBroken)
    }
    const onReadable = () => {
      if (take()) cleanup()
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(undefined))
    }
    const onBroken = () => {
      cleanup()
      resume(Effect.fail(new IncompleteBody()))
    }
    incoming.on("readable", onReadable)
    incoming.once("end", onEnd)
    incoming.once("error", onBroken)
    incoming.once("close", onBroken)
    return Effect.sync(cleanup)
  })

class IncompleteBody {
  readonly _tag = "IncompleteBody"
}

/** The policy, the key and the session, checked before a byte of the file is stored. */
const check = (runtime: EmulatorRuntime, fields: ReadonlyMap<string, string>, filename: string, now: number) =>
  Either.flatMap(verify(runtime.signer, fields, filename, now), (verified) => {
    if (Buffer.byteLength(verified.key, "utf8") > 1024) {
      return Either.left(s3Error(400, "KeyTooLongError", "Your key is too long"))
    }
    const target = splitKey(verified.key)
    const session = target === undefined ? undefined : runtime.store.sessions.get(target.sessionId)
    const workspace = session === undefined ? undefined : runtime.store.workspaces.get(session.workspace)
    if (
      target === undefined || session === undefined || workspace === undefined ||
      target.org !== runtime.organizationId || target.workspaceId !== workspace.id
    ) {
      return Either.left(accessDenied("The key does not lie under an upload session's prefix."))
    }
    if (target.name.length === 0 || target.name.endsWith("/")) {
      return Either.left(s3Error(400, "InvalidArgument", "The file part has no file name."))
    }
    if (session.status(now) !== "OPEN") {
      return Either.left(accessDenied(`The upload session is ${session.status(now).toLowerCase()}.`))
    }
    if (!session.uploads.has(target.name) && session.uploads.size >= runtime.store.options.maxFilesPerSession) {
      return Either.left(
        accessDenied(`The upload session already holds ${runtime.store.options.maxFilesPerSession} files, its limit.`)
      )
    }
    return Either.right({
      sessionId: session.id,
      name: target.name,
      key: verified.key,
      minSize: verified.minSize,
      maxSize: verified.maxSize
    })
  })

const concat = (chunks: ReadonlyArray<Uint8Array>): string => Buffer.concat(chunks).toString("utf8")

/** Stores the written file in its session, or says why it cannot be stored. */
const commit = (runtime: EmulatorRuntime, state: UploadState, written: Written) =>
  Effect.gen(function*() {
    if (written.overflow) {
      return Either.left(s3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"))
    }
    if (written.size < written.minSize) {
      return Either.left(
        s3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
      )
    }
    yield* store(runtime, written)
    const now = yield* runtime.clock.currentTimeMillis
    runtime.store.settle(now)
    const md5 = written.md5.digest("hex")
    const result = runtime.store.upload(written.sessionId, {
      name: written.name,
      key: written.key,
      size: written.size,
      sha256: written.sha256.digest("hex"),
      md5,
      path: written.path,
      meta: written.meta === undefined ? undefined : concat(written.meta)
    }, now)
    switch (result._tag) {
      case "Stored": {
        state.committed = true
        if (result.replacedPath !== undefined) yield* Effect.ignore(runtime.fs.remove(result.replacedPath))
        return Either.right(md5)
      }
      case "Full":
        return Either.left(accessDenied(`The upload session already holds ${result.limit} files, its limit.`))
      default:
        return Either.left(accessDenied("The upload session is no longer open."))
    }
  })

const success = (runtime: EmulatorRuntime, state: UploadState, key: string, md5: string, requestId: string) => {
  const location = `${runtime.urls.s3}/${key.split("/").map(encodeURIComponent).join("/")}`
  const headers = { etag: `"${md5}"`, location, "x-amz-request-id": requestId }
  switch (state.fields.get("success_action_status")) {
    case "200":
      return HttpServerResponse.empty({ status: 200, headers })
    case "201":
      return HttpServerResponse.text(
        `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${Respond.escapeXml(location)}</Location>` +
          `<Bucket>${runtime.signer.bucket}</Bucket><Key>${
            Respond.escapeXml(key)
          }</Key><ETag>"${md5}"</ETag></PostResponse>`,
        { status: 201, contentType: "application/xml", headers }
      )
    default:
      return HttpServerResponse.empty({ status: 204, headers })
  }
}

const removeQuietly = (fs: FileSystem.FileSystem, path: string) => Effect.ignore(fs.remove(path))

const handle = (runtime: EmulatorRuntime, state: UploadState) =>
  Effect.gen(function*() {
    const entry = yield* CurrentEntry
    entry.route = "s3"
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    const requestId = entry.id.toString(16).toUpperCase().padStart(16, "0")
    const params = yield* HttpRouter.params
    const refuse = (error: S3Error, extra?: Record<string, string>) =>
      Effect.async<HttpServerResponse.HttpServerResponse>((resume) => {
        // Read what is left of the body first, so that the client hears the answer.
        let answered = false
        const answer = () => {
          if (answered) return
          answered = true
          resume(Effect.succeed(Respond.s3Error(error, requestId, extra)))
        }
        if (incoming.readableEnded) return answer()
        incoming.once("end", answer)
        incoming.once("error", answer)
        incoming.resume()
      })
    if (params["bucket"] !== runtime.signer.bucket) {
      return yield* refuse(s3Error(404, "NoSuchBucket", "The specified bucket does not exist"), {
        BucketName: params["bucket"] ?? ""
      })
    }
    if (request.headers["authorization"] !== undefined) {
      // Real S3 answers so when a POST carries a policy and an Authorization header; the value is not echoed.
      return yield* refuse(s3Error(400, "InvalidArgument", "Unsupported Authorization Type"), {
        ArgumentName: "Authorization"
      })
    }
    const contentType = request.headers["content-type"]
    if (!(contentType ?? "").toLowerCase().startsWith("multipart/form-data")) {
      return yield* refuse(
        s3Error(412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
      )
    }
    const malformed = () =>
      refuse(
        s3Error(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
      )
    const boundary = Multipart.boundaryOf(contentType)
    if (boundary === undefined) return yield* malformed()
    const parser = new Multipart.FormParser(boundary, maxPreData)
    while (true) {
      const chunk = yield* readChunk(incoming)
      const events = chunk === undefined ? parser.end() : parser.write(chunk)
      if (parser.failure !== undefined) break
      for (const event of events) {
        switch (event._tag) {
          case "Field": {
            if (state.fileSeen) state.trailing = true
            else state.fields.set(event.name.toLowerCase(), event.value)
            break
          }
          case "FileStart": {
            if (state.fileSeen) {
              state.trailing = true
            } else {
              state.fileSeen = true
              state.inFile = true
              yield* onFile(runtime, state, event.info, requestId)
            }
            break
          }
          case "FileData": {
            if (state.inFile && state.written !== undefined) receive(state.written, event.chunk)
            break
          }
          case "FileEnd": {
            state.inFile = false
            break
          }
        }
      }
      if (chunk === undefined) break
      if (state.written !== undefined && state.written.bufferedBytes >= bufferLimit) {
        yield* flush(runtime, state.written)
      }
    }
    const outcome = yield* Effect.gen(function*() {
      if (parser.failure === "PreDataTooLarge") {
        return yield* refuse(
          s3Error(
            400,
            "MaxPostPreDataLengthExceeded",
            "Your POST request fields preceding the upload file were too large."
          )
        )
      }
      if (parser.failure === "Malformed") return yield* malformed()
      if (state.hang) return yield* Effect.never
      if (state.answer !== undefined) return state.answer
      if (state.error !== undefined) return Respond.s3Error(state.error, requestId)
      if (!state.fileSeen || state.written === undefined) return Respond.s3Error(noFile, requestId)
      if (state.trailing) {
        return Respond.s3Error(
          s3Error(400, "InvalidArgument", "The file must be the last part of the form; nothing may follow it."),
          requestId
        )
      }
      const committed = yield* commit(runtime, state, state.written)
      if (Either.isLeft(committed)) return Respond.s3Error(committed.left, requestId)
      return yield* Inject.after(state.damage, success(runtime, state, state.written.key, committed.right, requestId))
    })
    return outcome
  })

/** @internal */
export const upload = (runtime: EmulatorRuntime) =>
  Effect.suspend(() => {
    const state = new UploadState()
    return Effect.ensuring(
      handle(runtime, state).pipe(
        Effect.catchTag("IncompleteBody", () =>
          // The client broke off mid-body; S3 answers so, though usually no one is left to hear it.
          Effect.map(CurrentEntry, (entry) =>
            Respond.s3Error(
              s3Error(
                400,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP header."
              ),
              entry.id.toString(16).toUpperCase().padStart(16, "0")
            ))),
        Effect.scoped
      ),
      Effect.suspend(() =>
        state.written?.onDisk === true && !state.committed ? removeQuietly(runtime.fs, state.written.path) : Effect.void
      )
    )
  })
