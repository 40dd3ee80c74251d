import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as NodePath from "node:path"
import type * as Fault from "../Fault.js"
import * as FormBody from "./formBody.js"
import * as Inject from "./inject.js"
import { documentName } from "./keyName.js"
import * as Multipart from "./multipart.js"
import { type S3Error, s3Error, verify } from "./policy.js"
import * as RequestBody from "./requestBody.js"
import { CurrentEntry, type Entry } from "./requestLog.js"
import * as Respond from "./respond.js"
import type { EmulatorRuntime } from "./runtime.js"
import { S3Object } from "./s3Object.js"
import { metaSuffix } from "./session.js"

/**
 * The S3 side: `POST /s3/<bucket>` with a presigned-POST form. The body is read chunk by chunk
 * and parsed as it arrives (`FormParser`); fields are collected until the file part, whose bytes
 * an `S3Object` counts, hashes and stores. Whatever goes wrong, the rest of the body is read
 * before the answer, so that a client still sending its file receives the error rather than a
 * broken pipe.
 *
 * This is the emulator's busiest route, so the common case (no fault, a small file) runs as
 * plain code between the few effects it needs: a presigned POST should cost about what an API
 * call costs, or the emulator, not the client, is what an upload benchmark measures.
 *
 * @internal
 */
const maxPreData = 20 * 1024

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
  object: S3Object | undefined = undefined
  committed = false
}

const noFile = s3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")

/**
 * Splits `<org>/<workspace id>/<session id>/<name>`; the name may itself hold slashes. `name` is the
 * document name, percent-decoded (`documentName`); `rawName` is the key's part as stored.
 */
const splitKey = (key: string) => {
  const parts = key.split("/")
  if (parts.length < 4) return undefined
  const rawName = parts.slice(3).join("/")
  return { org: parts[0]!, workspaceId: parts[1]!, sessionId: parts[2]!, rawName, name: documentName(rawName) }
}

const accessDenied = (message: string) => s3Error(403, "AccessDenied", message)

const isDamage = (fault: Fault.Fault) =>
  fault._tag === "MalformedJson" || fault._tag === "WrongShape" || fault._tag === "TruncatedBody"

