import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Emulator } from "../src/index.js"
import { closeSession, createSession, getStatus, listFiles, listSessions, upload } from "./helpers.js"

const start = (options: Emulator.Options = {}) => Emulator.start({ seed: 21, ingestionDelay: "100 millis", ...options })

describe("ingestion", () => {
  it.scoped("closing starts ingestion; each file stays PENDING for the delay, then settles with its outcome", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      yield* upload(session, "good.txt", "some text")
      yield* upload(session, "good.txt.meta.json", JSON.stringify({ source: "test" }))
      yield* upload(session, "empty.txt", "")
      yield* upload(session, "bad-meta.txt", "text")
      yield* upload(session, "bad-meta.txt.meta.json", "[\"not\", \"an object\"]")
      yield* upload(session, "broken-meta.txt", "text")
      yield* upload(session, "broken-meta.txt.meta.json", "{ not json")
      yield* upload(session, "orphan.pdf.meta.json", "{}")

      const open = yield* listFiles(emulator, session.session_id)
      assert.deepStrictEqual(open.data.map((f) => f.name), ["good.txt", "empty.txt", "bad-meta.txt", "broken-meta.txt"])

      yield* closeSession(emulator, session.session_id)
      const justClosed = yield* listFiles(emulator, session.session_id)
      assert.isTrue(justClosed.data.every((f) => f.ingestion_status === "PENDING"))
      assert.deepStrictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status, {
        failed_files: 0,
        finished_files: 0
      })

      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status, {
        failed_files: 0,
        finished_files: 1
      })

      yield* TestClock.adjust("1 second")
      const settled = yield* listFiles(emulator, session.session_id)
      assert.deepStrictEqual(
        settled.data.map((f) => [f.name, f.ingestion_status, f.ingestion_status_reason]),
        [
          ["good.txt", "FINISHED", undefined],
          ["empty.txt", "FAILED", "EMPTY_FILE"],
          ["bad-meta.txt", "FAILED", "FAILED_TO_PARSE_META"],
          ["broken-meta.txt", "FAILED", "FAILED_TO_PARSE_META"],
          ["orphan.pdf.meta.json", "FAILED", "FILE_NOT_FOUND"]
        ]
      )
      assert.deepStrictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status, {
        failed_files: 4,
        finished_files: 1
      })
      const index = yield* emulator.workspaceIndex("default")
      assert.deepStrictEqual(index.map((f) => [f.name, f.meta]), [["good.txt", { source: "test" }]])
    }))

  it.scoped("the workspace index honours KEEP, OVERWRITE and FAIL across sessions", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ ingestionDelay: 0 })
      const ingest = (writeMode: string, content: string) =>
        Effect.gen(function*() {
          const session = yield* createSession(emulator, "default", writeMode)
          yield* upload(session, "same.txt", content)
          yield* closeSession(emulator, session.session_id)
          return (yield* listFiles(emulator, session.session_id)).data[0]!
        })
      assert.strictEqual((yield* ingest("FAIL", "first")).ingestion_status, "FINISHED")
      const refused = yield* ingest("FAIL", "second")
      assert.deepStrictEqual([refused.ingestion_status, refused.ingestion_status_reason], [
        "FAILED",
        "FILE_ALREADY_EXISTS"
      ])
      assert.strictEqual((yield* ingest("KEEP", "third")).ingestion_status, "FINISHED")
      assert.strictEqual((yield* emulator.workspaceIndex("default")).length, 2)
      const overwritten = yield* ingest("OVERWRITE", "fourth")
      assert.strictEqual(overwritten.ingestion_status, "FINISHED")
      const index = yield* emulator.workspaceIndex("default")
      assert.deepStrictEqual(index.map((f) => f.fileIngestionId), [overwritten.file_ingestion_id])
      // another workspace has its own index
      const elsewhere = yield* createSession(emulator, "other", "FAIL")
      yield* upload(elsewhere, "same.txt", "fifth")
      yield* closeSession(emulator, elsewhere.session_id, "other")
      assert.strictEqual(
        (yield* listFiles(emulator, elsewhere.session_id, "", "other")).data[0]?.ingestion_status,
        "FINISHED"
      )
    }))

  it.scoped("the session's inspection tells when its ingestion is done: at the last file's settling, not before", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      for (const name of ["a.txt", "b.txt", "c.txt"]) yield* upload(session, name, name)
      const infoOf = Effect.map(emulator.sessions, (all) => all.find((s) => s.sessionId === session.session_id))
      assert.isUndefined((yield* infoOf)?.ingestedAt)
      yield* TestClock.adjust("1 second")
      yield* closeSession(emulator, session.session_id)
      const closed = yield* infoOf
      // Three files one at a time, 100 ms each, from the close.
      assert.deepStrictEqual([closed?.endedAt, closed?.ingestedAt], [1_000, 1_300])
      yield* TestClock.adjust("299 millis")
      assert.strictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status.finished_files, 2)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status.finished_files, 3)
    }))

  it.scoped("a session expires 24 hours after creation on the Clock, and its files are ingested then", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      yield* upload(session, "a.txt", "a")
      yield* upload(session, "b.txt", "b")
      yield* TestClock.adjust("23 hours")
      assert.strictEqual((yield* listSessions(emulator)).data[0]?.status, "OPEN")
      yield* TestClock.adjust("1 hour")
      const [item] = (yield* listSessions(emulator)).data
      assert.strictEqual(item?.status, "EXPIRED")
      assert.deepStrictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status, {
        failed_files: 0,
        finished_files: 0
      })
      yield* TestClock.adjust("150 millis")
      assert.deepStrictEqual((yield* getStatus(emulator, session.session_id)).ingestion_status, {
        failed_files: 0,
        finished_files: 1
      })
      yield* TestClock.adjust("1 minute")
      const [info] = yield* emulator.sessions
      assert.deepStrictEqual([info?.status, info?.finishedFiles, info?.endedAt], ["EXPIRED", 2, 24 * 3_600_000])
      // closing an expired session changes nothing
      assert.strictEqual((yield* closeSession(emulator, session.session_id)).status, 204)
      assert.strictEqual((yield* emulator.sessions)[0]?.status, "EXPIRED")
    }))

  it.scoped("expiry is observed in order: an earlier expiry takes its turn in the index before a later close", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ ingestionDelay: 0 })
      const expiring = yield* createSession(emulator, "default", "FAIL")
      yield* upload(expiring, "x.txt", "from the session that expired")
      yield* TestClock.adjust("12 hours")
      const closing = yield* createSession(emulator, "default", "FAIL")
      yield* upload(closing, "x.txt", "from the session closed later")
      yield* TestClock.adjust("13 hours")
      // nothing observed the expiry until this close
      yield* closeSession(emulator, closing.session_id)
      assert.strictEqual((yield* listFiles(emulator, expiring.session_id)).data[0]?.ingestion_status, "FINISHED")
      assert.strictEqual(
        (yield* listFiles(emulator, closing.session_id)).data[0]?.ingestion_status_reason,
        "FILE_ALREADY_EXISTS"
      )
    }))

  it.effect("the layer runs on the Clock of the context it is built in", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const session = yield* createSession(emulator)
      yield* TestClock.adjust("24 hours")
      assert.strictEqual((yield* listSessions(emulator, "is_expired=true")).data[0]?.session_id, session.session_id)
    }).pipe(Effect.provide(Emulator.layerTest())))
})

layer(Emulator.layerTest())("under it.layer", (it) => {
  it.effect("tests share the TestClock that the emulator layer was built with", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const session = yield* createSession(emulator)
      yield* TestClock.adjust("24 hours")
      const expired = yield* listSessions(emulator, "is_expired=true")
      assert.deepStrictEqual(expired.data.map((s) => [s.session_id, s.status]), [[session.session_id, "EXPIRED"]])
    }))
})
