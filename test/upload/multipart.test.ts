import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as FileName from "../../packages/sdk/src/internal/fileName.js"
import * as Multipart from "../../packages/sdk/src/internal/multipart.js"
import * as Source from "../../packages/sdk/src/internal/source.js"

const bodyBytes = (body: HttpBody.HttpBody): Effect.Effect<Uint8Array, unknown> => {
  switch (body._tag) {
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Stream":
      return Stream.runCollect(body.stream).pipe(Effect.map((chunks) => Buffer.concat(Chunk.toArray(chunks))))
    default:
      return Effect.die(`unexpected body ${body._tag}`)
  }
}

const declaredLength = (body: HttpBody.HttpBody): number | undefined =>
  body._tag === "Uint8Array" ? body.contentLength : body._tag === "Stream" ? body.contentLength : undefined

// Decodes with the platform's own multipart parser, which knows nothing of how the body was built.
const parse = (bytes: Uint8Array, contentType: string) =>
  Effect.promise(() => new Response(new Uint8Array(bytes), { headers: { "content-type": contentType } }).formData())

const fieldName = FastCheck.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/)
const fieldValue = FastCheck.string({ maxLength: 80 }).filter((v) => !v.includes("\r") && !v.includes("\n"))
const fields = FastCheck.uniqueArray(FastCheck.tuple(fieldName, fieldValue), { selector: ([k]) => k, maxLength: 8 })
  .map((entries) => Object.fromEntries(entries.filter(([k]) => k !== "file")))

describe("multipart bodies", () => {
  it.effect.prop(
    "the declared Content-Length is the length of the body, which parses to the fields in order and the file last",
    [fields, FastCheck.uint8Array({ maxLength: 4096 }), FastCheck.stringMatching(/^[a-z0-9 ._-]{1,30}$/)],
    ([fields, content, name]) =>
      Effect.gen(function*() {
        const form = Multipart.make(fields)
        const envelope = Multipart.envelope(form, name)
        const attempt = yield* Source.withBody(envelope, name, { _tag: "Bytes", bytes: content }, Effect.succeed)
        const bytes = yield* bodyBytes(attempt.body)
        assert.strictEqual(declaredLength(attempt.body), bytes.length)
        assert.strictEqual(Multipart.contentLength(envelope, content.length), bytes.length)
        const data = yield* parse(bytes, form.contentType)
        const entries = [...data.entries()]
        assert.deepStrictEqual(entries.slice(0, -1).map(([k, v]) => [k, v]), Object.entries(fields))
        const [lastName, file] = entries[entries.length - 1]!
        assert.strictEqual(lastName, "file")
        assert.instanceOf(file, File)
        // The name travels percent-encoded, as the official client sends it; the receiver decodes it.
        assert.strictEqual((file as File).name, FileName.wireName(name))
        assert.strictEqual(decodeURIComponent((file as File).name), name)
        assert.deepStrictEqual(new Uint8Array(yield* Effect.promise(() => (file as File).arrayBuffer())), content)
      }).pipe(Effect.provide(NodeFileSystem.layer)),
    { fastCheck: { numRuns: 50, seed: 4 } }
  )

  it("uses a fresh boundary per form", () => {
    assert.notStrictEqual(Multipart.randomBoundary(), Multipart.randomBoundary())
    assert.match(Multipart.randomBoundary(), /^----effect-deepset-[0-9a-f]{48}$/)
  })

  it("percent-encodes quotes and line breaks in field names", () => {
    const form = Multipart.make({ "a\"b\r\nc": "v" }, "B")
    assert.include(new TextDecoder().decode(form.preamble), "name=\"a%22b%0D%0Ac\"")
  })
})