const requestIdOf = (entry: Entry) => entry.id.toString(16).toUpperCase().padStart(16, "0")

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
    if (target.rawName.length === 0 || target.rawName.endsWith("/") || target.name.length === 0) {
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

/** Decides, once the form's fields are in, what becomes of the file part (nothing is stored yet). */
const acceptFile = (runtime: EmulatorRuntime, state: UploadState, info: Multipart.FileInfo): void => {
  if (state.hang || state.answer !== undefined) return
  if (info.field !== "file") {
    state.error = noFile
    return
  }
  const checked = check(runtime, state.fields, info.name, runtime.clock.unsafeCurrentTimeMillis())
  if (Either.isLeft(checked)) {
    state.error = checked.left
    return
  }
  state.object = new S3Object(
    checked.right,
    `${runtime.storageDir}${NodePath.sep}${++runtime.uploadCounter}`,
    checked.right.name.endsWith(metaSuffix)
  )
}

/** The fault for this file, if any, as S3 would suffer it; only some of them need an effect. */
const faultFor = (
  runtime: EmulatorRuntime,
  state: UploadState,
  entry: Entry,
  info: Multipart.FileInfo
): Effect.Effect<void, never, HttpServerRequest.HttpServerRequest | CurrentEntry> | undefined => {
  // A rule's glob names documents, so it meets the name decoded as the document name is.
  const fault = runtime.faults.next("s3", documentName(info.name))
  if (fault === undefined) return undefined
  // Logged when it strikes: a hang once the body is in, damage once the upload is stored (Inject.after).
  if (fault._tag === "ConnectionReset" || Inject.strikesBefore(fault)) entry.fault = fault._tag
  if (fault._tag === "ConnectionReset") return Inject.reset
  if (fault._tag === "Hang") state.hang = true
  else if (isDamage(fault)) state.damage = fault
  else {
    return Effect.map(Inject.before(fault, "xml", runtime.clock, requestIdOf(entry)), (answer) => {
      state.answer = answer
    })
  }
  return undefined
}

/**
 * Takes the form's parts: fields until the file, then the file, whose fault (if it has one) strikes
 * before it is accepted. Anything after the file is only noted, as S3 refuses it.
 */
const takePart = (runtime: EmulatorRuntime, state: UploadState, entry: Entry, event: Multipart.Event) => {
  switch (event._tag) {
    case "Field": {
      if (state.fileSeen) state.trailing = true
      else state.fields.set(event.name.toLowerCase(), event.value)
      return undefined
    }
    case "FileStart": {
      if (state.fileSeen) {
        state.trailing = true
        return undefined
      }
      state.fileSeen = true
      state.inFile = true
      const fault = faultFor(runtime, state, entry, event.info)
      if (fault !== undefined) return Effect.andThen(fault, () => acceptFile(runtime, state, event.info))
      acceptFile(runtime, state, event.info)
      return undefined
    }
    case "FileData": {
      if (state.inFile) state.object?.receive(event.chunk)
      return undefined
    }
    case "FileEnd": {
      state.inFile = false
      return undefined
    }
  }
}

/**
 * Stores the received file in its session, or says why it cannot be stored; `md5` on success.
 * The file stays in memory when it may, so the common case needs no effect at all.
 */
const commit = (runtime: EmulatorRuntime, state: UploadState, object: S3Object) =>
  Effect.gen(function*() {
    if (object.overflow) {
      return Either.left(s3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"))
    }
    if (object.size < object.target.minSize) {
      return Either.left(
        s3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
      )
    }
    const placed = object.finish(runtime)
    if ("write" in placed) yield* placed.write
    yield* object.close
    const now = runtime.clock.unsafeCurrentTimeMillis()
    runtime.store.settle(now)
    const md5 = object.md5.digest("hex")
    const result = runtime.store.upload(object.target.sessionId, {
      name: object.target.name,
      key: object.target.key,
      size: object.size,
      sha256: object.sha256.digest("hex"),
      md5,
      path: object.path,
      bytes: "bytes" in placed ? placed.bytes : undefined,
      meta: object.meta
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

const malformedPost = s3Error(
  400,
  "MalformedPOSTRequest",
  "The body of your POST request is not well-formed multipart/form-data."
)

const handle = (runtime: EmulatorRuntime, state: UploadState) =>
  Effect.gen(function*() {
    const entry = yield* CurrentEntry
    entry.route = "s3"
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    const requestId = requestIdOf(entry)
    const refuse = (error: S3Error, extra?: Record<string, string>) =>
      Effect.as(RequestBody.discardRest(incoming), Respond.s3Error(error, requestId, extra))
    const bucket = (yield* HttpRouter.params)["bucket"]
    if (bucket !== runtime.signer.bucket) {
      return yield* refuse(s3Error(404, "NoSuchBucket", "The specified bucket does not exist"), {
        BucketName: bucket ?? ""
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
    const boundary = Multipart.boundaryOf(contentType)
    if (boundary === undefined) return yield* refuse(malformedPost)
    const failure = yield* FormBody.read({
      runtime,
      incoming,
      boundary,
      maxPreData,
      onEvent: (event) => takePart(runtime, state, entry, event),
      object: () => state.object
    })
    if (failure === "PreDataTooLarge") {
      return yield* refuse(
        s3Error(
          400,
          "MaxPostPreDataLengthExceeded",
          "Your POST request fields preceding the upload file were too large."
        )
      )
    }
    if (failure === "Malformed") return yield* refuse(malformedPost)
    if (state.hang) {
      entry.fault = "Hang"
      return yield* Effect.never
    }
    if (state.answer !== undefined) return state.answer
    if (state.error !== undefined) return Respond.s3Error(state.error, requestId)
    if (state.object === undefined) return Respond.s3Error(noFile, requestId)
    if (state.trailing) {
      return Respond.s3Error(
        s3Error(400, "InvalidArgument", "The file must be the last part of the form; nothing may follow it."),
        requestId
      )
    }
    const committed = yield* commit(runtime, state, state.object)
    if (Either.isLeft(committed)) return Respond.s3Error(committed.left, requestId)
    const answer = success(runtime, state, state.object.target.key, committed.right, requestId)
    return state.damage === undefined ? answer : yield* Inject.after(state.damage, answer)
  })

/** @internal */
export const upload = (runtime: EmulatorRuntime) =>
  Effect.suspend(() => {
    const state = new UploadState()
    return handle(runtime, state).pipe(
      Effect.catchTag("IncompleteBody", () =>
        // The client broke off mid-body; S3 answers so, though usually no one is left to hear it.
        Effect.map(CurrentEntry, (entry) =>
          Respond.s3Error(
            s3Error(
              400,
              "IncompleteBody",
              "You did not provide the number of bytes specified by the Content-Length HTTP header."
            ),
            requestIdOf(entry)
          ))),
      Effect.ensuring(Effect.suspend(() => {
        const object = state.object
        if (object === undefined) return Effect.void
        const close = object.close
        return object.onDisk && !state.committed
          ? Effect.zipRight(close, Effect.ignore(runtime.fs.remove(object.path)))
          : close
      }))
    )
  })
