import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { IncomingMessage } from "node:http"
import * as NodePath from "node:path"
import { type Call, type Handler, iso, operation, searchParams } from "./api.js"
import * as FileQuery from "./fileQuery.js"
import * as FormBody from "./formBody.js"
import { parseUuid } from "./ids.js"
import * as Multipart from "./multipart.js"
import * as Odata from "./odata.js"
import * as RequestBody from "./requestBody.js"
import * as Respond from "./respond.js"
import type { EmulatorRuntime } from "./runtime.js"
import { S3Object } from "./s3Object.js"
import type { IndexEntry, Workspace } from "./store.js"
import type { ErrorDetail } from "./validation.js"

/**
 * The files API that deepset's official Python client uses beside sessions: it posts each of up to
 * 20 files to `POST /files` (multipart `file` and `meta`, `write_mode` in the query), lists a
 * workspace's files by a keyset cursor and downloads a file and its metadata. A posted file enters
 * the same workspace index that sessions feed, at once (the service answers only once the file is
 * stored), so write modes hold across both ways in.
 *
 * @internal
 */
const maxFields = 1024 * 1024

const fileNotFound = Respond.notFound("File not found")

/** What a `POST /files` form held once read. */
class UploadForm {
  readonly fields = new Map<string, string>()
  fieldBytes = 0
  file: S3Object | undefined = undefined
  fileName = ""
  /** The `meta` part, when sent as a file part rather than a field. */
  metaChunks: Array<Buffer> | undefined = undefined
  /** Which part the bytes at hand belong to. */
  current: "file" | "meta" | "skip" | undefined = undefined
  committed = false
}

const newObject = (runtime: EmulatorRuntime, name: string) =>
  new S3Object(
    { sessionId: "", name, key: "", minSize: 0, maxSize: runtime.maxFileSize },
    `${runtime.storageDir}${NodePath.sep}${++runtime.uploadCounter}`,
    false
  )

/** Takes the form's parts: the file's bytes into an `S3Object` as S3 uploads are, `meta` and fields as text. */
const takePart = (runtime: EmulatorRuntime, form: UploadForm) => (event: Multipart.Event): undefined => {
  switch (event._tag) {
    case "Field": {
      form.fieldBytes += event.value.length
      // Starlette keeps the last of repeated fields.
      form.fields.set(event.name, event.value)
      break
    }
    case "FileStart": {
      if (event.info.field === "file" && form.file === undefined) {
        form.file = newObject(runtime, event.info.name)
        form.fileName = event.info.name
        form.current = "file"
      } else if (event.info.field === "meta") {
        form.metaChunks = []
        form.current = "meta"
      } else {
        form.current = "skip"
      }
      break
    }
    case "FileData": {
      if (form.current === "file") form.file?.receive(event.chunk)
      else if (form.current === "meta" && form.metaChunks !== undefined) {
        form.fieldBytes += event.chunk.length
        // Copied: the parser's views are of chunks the socket may reuse.
        form.metaChunks.push(Buffer.from(event.chunk))
      }
      break
    }
    case "FileEnd": {
      form.current = undefined
      break
    }
  }
  return undefined
}

/** Reads the multipart body part by part; it stops as soon as the fields and `meta` are too large. */
const readForm = (runtime: EmulatorRuntime, incoming: IncomingMessage, boundary: string, form: UploadForm) =>
  Effect.map(
    FormBody.read({
      runtime,
      incoming,
      boundary,
      maxPreData: maxFields,
      onEvent: takePart(runtime, form),
      object: () => form.file,
      stop: () => form.fieldBytes > maxFields
    }),
    (failure) => {
      if (failure === "PreDataTooLarge" || form.fieldBytes > maxFields) return "TooLarge" as const
      return failure === "Malformed" ? "Malformed" as const : "Read" as const
    }
  )

const missing = (loc: ReadonlyArray<string>): ErrorDetail => ({
  type: "missing",
  loc,
  msg: "Field required",
  input: null
})

/** `meta` as sent: absent, empty or JSON `null` is no metadata; a JSON object is; anything else is 422. */
const decodeMeta = (
  text: string | undefined
): Either.Either<{ readonly meta: object | undefined; readonly text: string | undefined }, ErrorDetail> => {
  if (text === undefined || text.trim() === "") return Either.right({ meta: undefined, text: undefined })
  const json = Schema.decodeUnknownEither(Schema.parseJson())(text)
  if (Either.isLeft(json)) {
    return Either.left({ type: "json_invalid", loc: ["body", "meta"], msg: "Invalid JSON", input: text })
  }
  if (json.right === null) return Either.right({ meta: undefined, text: undefined })
  return Predicate.isRecord(json.right) && !Array.isArray(json.right)
    ? Either.right({ meta: json.right, text })
    : Either.left({
      type: "dict_type",
      loc: ["body", "meta"],
      msg: "Input should be a valid dictionary",
      input: json.right
    })
}