// A server on loopback that records what arrived: the declared Content-Length and the bytes received.
const recorder = Effect.acquireRelease(
  Effect.async<
    { readonly url: string; readonly received: Array<{ declared: number; bytes: Buffer }>; server: Http.Server }
  >(
    (resume) => {
      const received: Array<{ declared: number; bytes: Buffer }> = []
      const server = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          received.push({ declared: Number(req.headers["content-length"]), bytes: Buffer.concat(chunks) })
          res.writeHead(204).end()
        })
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket`,
          received,
          server
        })))
    }
  ),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
)

const send = (url: string, body: HttpBody.HttpBody) =>
  Effect.flatMap(
    HttpClient.HttpClient,
    (client) =>
      client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.setBody(body))).pipe(
        Effect.map((response) => response.status)
      )
  )

const TestLayer = Layer.mergeAll(NodeFileSystem.layer, NodeHttpClient.layerUndici)

describe("bodies from disk and streams", () => {
  it.scoped("sends exactly the declared Content-Length, for a small and a streamed file", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const { received, url } = yield* recorder
      const form = Multipart.make({ key: "org/ws/session/${filename}", policy: "cG9saWN5" })
      const sizes = [0, 1, 1000, Source.bufferedLimit, Source.bufferedLimit + 1, 3 * Source.chunkSize + 17]
      for (const size of sizes) {
        const path = `${dir}/file-${size}.bin`
        const content = new Uint8Array(size).map((_, i) => (i * 31 + size) % 251)
        yield* fs.writeFile(path, content)
        const envelope = Multipart.envelope(form, `file-${size}.bin`)
        const status = yield* Source.withBody(envelope, `file-${size}.bin`, { _tag: "File", path }, (attempt) => {
          assert.strictEqual(attempt.size, size)
          assert.strictEqual(
            attempt.body._tag,
            size <= Source.bufferedLimit ? "Uint8Array" : "Stream",
            "small files go as one buffer, larger ones stream"
          )
          return send(url, attempt.body)
        })
        assert.strictEqual(status, 204)
        const last = received[received.length - 1]!
        assert.strictEqual(last.declared, last.bytes.length)
        assert.strictEqual(last.declared, Multipart.contentLength(envelope, size))
        const data = yield* parse(last.bytes, form.contentType)
        const file = data.get("file") as File
        assert.deepStrictEqual(new Uint8Array(yield* Effect.promise(() => file.arrayBuffer())), content)
      }
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a stream source sends its declared size", () =>
    Effect.gen(function*() {
      const { received, url } = yield* recorder
      const form = Multipart.make({ key: "k" })
      const envelope = Multipart.envelope(form, "s.bin")
      const chunks = [new Uint8Array(70_000).fill(1), new Uint8Array(5).fill(2)]
      const status = yield* Source.withBody(envelope, "s.bin", {
        _tag: "Stream",
        stream: Stream.fromIterable(chunks),
        size: 70_005
      }, (attempt) => send(url, attempt.body))
      assert.strictEqual(status, 204)
      assert.strictEqual(received[0]!.declared, received[0]!.bytes.length)
      assert.strictEqual(received[0]!.declared, Multipart.contentLength(envelope, 70_005))
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a stream that gives more or fewer bytes than declared is the source's fault", () =>
    Effect.gen(function*() {
      const form = Multipart.make({ key: "k" })
      const envelope = Multipart.envelope(form, "s.bin")
      for (const declared of [4, 6]) {
        const [exit, failure] = yield* Source.withBody(envelope, "s.bin", {
          _tag: "Stream",
          stream: Stream.make(new Uint8Array(5)),
          size: declared
        }, (attempt) => Effect.map(Effect.exit(bodyBytes(attempt.body)), (exit) => [exit, attempt.failure()] as const))
        assert.isTrue(Exit.isFailure(exit))
        assert.strictEqual(failure?._tag, "SourceReadError")
        assert.match(failure!.message, new RegExp(`declared as ${declared} bytes but gave`))
      }
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a missing file, a directory and a file that grew are clear read errors", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const envelope = Multipart.envelope(Multipart.make({}), "x")
      const missing = yield* Effect.flip(
        Source.withBody(envelope, "x", { _tag: "File", path: `${dir}/nope` }, Effect.succeed)
      )
      assert.match(missing.message, /no such file/)
      const directory = yield* Effect.flip(Source.withBody(envelope, "x", { _tag: "File", path: dir }, Effect.succeed))
      assert.match(directory.message, /directory/)

      // A large file that grows after it was opened: the stream notices the bytes past its size.
      const path = `${dir}/growing.bin`
      yield* fs.writeFile(path, new Uint8Array(Source.bufferedLimit + 10))
      const failure = yield* Source.withBody(envelope, "x", { _tag: "File", path }, (attempt) =>
        Effect.gen(function*() {
          yield* fs.writeFile(path, new Uint8Array(Source.bufferedLimit + 20))
          yield* Effect.exit(bodyBytes(attempt.body))
          return attempt.failure()
        }))
      assert.match(failure?.message ?? "", /size changed/)
    }).pipe(Effect.provide(TestLayer)))

  // The file system below reports a size off by `delta` at `stat`, as if the file changed between `stat`
  // and the read; a small file is read into a body of the stated size, which must not go out cut short.
  const skewedStat = (delta: number) =>
    Layer.effect(
      FileSystem.FileSystem,
      Effect.map(FileSystem.FileSystem, (fs) => ({
        ...fs,
        stat: (path: string) =>
          Effect.map(fs.stat(path), (info) => ({ ...info, size: FileSystem.Size(Number(info.size) + delta) }))
      }))
    ).pipe(Layer.provide(NodeFileSystem.layer))

  it.scoped("a small file read whole is sent byte for byte, and one whose size changed after stat is a read error", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const envelope = Multipart.envelope(Multipart.make({ key: "k" }), "x")
      const content = new Uint8Array(1000).map((_, i) => i % 251)
      const path = `${dir}/small.bin`
      yield* fs.writeFile(path, content)
      const body = yield* Source.withBody(envelope, "x", { _tag: "File", path }, (attempt) => bodyBytes(attempt.body))
      assert.deepStrictEqual(body, Multipart.concat(envelope, content))
      const empty = `${dir}/empty.bin`
      yield* fs.writeFile(empty, new Uint8Array(0))
      const emptyBody = yield* Source.withBody(
        envelope,
        "x",
        { _tag: "File", path: empty },
        (attempt) => bodyBytes(attempt.body)
      )
      assert.deepStrictEqual(emptyBody, Multipart.concat(envelope, new Uint8Array(0)))
      for (const delta of [-1, 1]) {
        const failure = yield* Effect.flip(
          Source.withBody(envelope, "x", { _tag: "File", path }, Effect.succeed).pipe(
            Effect.provide(skewedStat(delta))
          )
        )
        assert.strictEqual(failure._tag, "SourceReadError")
        assert.match(failure.message, /size changed/)
      }
    }).pipe(Effect.provide(TestLayer)))
})
