/**
 * The page streams over a loopback server: exactly the items, in order, no duplicates, for any dataset
 * and page size, forward and backward (properties); laziness; the page_number fallback.
 */
import type { DeepsetClient } from "@effect-deepset/sdk"
import { UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { assertTag } from "../support/Assertions.js"
import { client, transports } from "../support/Clients.js"
import * as Paginated from "../support/Paginated.js"
import { ScriptedServer } from "../support/ScriptedServer.js"

/** Which files have an id: all, none, every `n`th, or a scattered pattern. */
const idPattern = FastCheck.oneof(
  FastCheck.constant((_: number) => true),
  FastCheck.constant((_: number) => false),
  FastCheck.integer({ min: 2, max: 7 }).map((n) => (index: number) => index % n === 0),
  FastCheck.integer({ min: 1, max: 1_000_000 }).map((seed) => (index: number) =>
    ((index * 2654435761 + seed) >>> 7) % 3 !== 0
  )
)

const direction = FastCheck.constantFrom<UploadSessions.Direction>("forward", "backward")

/**
 * A dataset size of 0..1000 and a page size of 1..100. Every page is a loopback round trip, so the
 * size is capped at 25 pages of the chosen page size: the suite stays fast on two cores while small
 * pages still meet datasets many pages long.
 */
const sizes = (maxItems: number) =>
  FastCheck.integer({ min: 1, max: 100 }).chain((pageSize) =>
    FastCheck.tuple(FastCheck.integer({ min: 0, max: Math.min(maxItems, pageSize * 25) }), FastCheck.constant(pageSize))
  )

const RUNS = { timeout: 60_000, fastCheck: { numRuns: 20 } }

const pagesNeeded = (items: number, pageSize: number) => Math.max(1, Math.ceil(items / pageSize))

for (const transport of transports) {
  describe(`streams over ${transport.name}`, () => {
    const collect = <A, E>(stream: Stream.Stream<A, E, DeepsetClient.DeepsetClient>) =>
      Effect.flatMap(
        ScriptedServer,
        (server) =>
          Stream.runCollect(stream).pipe(
            Effect.map(Chunk.toReadonlyArray),
            Effect.provide(Layer.orDie(client(server.url, transport)))
          )
      )
    const serve = (dataset: Parameters<typeof Paginated.handler>[0]) =>
      Effect.map(ScriptedServer, (server) => {
        server.reset()
        server.handle(Paginated.handler(dataset))
        return server
      })

    it.layer(ScriptedServer.layer)((it) => {
      it.effect.prop(
        "streamList yields every session once, in order",
        [sizes(1000), direction],
        ([[count, pageSize], direction]) =>
          Effect.gen(function*() {
            const sessions = Array.from({ length: count }, (_, index) => Paginated.wireSession(index))
            const server = yield* serve({ sessions })
            const ids = (yield* collect(UploadSessions.streamList({ pageSize, direction }))).map((s) => s.sessionId)
            const expected = sessions.map((session) => session.session_id)
            assert.deepStrictEqual(ids, direction === "forward" ? expected : expected.reverse())
            assert.isAtMost(server.requests.length, pagesNeeded(count, pageSize) + 1)
          }),
        RUNS
      )

      it.effect.prop(
        "streamFiles yields every file once, in order, even where files have no id",
        [sizes(1000), direction, idPattern],
        ([[count, pageSize], direction, hasId]) =>
          Effect.gen(function*() {
            const files = Array.from({ length: count }, (_, index) => Paginated.wireFile(index, hasId(index)))
            const server = yield* serve({ files })
            const names = (yield* collect(UploadSessions.streamFiles({ sessionId: "s", pageSize, direction }))).map(
              (file) => file.name
            )
            const expected = files.map((file) => file.name)
            assert.deepStrictEqual(names, direction === "forward" ? expected : expected.reverse())
            assert.isAtMost(server.requests.length, pagesNeeded(count, pageSize) + 1)
          }),
        RUNS
      )

      it.effect.prop(
        "a stream from a caller's cursor yields exactly the items beyond it",
        [sizes(1000), FastCheck.nat(), direction],
        ([[size, pageSize], seed, direction]) =>
          Effect.gen(function*() {
            const count = Math.max(1, size)
            const sessions = Array.from({ length: count }, (_, index) => Paginated.wireSession(index))
            yield* serve({ sessions })
            const start = seed % count
            const cursor = sessions[start].session_id
            const ids = (yield* collect(UploadSessions.streamList(
              direction === "forward" ? { pageSize, after: cursor } : { pageSize, direction, before: cursor }
            ))).map((session) => session.sessionId)
            const expected = direction === "forward"
              ? sessions.slice(start + 1).map((session) => session.session_id)
              : sessions.slice(0, start).map((session) => session.session_id).reverse()
            assert.deepStrictEqual(ids, expected)
          }),
        RUNS
      )

      it.effect("taking 5 items fetches one page", () =>
        Effect.gen(function*() {
          const server = yield* serve({ sessions: Array.from({ length: 1000 }, (_, i) => Paginated.wireSession(i)) })
          const first = yield* collect(UploadSessions.streamList().pipe(Stream.take(5)))
          assert.deepStrictEqual(
            first.map((s) => s.sessionId),
            [0, 1, 2, 3, 4].map((i) => Paginated.wireSession(i).session_id)
          )
          assert.strictEqual(server.requests.length, 1)
          assert.strictEqual(server.requests[0].query.get("limit"), "100")
        }))

      it.effect("backward from the end reads page 1 for the total, then walks back with before", () =>
        Effect.gen(function*() {
          const sessions = Array.from({ length: 250 }, (_, i) => Paginated.wireSession(i))
          const server = yield* serve({ sessions })
          const newest = yield* collect(UploadSessions.streamList({ direction: "backward" }).pipe(Stream.take(5)))
          assert.deepStrictEqual(
            newest.map((s) => s.sessionId),
            [249, 248, 247, 246, 245].map((i) => sessions[i].session_id)
          )
          assert.deepStrictEqual(server.requests.map((r) => Object.fromEntries(r.query)), [
            { limit: "100" },
            { limit: "100", page_number: "3" }
          ])
          server.reset()
          server.handle(Paginated.handler({ sessions }))
          yield* collect(UploadSessions.streamList({ direction: "backward" }))
          assert.deepStrictEqual(server.requests.map((r) => Object.fromEntries(r.query)).slice(2), [
            { limit: "100", before: sessions[200].session_id },
            { limit: "100", before: sessions[100].session_id }
          ])
        }))

      it.effect("forward goes on by page_number where the last file of a page has no id", () =>
        Effect.gen(function*() {
          const files = Array.from({ length: 25 }, (_, i) => Paginated.wireFile(i, i !== 9))
          const server = yield* serve({ files })
          const all = yield* collect(
            UploadSessions.streamFiles({ sessionId: "s", pageSize: 10, ingestionStatus: "FINISHED" })
          )
          assert.strictEqual(all.length, 25)
          assert.deepStrictEqual(server.requests.map((r) => Object.fromEntries(r.query)), [
            { limit: "10", ingestion_status: "FINISHED" },
            { limit: "10", page_number: "2", ingestion_status: "FINISHED" },
            { limit: "10", after: "file-id-19", ingestion_status: "FINISHED" }
          ])
        }))

      it.effect("a walk from a cursor over files without ids goes on after the nearest id, or fails clearly", () =>
        Effect.gen(function*() {
          const sparse = Array.from({ length: 30 }, (_, i) => Paginated.wireFile(i, i % 4 === 0))
          yield* serve({ files: sparse })
          const forward = yield* collect(
            UploadSessions.streamFiles({ sessionId: "s", pageSize: 5, after: "file-id-4" })
          )
          assert.deepStrictEqual(forward.map((f) => f.name), sparse.slice(5).map((f) => f.name))
          const backward = yield* collect(
            UploadSessions.streamFiles({ sessionId: "s", pageSize: 5, direction: "backward", before: "file-id-28" })
          )
          assert.deepStrictEqual(backward.map((f) => f.name), sparse.slice(0, 28).map((f) => f.name).reverse())

          const bare = Array.from({ length: 30 }, (_, i) => Paginated.wireFile(i, i === 0))
          yield* serve({ files: bare })
          const error = yield* Effect.flip(
            collect(UploadSessions.streamFiles({ sessionId: "s", pageSize: 5, after: "file-id-0" }))
          )
          assertTag(error, "DecodeError")
        }))

      it.effect("items added during a walk are never repeated and never displace others", () =>
        Effect.gen(function*() {
          const sessions = Array.from({ length: 95 }, (_, i) => Paginated.wireSession(i))
          const server = yield* ScriptedServer
          server.reset()
          const live = [...sessions]
          const serveLive = Paginated.handler({ sessions: live })
          server.handle((request) => {
            const reply = serveLive(request)
            live.push(Paginated.wireSession(live.length))
            return reply
          })
          const forward = (yield* collect(UploadSessions.streamList({ pageSize: 10 }))).map((s) => s.sessionId)
          assert.deepStrictEqual(forward.slice(0, 95), sessions.map((s) => s.session_id))
          assert.strictEqual(new Set(forward).size, forward.length)
          const before = live.length
          const backward = (yield* collect(UploadSessions.streamList({ pageSize: 10, direction: "backward" }))).map(
            (s) => s.sessionId
          )
          assert.deepStrictEqual(backward, live.slice(0, before).map((s) => s.session_id).reverse())
        }))

      it.effect("a stream checks its input before sending anything", () =>
        Effect.gen(function*() {
          const server = yield* serve({})
          const error = yield* Effect.flip(collect(UploadSessions.streamList({ pageSize: 0 })))
          assertTag(error, "InvalidInputError")
          assertTag(yield* Effect.flip(collect(UploadSessions.streamFiles({ sessionId: "" }))), "InvalidInputError")
          assert.strictEqual(server.requests.length, 0)
        }))

      it.effect("a failing page fails the stream with the page's error", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.handle(() => ({ status: 404, body: { detail: "Session not found" } }))
          assertTag(yield* Effect.flip(collect(UploadSessions.streamFiles({ sessionId: "gone" }))), "NotFoundError")
        }))
    })
  })
}
