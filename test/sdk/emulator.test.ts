/**
 * Every operation and both streams against the emulator, over both transports: a session's whole life
 * (create, upload through the presigned post, close, status, files), listing, and typed failures.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { assertTag } from "../support/Assertions.js"
import { type Transport, transports } from "../support/Clients.js"

const FILES = 23

const clientFor = (emulator: Emulator.Handle, transport: Transport, options: Partial<DeepsetClient.Options> = {}) =>
  DeepsetClient.layer({
    apiKey: Redacted.make(emulator.apiKey),
    baseUrl: emulator.apiUrl,
    workspace: "default",
    retry: false,
    ...options
  }).pipe(Layer.provide(transport.layer), Layer.orDie)

/** Sends one file through the session's presigned post, the way S3 wants it. */
const upload = (
  session: {
    readonly awsPrefixedRequestConfig: { readonly url: string; readonly fields: Readonly<Record<string, string>> }
  },
  name: string
) =>
  Effect.gen(function*() {
    // The test's own client, as an application would post to S3 by hand: no key, no base URL.
    const transfer = yield* HttpClient.HttpClient
    // A hand-built multipart body: the fields verbatim, then the file as the last part.
    const boundary = "----effect-deepset-test-boundary"
    const parts = Object.entries(session.awsPrefixedRequestConfig.fields).map(([key, value]) =>
      `--${boundary}\r\ncontent-disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`
    )
    parts.push(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\n` +
        `content-type: text/plain\r\n\r\ncontent of ${name}\r\n--${boundary}--\r\n`
    )
    const response = yield* transfer.execute(
      HttpClientRequest.post(session.awsPrefixedRequestConfig.url).pipe(
        HttpClientRequest.bodyText(parts.join(""), `multipart/form-data; boundary=${boundary}`)
      )
    )
    assert.strictEqual(response.status, 204, yield* response.text)
  })

for (const transport of transports) {
  describe(`UploadSessions against the emulator over ${transport.name}`, () => {
    it.layer(Layer.orDie(Emulator.layerTest()))((it) => {
      it.effect("a session's life: create, upload, close, status, files and their streams", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* emulator.reset
          yield* Effect.gen(function*() {
            const session = yield* UploadSessions.create({ writeMode: "KEEP" })
            assert.isTrue(DateTime.greaterThan(session.expiresAt, yield* DateTime.now))
            const names = Array.from({ length: FILES }, (_, i) => `doc-${String(i).padStart(2, "0")}.txt`)
            yield* Effect.forEach(names, (name) => upload(session, name), { concurrency: 4, discard: true })

            yield* UploadSessions.close({ sessionId: session.sessionId })
            yield* UploadSessions.close({ sessionId: session.sessionId })

            // The test emulator ingests the moment a session closes.
            const status = yield* UploadSessions.getStatus({ sessionId: session.sessionId })
            assert.strictEqual(status.sessionId, session.sessionId)
            assert.strictEqual(status.ingestionStatus.finishedFiles, FILES)

            const page = yield* UploadSessions.getFiles({ sessionId: session.sessionId, limit: 5 })
            assert.strictEqual(page.total, FILES)
            assert.strictEqual(page.data.length, 5)
            assert.isTrue(page.hasMore)

            const forward = yield* Stream.runCollect(
              UploadSessions.streamFiles({ sessionId: session.sessionId, pageSize: 4 })
            )
            const backward = yield* Stream.runCollect(
              UploadSessions.streamFiles({ sessionId: session.sessionId, pageSize: 4, direction: "backward" })
            )
            const forwardNames = Chunk.toReadonlyArray(forward).map((file) => file.name)
            assert.deepStrictEqual([...forwardNames].sort(), names)
            assert.deepStrictEqual(
              Chunk.toReadonlyArray(backward).map((file) => file.name),
              [...forwardNames].reverse()
            )
            const finished = yield* Stream.runCount(
              UploadSessions.streamFiles({ sessionId: session.sessionId, ingestionStatus: "FINISHED" })
            )
            assert.strictEqual(finished, FILES)
          }).pipe(Effect.provide([clientFor(emulator, transport), transport.layer]))
        }))

      it.effect("list and both list streams see every session, in creation order", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* emulator.reset
          yield* Effect.gen(function*() {
            const created: Array<string> = []
            for (let i = 0; i < 12; i++) {
              created.push((yield* UploadSessions.create({ workspaceName: "listing" })).sessionId)
            }
            const page = yield* UploadSessions.list({ workspaceName: "listing", limit: 5, isExpired: false })
            assert.strictEqual(page.total, 12)
            assert.deepStrictEqual(page.data.map((session) => session.sessionId), created.slice(0, 5))
            const forward = yield* Stream.runCollect(
              UploadSessions.streamList({ workspaceName: "listing", pageSize: 5 })
            )
            assert.deepStrictEqual(Chunk.toReadonlyArray(forward).map((session) => session.sessionId), created)
            const backward = yield* Stream.runCollect(
              UploadSessions.streamList({ workspaceName: "listing", pageSize: 5, direction: "backward" })
            )
            assert.deepStrictEqual(
              Chunk.toReadonlyArray(backward).map((session) => session.sessionId),
              [...created].reverse()
            )
            const middle = yield* Stream.runCollect(
              UploadSessions.streamList({
                workspaceName: "listing",
                pageSize: 2,
                after: created[3],
                before: created[8]
              })
            )
            assert.deepStrictEqual(
              Chunk.toReadonlyArray(middle).map((session) => session.sessionId),
              created.slice(4, 8)
            )
          }).pipe(Effect.provide(clientFor(emulator, transport)))
        }))

      it.effect("failures arrive typed: unknown session, bad key, out-of-range limit, injected faults", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* emulator.reset
          const client = clientFor(emulator, transport)
          assertTag(
            yield* Effect.flip(Effect.provide(UploadSessions.getStatus({ sessionId: "no-such-session" }), client)),
            "NotFoundError"
          )
          assertTag(
            yield* Effect.flip(Effect.provide(UploadSessions.list({ limit: 101 }), client)),
            "ValidationError"
          )
          assertTag(
            yield* Effect.flip(
              Effect.provide(
                UploadSessions.list(),
                clientFor(emulator, transport, { apiKey: Redacted.make("wrong-key") })
              )
            ),
            "AuthenticationError"
          )
          yield* emulator.setFaults([Fault.times("list", Fault.malformedJson, 1)])
          assertTag(yield* Effect.flip(Effect.provide(UploadSessions.list(), client)), "DecodeError")
          yield* emulator.setFaults([Fault.sequence("list", [Fault.serverError(503), Fault.serverError(502)])])
          const page = yield* Effect.provide(UploadSessions.list({ retry: Schedule.recurs(3) }), client)
          assert.isAtLeast(page.total, 0)
          yield* emulator.setFaults([Fault.times("create", Fault.serverError(500), 1)])
          assertTag(
            yield* Effect.flip(Effect.provide(UploadSessions.create({ retry: Schedule.recurs(3) }), client)),
            "ServerError"
          )
          yield* emulator.clearFaults
        }))
    })
  })
}