const upload = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.suspend(() => {
    const form = new UploadForm()
    const incoming = NodeHttpServerRequest.toIncomingMessage(call.request)
    // Whatever the answer, the rest of the body is read first, so that a client still sending hears it.
    const refuse = (response: HttpServerResponse.HttpServerResponse) =>
      Effect.as(RequestBody.discardRest(incoming), response)
    return Effect.gen(function*() {
      const query = FileQuery.uploadQuery(searchParams(call.request))
      const boundary = Multipart.boundaryOf(call.request.headers["content-type"])
      const read = boundary === undefined ? "Read" : yield* readForm(runtime, incoming, boundary, form)
      if (read === "TooLarge") return yield* refuse(Respond.detail(413, "Request body too large"))
      if (read === "Malformed") return yield* refuse(Respond.detail(400, "There was an error parsing the body"))
      yield* RequestBody.discardRest(incoming)
      const errors: Array<ErrorDetail> = Either.isLeft(query) ? [...query.left] : []
      // The official client's in-memory upload sends a `text` field with a `file_name` query instead of a file.
      const text = form.file === undefined ? form.fields.get("text") : undefined
      if (form.file === undefined && text === undefined) errors.push(missing(["body", "file"]))
      const name = Either.isRight(query) ? query.right.fileName ?? form.fileName : form.fileName
      if (text !== undefined && name === "") errors.push(missing(["query", "file_name"]))
      const metaText = form.metaChunks === undefined
        ? form.fields.get("meta")
        : Buffer.concat(form.metaChunks).toString("utf8")
      const meta = decodeMeta(metaText)
      if (Either.isLeft(meta)) errors.push(meta.left)
      if (errors.length > 0 || Either.isLeft(query) || Either.isLeft(meta)) return Respond.unprocessable(errors)
      if (name === "") return Respond.unprocessable([missing(["body", "file", "filename"])])
      const object = form.file ?? newObject(runtime, name)
      if (text !== undefined) {
        form.file = object
        object.receive(Buffer.from(text, "utf8"))
      }
      if (object.overflow) return Respond.detail(413, "File too large")
      const placed = object.finish(runtime)
      if ("write" in placed) yield* placed.write
      yield* object.close
      const workspace = runtime.store.workspace(call.workspace)
      const now = runtime.clock.unsafeCurrentTimeMillis()
      const result = runtime.store.directUpload(call.workspace, {
        name,
        writeMode: query.right.writeMode,
        keyPrefix: `${runtime.organizationId}/${workspace.id}/files/`,
        size: object.size,
        sha256: object.sha256.digest("hex"),
        md5: object.md5.digest("hex"),
        path: object.path,
        bytes: "bytes" in placed ? placed.bytes : undefined,
        meta: meta.right.meta,
        metaText: meta.right.text
      }, now)
      if (result._tag === "Exists") {
        return Respond.detail(409, `A file named ${JSON.stringify(name)} already exists in the workspace.`)
      }
      form.committed = true
      return Respond.json(201, { file_id: result.entry.fileIngestionId })
    }).pipe(
      Effect.catchTag("IncompleteBody", () => Effect.succeed(Respond.detail(400, "Incomplete request body"))),
      // A storage folder that cannot be written is the emulator's own failure: a 500.
      Effect.orDie,
      Effect.ensuring(Effect.suspend(() => {
        const object = form.file
        if (object === undefined) return Effect.void
        return object.onDisk && !form.committed
          ? Effect.zipRight(object.close, Effect.ignore(runtime.fs.remove(object.path)))
          : object.close
      }))
    )
  })

/** The document with this id in the call's workspace, if it is in the index at `now`. */
const findFile = (
  runtime: EmulatorRuntime,
  call: Call
): Either.Either<IndexEntry, HttpServerResponse.HttpServerResponse> => {
  const raw = call.params["file_id"] ?? ""
  const id = parseUuid(raw)
  if (id === undefined) {
    return Either.left(Respond.unprocessable([{
      type: "uuid_parsing",
      loc: ["path", "file_id"],
      msg: "Input should be a valid UUID, unable to parse string as a UUID",
      input: raw
    }]))
  }
  const entry = runtime.store.workspaces.get(call.workspace)?.indexById.get(id)
  return entry === undefined || entry.ingestedAt > call.now ? Either.left(fileNotFound) : Either.right(entry)
}

