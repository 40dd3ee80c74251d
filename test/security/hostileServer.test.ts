/**
 * A hostile or broken server, through the SDK over both transports, on a scripted loopback server:
 * huge error bodies, JSON nested 100 000 deep, a page of 100 000 items, wrong types, unknown enum values
 * and dates without a zone. Each gives the one typed error of its kind or a correct decoding, never a
 * defect, and what the errors keep of a body is capped (the sizes are asserted, not the time).
 *
 * Reproduce: pnpm vitest run test/security/hostileServer.test.ts
 */
import { Errors, UploadSessions } from "@effect-deepset/sdk"
import type { DeepsetClient } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { runner, transports } from "../support/Clients.js"
import { json, ScriptedServer } from "../support/ScriptedServer.js"

const MB = 1024 * 1024
const HUGE = "x".repeat(50 * MB)
const DEEP = 100_000
const nested = "[".repeat(DEEP) + "]".repeat(DEEP)
const ITEMS = 100_000

const session = (i: number) => ({
  session_id: `s-${i}`,
  created_at: "2024-05-01T12:00:00Z",
  created_by: { user_id: "u", given_name: "G", family_name: "F" },
  write_mode: "KEEP"
})

/** The one typed failure of `exit`: no defect, no interruption beside it. */
const typedFailure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a typed failure, got success")
  if (!Cause.isFailType(exit.cause)) return assert.fail(`expected one typed failure, got ${Cause.pretty(exit.cause)}`)
  return exit.cause.error
}

