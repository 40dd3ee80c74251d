import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { createHash } from "node:crypto"
import * as NodeFs from "node:fs"
import * as Http from "node:http"
import { Emulator } from "../src/index.js"
import { closeSession, type CreatedSession, createSession, request, s3Code, upload, uploadForm } from "./helpers.js"

const start = (options: Emulator.Options = {}) => Emulator.start({ seed: 11, ingestionDelay: 0, ...options })

const withFields = (session: CreatedSession, change: (fields: Record<string, string>) => void) => {
  const fields = { ...session.aws_prefixed_request_config.fields }
  change(fields)
  return fields
}

describe("the S3 presigned POST endpoint", () => {
  it.scoped("stores a file under its key and answers 204 with an ETag", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const reply = yield* upload(session, "report.txt", "hello world")
      assert.strictEqual(reply.status, 204)
      assert.strictEqual(reply.headers.get("etag"), `"${createHash("md5").update("hello world").digest("hex")}"`)
      const [object] = yield* emulator.objects(session.session_id)
      assert.strictEqual(object?.filename, "report.txt")
      assert.strictEqual(
        object?.key,
        session.aws_prefixed_request_config.fields.key.replace("${filename}", "report.txt")
      )
      assert.strictEqual(object?.size, 11)
      assert.strictEqual(object?.sha256, createHash("sha256").update("hello world").digest("hex"))
      assert.strictEqual(NodeFs.readFileSync(object!.path!, "utf8"), "hello world")
    }))

  it.scoped("honours success_action_status 200 and 201", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const ok = yield* upload(session, "a.txt", "a", { extra: { success_action_status: "200" } })
      assert.strictEqual(ok.status, 200)
      const created = yield* upload(session, "b.txt", "b", { extra: { success_action_status: "201" } })
      assert.strictEqual(created.status, 201)
      assert.match(created.text, /<PostResponse><Location>.*<Key>[^<]*\/b\.txt<\/Key><ETag>/)
    }))

  it.scoped("streams a large file to disk and hashes it exactly", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const content = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 31) % 251)
      assert.strictEqual((yield* upload(session, "big.bin", content)).status, 204)
      const [object] = yield* emulator.objects()
      assert.strictEqual(object?.size, content.length)
      assert.strictEqual(object?.sha256, createHash("sha256").update(content).digest("hex"))
    }))

  it.scoped("keeps a small file in memory until someone asks where it is; a large one goes to disk as it arrives", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      assert.strictEqual((yield* upload(session, "small.txt", "tiny")).status, 204)
      assert.deepStrictEqual(NodeFs.readdirSync(emulator.storageDir), [])
      const large = new Uint8Array(600 * 1024).fill(7)
      assert.strictEqual((yield* upload(session, "large.bin", large)).status, 204)
      assert.lengthOf(NodeFs.readdirSync(emulator.storageDir), 1)
      const [small, stored] = yield* emulator.objects()
      assert.strictEqual(NodeFs.readFileSync(small!.path!, "utf8"), "tiny")
      assert.isTrue(NodeFs.readFileSync(stored!.path!).equals(Buffer.from(large)))
      assert.lengthOf(NodeFs.readdirSync(emulator.storageDir), 2)
    }))

  it.scoped("keeps the connection alive across uploads, refused ones included", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const agent = new Http.Agent({ keepAlive: true, maxSockets: 1 })
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      /** A POST over the one socket of `agent`, saying whether it reused the socket. */
      const post = (form: FormData, headers: Record<string, string> = {}) =>
        Effect.promise(async () => {
          const encoded = new Response(form)
          const body = Buffer.from(await encoded.arrayBuffer())
          return new Promise<{ status: number; reused: boolean; connection: string | undefined }>((resolve, reject) => {
            const outgoing = Http.request(session.aws_prefixed_request_config.url, {
              method: "POST",
              agent,
              headers: {
                ...headers,
                "content-type": encoded.headers.get("content-type")!,
                "content-length": body.length
              }
            }, (response) => {
              response.resume()
              response.on("end", () =>
                resolve({
                  status: response.statusCode!,
                  reused: outgoing.reusedSocket,
                  connection: response.headers.connection
                }))
            })
            outgoing.on("error", reject)
            outgoing.end(body)
          })
        })
      const big = new Uint8Array(2 * 1024 * 1024)
      const replies = [
        yield* post(uploadForm(session, "a.txt", "a")),
        yield* post(uploadForm(session, "b.txt", "b")),
        // refused before the body is read: the rest is read through, so the socket stays usable
        yield* post(uploadForm(session, "c.bin", big), { authorization: "Bearer x" }),
        // refused by the policy
        yield* post(uploadForm(session, "d.txt", "d", { extra: { "x-extra": "1" } })),
        yield* post(uploadForm(session, "e.txt", "e"))
      ]
      assert.deepStrictEqual(replies.map((reply) => reply.status), [204, 204, 400, 403, 204])
      assert.deepStrictEqual(replies.map((reply) => reply.reused), [false, true, true, true, true])
      assert.isTrue(replies.every((reply) => reply.connection === "keep-alive"))
    }))

  it.scoped("a second upload of a name replaces the object but keeps its id and place", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ maxFilesPerSession: 2 })
      const session = yield* createSession(emulator)
      yield* upload(session, "a.txt", "first")
      yield* upload(session, "b.txt", "b")
      const before = yield* emulator.objects()
      assert.strictEqual((yield* upload(session, "a.txt", "second version")).status, 204)
      const after = yield* emulator.objects()
      assert.deepStrictEqual(after.map((o) => o.fileIngestionId), before.map((o) => o.fileIngestionId))
      assert.strictEqual(after[0]?.size, "second version".length)
      assert.isFalse(NodeFs.existsSync(before[0]!.path!))
    }))

  it.scoped("rejects a tampered signature or policy with 403 SignatureDoesNotMatch", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ maxFileSize: 100 })
      const session = yield* createSession(emulator)
      const signature = withFields(session, (f) => {
        f["x-amz-signature"] = f["x-amz-signature"]!.replace(/^./, (c) => (c === "0" ? "1" : "0"))
      })
      const badSignature = yield* upload(session, "a.txt", "a", { fields: signature })
      assert.deepStrictEqual([badSignature.status, s3Code(badSignature)], [403, "SignatureDoesNotMatch"])
      const policy = withFields(session, (f) => {
        const document = JSON.parse(Buffer.from(f.policy!, "base64").toString("utf8"))
        document.conditions = document.conditions.map((c: unknown) =>
          Array.isArray(c) && c[0] === "content-length-range" ? ["content-length-range", 0, 10 ** 9] : c
        )
        f.policy = Buffer.from(JSON.stringify(document)).toString("base64")
      })
      const badPolicy = yield* upload(session, "a.txt", "a".repeat(200), { fields: policy })
      assert.deepStrictEqual([badPolicy.status, s3Code(badPolicy)], [403, "SignatureDoesNotMatch"])
      const credential = withFields(session, (f) => {
        f["x-amz-credential"] = f["x-amz-credential"]!.replace(/^[^/]+/, "AKIAOTHERKEYEXAMPLE0")
      })
      const badKey = yield* upload(session, "a.txt", "a", { fields: credential })
      assert.deepStrictEqual([badKey.status, s3Code(badKey)], [403, "InvalidAccessKeyId"])
      assert.lengthOf(yield* emulator.objects(), 0)
    }))

  it.scoped("rejects a key outside the session's prefix", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const other = yield* createSession(emulator)
      const fields = withFields(session, (f) => {
        f.key = other.aws_prefixed_request_config.fields.key
      })
      const reply = yield* upload(session, "a.txt", "a", { fields })
      assert.deepStrictEqual([reply.status, s3Code(reply)], [403, "AccessDenied"])
      assert.match(reply.text, /Policy Condition failed: \["starts-with","\$key"/)
      assert.lengthOf(yield* emulator.objects(), 0)
    }))

  it.scoped("enforces the content-length-range", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ maxFileSize: 10 })
      const session = yield* createSession(emulator)
      assert.strictEqual((yield* upload(session, "fits.txt", "0123456789")).status, 204)
      const tooLarge = yield* upload(session, "large.txt", "0123456789A")
      assert.deepStrictEqual([tooLarge.status, s3Code(tooLarge)], [400, "EntityTooLarge"])
      assert.deepStrictEqual((yield* emulator.objects()).map((o) => o.filename), ["fits.txt"])
    }))

  it.scoped("rejects an upload after the policy expired, and into a closed session, with 403 AccessDenied", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const closed = yield* createSession(emulator)
      yield* closeSession(emulator, closed.session_id)
      const intoClosed = yield* upload(closed, "a.txt", "a")
      assert.deepStrictEqual([intoClosed.status, s3Code(intoClosed)], [403, "AccessDenied"])
      assert.match(intoClosed.text, /closed/)

      const expiring = yield* createSession(emulator)
      yield* TestClock.adjust("24 hours")
      const expired = yield* upload(expiring, "a.txt", "a")
      assert.deepStrictEqual([expired.status, s3Code(expired)], [403, "AccessDenied"])
      assert.match(expired.text, /Policy expired/)
      assert.lengthOf(yield* emulator.objects(), 0)
    }))

  it.scoped("rejects a request carrying an Authorization header with 400 InvalidArgument, without echoing it", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const reply = yield* upload(session, "a.txt", "a", { headers: { authorization: `Bearer ${emulator.apiKey}` } })
      assert.deepStrictEqual([reply.status, s3Code(reply)], [400, "InvalidArgument"])
      assert.notInclude(reply.text, emulator.apiKey)
      const logged = (yield* emulator.requests).at(-1)
      assert.deepStrictEqual([logged?.route, logged?.authorization, logged?.status], ["s3", true, 400])
      assert.lengthOf(yield* emulator.objects(), 0)
    }))

  it.scoped("reads a large body through before refusing it, so that the client hears the answer", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ maxFileSize: 1024 })
      const session = yield* createSession(emulator)
      const big = new Uint8Array(16 * 1024 * 1024)
      const withKey = yield* upload(session, "big.bin", big, { headers: { authorization: "Bearer x" } })
      assert.deepStrictEqual([withKey.status, s3Code(withKey)], [400, "InvalidArgument"])
      const tooLarge = yield* upload(session, "big.bin", big)
      assert.deepStrictEqual([tooLarge.status, s3Code(tooLarge)], [400, "EntityTooLarge"])
      const garbage = yield* request(session.aws_prefixed_request_config.url, {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=xyz" },
        body: "this is not multipart at all"
      })
      assert.deepStrictEqual([garbage.status, s3Code(garbage)], [400, "MalformedPOSTRequest"])
      assert.lengthOf(yield* emulator.objects(), 0)
      assert.deepStrictEqual(NodeFs.readdirSync(emulator.storageDir), [], "partial files are removed")
    }))

  it.scoped("requires the file part last, every field present, and no field the policy does not cover", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const trailing = yield* upload(session, "a.txt", "a", { trailing: { note: "after the file" } })
      assert.deepStrictEqual([trailing.status, s3Code(trailing)], [400, "InvalidArgument"])
      assert.match(trailing.text, /last/)
      const keyAfterFile = withFields(session, (f) => {
        delete f.key
      })
      const missingKey = yield* upload(session, "a.txt", "a", {
        fields: keyAfterFile,
        trailing: { key: session.aws_prefixed_request_config.fields.key }
      })
      assert.deepStrictEqual([missingKey.status, s3Code(missingKey)], [400, "InvalidArgument"])
      assert.match(missingKey.text, /must contain a field named 'key'/)
      const extra = yield* upload(session, "a.txt", "a", { extra: { "Content-Type": "text/plain" } })
      assert.deepStrictEqual([extra.status, s3Code(extra)], [403, "AccessDenied"])
      assert.match(extra.text, /Extra input fields: content-type/)
      const noPolicy = withFields(session, (f) => {
        delete f.policy
      })
      assert.strictEqual((yield* upload(session, "a.txt", "a", { fields: noPolicy })).status, 403)
      const form = new FormData()
      for (const [k, v] of Object.entries(session.aws_prefixed_request_config.fields)) form.append(k, v)
      const noFile = yield* request(session.aws_prefixed_request_config.url, { method: "POST", body: form })
      assert.deepStrictEqual([noFile.status, s3Code(noFile)], [400, "InvalidArgument"])
      const wrongBucket = yield* upload(session, "a.txt", "a", { url: `${emulator.apiUrl}/s3/other-bucket` })
      assert.deepStrictEqual([wrongBucket.status, s3Code(wrongBucket)], [404, "NoSuchBucket"])
      const notMultipart = yield* request(session.aws_prefixed_request_config.url, { method: "POST", body: "x=1" })
      assert.strictEqual(notMultipart.status, 412)
      assert.lengthOf(yield* emulator.objects(), 0)
    }))

  it.scoped("accepts at most maxFilesPerSession uploads, metadata included, replacements aside", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ maxFilesPerSession: 3 })
      const session = yield* createSession(emulator)
      for (const name of ["a.txt", "a.txt.meta.json", "b.txt"]) {
        assert.strictEqual((yield* upload(session, name, "{}")).status, 204)
      }
      const over = yield* upload(session, "c.txt", "c")
      assert.deepStrictEqual([over.status, s3Code(over)], [403, "AccessDenied"])
      assert.match(over.text, /3 files/)
      assert.strictEqual((yield* upload(session, "b.txt", "b again")).status, 204)
      assert.lengthOf(yield* emulator.objects(), 3)
    }))

  it.scoped("the limit is 10 000 files per session unless configured", () =>
    Effect.gen(function*() {
      // Filling a session over HTTP takes minutes on a loaded machine; the rule itself is tested above.
      const emulator = yield* Emulator.start()
      assert.strictEqual(emulator.maxFilesPerSession, 10_000)
    }))

  it.scoped("the form can be built by any client: a FormData body from the returned fields works as is", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      const form = uploadForm(session, "na\u00efve r\u00e9sum\u00e9.txt", "unicode")
      const reply = yield* request(session.aws_prefixed_request_config.url, { method: "POST", body: form })
      assert.strictEqual(reply.status, 204)
      assert.deepStrictEqual((yield* emulator.objects()).map((o) => o.filename), ["na\u00efve r\u00e9sum\u00e9.txt"])
    }))
})
