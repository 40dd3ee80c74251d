import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Emulator } from "../src/index.js"
import { api, closeSession, type CreatedSession, getStatus, json, sessionsPath, upload } from "./helpers.js"

const start = () => Emulator.start({ seed: 5, ingestionDelay: "100 millis" })

const create = (emulator: Emulator.Handle, body: unknown) =>
  Effect.map(api(emulator, sessionsPath("default"), { method: "POST", body }), (reply) => {
    if (reply.status !== 201) throw new Error(`create answered ${reply.status}: ${reply.text}`)
    return json<CreatedSession>(reply)
  })

interface Detail {
  readonly detail: ReadonlyArray<
    { readonly type: string; readonly loc: ReadonlyArray<string>; readonly input: unknown }
  >
}

// Eight documents, closed: how many have settled after one ingestion delay.
const settledAfterOneDelay = (emulator: Emulator.Handle, session: CreatedSession) =>
  Effect.gen(function*() {
    for (let i = 0; i < 8; i++) yield* upload(session, `doc-${i}.txt`, `text ${i}`)
    yield* closeSession(emulator, session.session_id)
    yield* TestClock.adjust("100 millis")
    const first = (yield* getStatus(emulator, session.session_id)).ingestion_status.finished_files
    yield* TestClock.adjust("1 second")
    const all = (yield* getStatus(emulator, session.session_id)).ingestion_status.finished_files
    return { first, all }
  })

describe("parallel_processing_enabled", () => {
  it.scoped("is stored as given on create and shown by the inspection; absent means false", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const on = yield* create(emulator, { write_mode: "KEEP", parallel_processing_enabled: true })
      const off = yield* create(emulator, { write_mode: "KEEP", parallel_processing_enabled: false })
      const absent = yield* create(emulator, { write_mode: "OVERWRITE" })
      const sessions = yield* emulator.sessions
      const flagOf = (id: string) => sessions.find((s) => s.sessionId === id)?.parallelProcessingEnabled
      assert.deepStrictEqual([flagOf(on.session_id), flagOf(off.session_id), flagOf(absent.session_id)], [
        true,
        false,
        false
      ])
      const control = yield* api(emulator, "/_emulator/sessions", { authorization: null })
      const listed = json<ReadonlyArray<{ sessionId: string; parallelProcessingEnabled: boolean }>>(control)
      assert.isTrue(listed.find((s) => s.sessionId === on.session_id)?.parallelProcessingEnabled)
    }))

  it.scoped("a value that is not a boolean is 422 in FastAPI's form, with a bad write_mode reported beside it", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const post = (body: unknown) => api(emulator, sessionsPath("default"), { method: "POST", body })
      const bad = yield* post({ parallel_processing_enabled: "sometimes" })
      assert.strictEqual(bad.status, 422)
      assert.deepStrictEqual(
        json<Detail>(bad).detail.map((d) => [d.type, d.loc, d.input]),
        [["bool_parsing", ["body", "parallel_processing_enabled"], "sometimes"]]
      )
      const both = yield* post({ write_mode: "REPLACE", parallel_processing_enabled: [true] })
      assert.deepStrictEqual(json<Detail>(both).detail.map((d) => [d.type, d.loc]), [
        ["enum", ["body", "write_mode"]],
        ["bool_type", ["body", "parallel_processing_enabled"]]
      ])
      assert.strictEqual((yield* post({ parallel_processing_enabled: 2 })).status, 422)
      // pydantic's lax booleans are accepted.
      assert.strictEqual((yield* post({ parallel_processing_enabled: "yes" })).status, 201)
      assert.strictEqual((yield* post({ parallel_processing_enabled: 0 })).status, 201)
      assert.strictEqual((yield* emulator.sessions).length, 2)
    }))

  it.scoped("with it a session's files are ingested a few at a time, without it one at a time", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const serial = yield* settledAfterOneDelay(
        emulator,
        yield* create(emulator, { parallel_processing_enabled: false })
      )
      const parallel = yield* settledAfterOneDelay(
        emulator,
        yield* create(emulator, { parallel_processing_enabled: true })
      )
      assert.deepStrictEqual(serial, { first: 1, all: 8 })
      assert.deepStrictEqual(parallel, { first: 4, all: 8 })
      // The workspace index sees them at the same moments.
      const index = yield* emulator.workspaceIndex("default")
      assert.strictEqual(index.length, 16)
    }))
})