const success = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) return assert.fail(`expected success, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}

/** What an error keeps of a body: at most the excerpt size, and a mark where it was cut. */
const assertCapped = (body: string, message: string) => {
  assert.isAtMost(body.length, Errors.bodyExcerptBytes + 1, "the excerpt is capped")
  assert.isAtLeast(body.length, Errors.bodyExcerptBytes, "the excerpt holds the start of the body")
  assert.isTrue(body.startsWith("xxxx") && body.endsWith("…"), "a cut excerpt says so")
  assert.isBelow(message.length, 4 * Errors.bodyExcerptBytes, "the message stays short")
}

for (const transport of transports) {
  describe(`a hostile server, over ${transport.name}`, () => {
    it.layer(ScriptedServer.layer)((it) => {
      const exitOf = runner(transport)
      const run = <A, E>(effect: Effect.Effect<A, E, DeepsetClient.DeepsetClient>) => Effect.exit(exitOf(effect))

      it.effect("a 50 MB error body: every error status keeps a capped excerpt", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          const cases = [
            [500, Errors.ServerError],
            [503, Errors.ServerError],
            [404, Errors.NotFoundError],
            [401, Errors.AuthenticationError],
            [429, Errors.RateLimitedError],
            [418, Errors.UnexpectedStatusError],
            [422, Errors.ValidationError]
          ] as const
          for (const [status, kind] of cases) {
            server.script({ status, body: HUGE })
            const error = typedFailure(yield* run(UploadSessions.getStatus({ sessionId: "s-1" })))
            assert.isTrue(error instanceof kind, `${status} gave ${error._tag}`)
            if (!("body" in error)) return assert.fail(`${error._tag} has no body`)
            assertCapped(error.body, error.message)
          }
          assert.strictEqual(server.requests.length, cases.length)
        }))

      it.effect("JSON nested 100 000 deep, as a body or under data, is a DecodeError, not a stack overflow", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(
            { status: 200, body: nested },
            { status: 200, body: `{"data": ${nested}, "has_more": false, "total": 1}` },
            { status: 200, body: `{"session_id": "s", "expires_at": ${nested}}` },
            { status: 422, body: `{"detail": ${nested}}` }
          )
          for (const call of [UploadSessions.list(), UploadSessions.list()]) {
            const error = typedFailure(yield* run(call))
            assert.instanceOf(error, Errors.DecodeError)
            assert.isAtMost(error.body.length, Errors.bodyExcerptBytes + 1)
            assert.isAtMost(error.description.length, Errors.bodyExcerptBytes + 1)
          }
          assert.instanceOf(
            typedFailure(yield* run(UploadSessions.getStatus({ sessionId: "s" }))),
            Errors.DecodeError
          )
          // A 422 whose details cannot be read is still a ValidationError, with no details and a capped body.
          const invalid = typedFailure(yield* run(UploadSessions.getStatus({ sessionId: "s" })))
          assert.instanceOf(invalid, Errors.ValidationError)
          if (invalid instanceof Errors.ValidationError) {
            assert.deepStrictEqual(invalid.details, [])
            assert.isAtMost(invalid.body.length, Errors.bodyExcerptBytes + 1)
          }
        }))

      it.effect("a page of 100 000 items decodes in full; a stream taken short asks for nothing more", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          const page = { data: Array.from({ length: ITEMS }, (_, i) => session(i)), has_more: true, total: 10 * ITEMS }
          server.handle(() => json(200, page))
          const listed = success(yield* run(UploadSessions.list({ limit: 10 })))
          assert.strictEqual(listed.data.length, ITEMS)
          assert.strictEqual(listed.data[ITEMS - 1]?.sessionId, `s-${ITEMS - 1}`)
          const taken = success(
            yield* run(Stream.runCollect(Stream.take(UploadSessions.streamList({ pageSize: 10 }), 3)))
          )
          assert.deepStrictEqual(Chunk.toArray(taken).map((s) => s.sessionId), ["s-0", "s-1", "s-2"])
          assert.strictEqual(server.requests.length, 2, "one request for the list, one for the stream")
        }))

      it.effect("wrong types are a DecodeError naming what was wrong, with status 200", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(
            json(200, { session_id: 12, expires_at: true }),
            json(200, { data: "not-a-list", has_more: "maybe", total: null }),
            json(200, { data: [{ ...session(0), created_by: "me" }], has_more: false, total: 1 })
          )
          const calls = [
            ["session_id", UploadSessions.getStatus({ sessionId: "s" })],
            ["data", UploadSessions.getFiles({ sessionId: "s" })],
            ["created_by", UploadSessions.list()]
          ] as const
          for (const [field, call] of calls) {
            const error = typedFailure(
              yield* run(call as Effect.Effect<unknown, Errors.ApiError, DeepsetClient.DeepsetClient>)
            )
            assert.instanceOf(error, Errors.DecodeError, field)
            if (error instanceof Errors.DecodeError) {
              assert.strictEqual(error.status, 200)
              assert.include(error.description, field)
            }
          }
        }))

      it.effect("unknown enum values are decoded and kept as they came", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(
            json(200, {
              data: [{
                name: "a.txt",
                file_ingestion_id: "f-1",
                ingestion_status: "QUANTUM",
                ingestion_status_reason: "COSMIC_RAY"
              }],
              has_more: false,
              total: 1
            }),
            json(200, {
              data: [{ ...session(0), write_mode: "APPEND", status: "ARCHIVED" }],
              has_more: false,
              total: 1
            })
          )
          const files = success(yield* run(UploadSessions.getFiles({ sessionId: "s" })))
          assert.strictEqual(files.data[0]?.ingestionStatus, "QUANTUM")
          assert.strictEqual(files.data[0]?.ingestionStatusReason, "COSMIC_RAY")
          const sessions = success(yield* run(UploadSessions.list()))
          assert.strictEqual(sessions.data[0]?.writeMode, "APPEND")
          assert.strictEqual(sessions.data[0]?.status, "ARCHIVED")
        }))

      it.scoped("dates without a zone are read as UTC, whatever the local zone", () =>
        Effect.gen(function*() {
          // Off UTC, so that reading a date as local time would show.
          const zone = process.env.TZ
          process.env.TZ = "America/New_York"
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              if (zone === undefined) delete process.env.TZ
              else process.env.TZ = zone
            })
          )
          assert.notStrictEqual(new Date(2024, 4, 1).getTime(), Date.UTC(2024, 4, 1))
          const server = yield* ScriptedServer
          server.reset()
          server.script(
            json(200, { session_id: "s", expires_at: "2024-05-01T12:30:00" }),
            json(200, {
              data: [{ ...session(0), created_at: "2024-05-01 12:30:00.250", expires_at: "2024-05-02T00:00" }],
              has_more: false,
              total: 1
            })
          )
          const detail = success(yield* run(UploadSessions.getStatus({ sessionId: "s" })))
          assert.strictEqual(DateTime.toEpochMillis(detail.expiresAt), Date.UTC(2024, 4, 1, 12, 30))
          const listed = success(yield* run(UploadSessions.list()))
          assert.strictEqual(DateTime.toEpochMillis(listed.data[0]!.createdAt), Date.UTC(2024, 4, 1, 12, 30, 0, 250))
          const expires = listed.data[0]!.expiresAt
          assert.strictEqual(expires === undefined ? undefined : DateTime.toEpochMillis(expires), Date.UTC(2024, 4, 2))
        }))
    })
  })
}