const download = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.sync(() => {
    const found = findFile(runtime, call)
    if (Either.isLeft(found)) return found.left
    const file = found.right.file
    // Read together: writing out an object in memory clears `bytes` only once `path` holds them.
    const bytes = file.bytes
    const path = file.path
    const options = { contentType: "application/octet-stream" }
    if (bytes !== undefined) return HttpServerResponse.uint8Array(bytes, options)
    // A seeded document has no bytes anywhere; its size and hashes are those of `x`.
    if (path === undefined) return HttpServerResponse.text("x", options)
    return HttpServerResponse.stream(runtime.fs.stream(path), { ...options, contentLength: file.size })
  })

const readMeta = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.sync(() => {
    const found = findFile(runtime, call)
    return Either.isLeft(found) ? found.left : Respond.json(200, found.right.meta ?? {})
  })

const sortKey = (entry: IndexEntry, field: FileQuery.SortField): number | string =>
  field === "created_at" ? entry.ingestedAt : field === "size" ? entry.size : entry.name

const compare = (a: number | string, aId: string, b: number | string, bId: string): number =>
  a < b ? -1 : a > b ? 1 : aId < bId ? -1 : aId > bId ? 1 : 0

/** The documents of a workspace the listing shows at `now`, filtered and in the query's order. */
const listed = (workspace: Workspace | undefined, query: FileQuery.ListQuery, now: number): Array<IndexEntry> => {
  if (workspace === undefined) return []
  const needle = query.name?.toLowerCase()
  const out: Array<IndexEntry> = []
  for (const entry of workspace.indexById.values()) {
    if (entry.ingestedAt > now) continue
    if (needle !== undefined && !entry.name.toLowerCase().includes(needle)) continue
    if (query.conditions.length > 0 && !Odata.matches(query.conditions, entry.meta)) continue
    out.push(entry)
  }
  const sign = query.order === "ASC" ? 1 : -1
  return out.sort((a, b) =>
    sign * compare(sortKey(a, query.field), a.fileIngestionId, sortKey(b, query.field), b.fileIngestionId)
  )
}

const list = (runtime: EmulatorRuntime): Handler => (call) =>
  Effect.sync(() => {
    const query = FileQuery.listQuery(searchParams(call.request))
    if (Either.isLeft(query)) return Respond.unprocessable(query.left)
    const { after, field, limit, order } = query.right
    const all = listed(runtime.store.workspaces.get(call.workspace), query.right, call.now)
    const sign = order === "ASC" ? 1 : -1
    // Keyset: strictly after (value, id) in the listing's order; the cursor's file need not exist.
    const from = after === undefined
      ? 0
      : all.findIndex((entry) =>
        sign * compare(sortKey(entry, field), entry.fileIngestionId, after.value, after.fileId) > 0
      )
    const start = from === -1 ? all.length : from
    const page = all.slice(start, start + limit)
    return Respond.json(200, {
      total: all.length,
      data: page.map((entry) => ({
        file_id: entry.fileIngestionId,
        url: `/api/v1/workspaces/${call.workspace}/files/${entry.fileIngestionId}`,
        name: entry.name,
        size: entry.size,
        created_at: iso(entry.ingestedAt),
        meta: entry.meta ?? {}
      })),
      has_more: start + limit < all.length
    })
  })

/** Reads what is left of the body after any answer (a fault, a 401), so that a client still sending hears it. */
const drained = <E, R>(answer: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request) => Effect.tap(answer, () => RequestBody.discardRest(NodeHttpServerRequest.toIncomingMessage(request)))
  )

/** @internal */
export const router = (runtime: EmulatorRuntime) => {
  const files = "/api/v1/workspaces/:workspace/files"
  return HttpRouter.empty.pipe(
    HttpRouter.post(files, drained(operation(runtime, "uploadFile", upload(runtime)))),
    HttpRouter.get(files, operation(runtime, "listFiles", list(runtime))),
    HttpRouter.get(`${files}/:file_id`, operation(runtime, "getFile", download(runtime))),
    HttpRouter.get(`${files}/:file_id/meta`, operation(runtime, "getFileMeta", readMeta(runtime)))
  )
}
