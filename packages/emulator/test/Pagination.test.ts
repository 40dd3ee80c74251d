import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as TestClock from "effect/TestClock"
import { Emulator } from "../src/index.js"
import * as Page from "../src/internal/page.js"
import { closeSession, createSession, listFiles, listSessions, upload } from "./helpers.js"

describe("Page.paginate", () => {
  const sizes = FastCheck.integer({ min: 0, max: 60 })

  it.prop(
    "walking forward by `after` and backward by `before` visits every matching item once, in order",
    [sizes, FastCheck.integer({ min: 1, max: 15 }), FastCheck.array(FastCheck.boolean(), { maxLength: 60 })],
    ([n, limit, keep]) => {
      const matching = Array.from({ length: n }, (_, i) => i).filter((i) => keep[i] ?? true)
      const view = Page.subset(matching, matching.length)
      const forward: Array<number> = []
      let page = Page.paginate(view, { _tag: "Page", page: 1, limit })
      forward.push(...page.positions)
      while (page.hasMore) {
        page = Page.paginate(view, { _tag: "After", position: page.positions.at(-1)!, limit })
        forward.push(...page.positions)
      }
      assert.deepStrictEqual(forward, matching)
      const backward: Array<number> = []
      page = Page.paginate(view, { _tag: "Before", position: n, limit })
      backward.unshift(...page.positions)
      while (page.hasMore) {
        page = Page.paginate(view, { _tag: "Before", position: page.positions[0]!, limit })
        backward.unshift(...page.positions)
      }
      assert.deepStrictEqual(backward, matching)
      assert.strictEqual(page.total, matching.length)
    },
    { fastCheck: { seed: 42, numRuns: 200 } }
  )

  it("a range view counts a cursor that lies outside it", () => {
    const view = Page.range(5, 10)
    assert.deepStrictEqual(Page.paginate(view, { _tag: "After", position: 2, limit: 3 }).positions, [5, 6, 7])
    assert.deepStrictEqual(Page.paginate(view, { _tag: "Before", position: 20, limit: 2 }).positions, [8, 9])
    assert.deepStrictEqual(Page.paginate(view, { _tag: "Page", page: 3, limit: 2 }), {
      positions: [9],
      hasMore: false,
      total: 5
    })
  })
})

describe("listing sessions", () => {
  it.scoped("after, before, page_number, has_more and total", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ seed: 4 })
      const ids: Array<string> = []
      for (let i = 0; i < 25; i++) ids.push((yield* createSession(emulator)).session_id)

      const first = yield* listSessions(emulator)
      assert.deepStrictEqual(first.data.map((s) => s.session_id), ids.slice(0, 10))
      assert.isTrue(first.has_more)
      assert.strictEqual(first.total, 25)

      const after = yield* listSessions(emulator, `after=${ids[9]}&limit=10`)
      assert.deepStrictEqual(after.data.map((s) => s.session_id), ids.slice(10, 20))
      assert.isTrue(after.has_more)
      const last = yield* listSessions(emulator, `after=${ids[19]}&limit=10`)
      assert.deepStrictEqual(last.data.map((s) => s.session_id), ids.slice(20))
      assert.isFalse(last.has_more)

      const before = yield* listSessions(emulator, `before=${ids[20]}&limit=5`)
      assert.deepStrictEqual(before.data.map((s) => s.session_id), ids.slice(15, 20))
      assert.isTrue(before.has_more)
      const start = yield* listSessions(emulator, `before=${ids[3]}&limit=5`)
      assert.deepStrictEqual(start.data.map((s) => s.session_id), ids.slice(0, 3))
      assert.isFalse(start.has_more)

      const page3 = yield* listSessions(emulator, "page_number=3&limit=10")
      assert.deepStrictEqual(page3.data.map((s) => s.session_id), ids.slice(20))
      assert.isFalse(page3.has_more)
      const beyond = yield* listSessions(emulator, "page_number=9")
      assert.deepStrictEqual([beyond.data.length, beyond.has_more, beyond.total], [0, false, 25])

      const cursorWins = yield* listSessions(emulator, `after=${ids[0]}&page_number=3&limit=2`)
      assert.deepStrictEqual(cursorWins.data.map((s) => s.session_id), ids.slice(1, 3))
    }))

  it.scoped("a forward walk neither repeats nor skips while sessions are added", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ seed: 5 })
      const initial: Array<string> = []
      for (let i = 0; i < 12; i++) initial.push((yield* createSession(emulator)).session_id)
      const seen: Array<string> = []
      let page = yield* listSessions(emulator, "limit=5")
      seen.push(...page.data.map((s) => s.session_id))
      while (page.has_more) {
        yield* createSession(emulator)
        page = yield* listSessions(emulator, `limit=5&after=${seen.at(-1)}`)
        seen.push(...page.data.map((s) => s.session_id))
      }
      assert.strictEqual(new Set(seen).size, seen.length)
      assert.deepStrictEqual(seen.slice(0, initial.length), initial)
    }))

  it.scoped("is_expired filters by expiry on the emulator's clock, and items show their status", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ seed: 6 })
      const old = yield* createSession(emulator)
      const closed = yield* createSession(emulator)
      yield* closeSession(emulator, closed.session_id)
      yield* TestClock.adjust("24 hours")
      const fresh = yield* createSession(emulator)

      const expired = yield* listSessions(emulator, "is_expired=true")
      assert.deepStrictEqual(expired.data.map((s) => [s.session_id, s.status]), [
        [old.session_id, "EXPIRED"],
        [closed.session_id, "CLOSED"]
      ])
      assert.strictEqual(expired.total, 2)
      const unexpired = yield* listSessions(emulator, "is_expired=false")
      assert.deepStrictEqual(unexpired.data.map((s) => [s.session_id, s.status]), [[fresh.session_id, "OPEN"]])
      const all = yield* listSessions(emulator)
      assert.strictEqual(all.total, 3)
      const afterOld = yield* listSessions(emulator, `is_expired=false&after=${old.session_id}`)
      assert.deepStrictEqual(afterOld.data.map((s) => s.session_id), [fresh.session_id])
    }))
})

describe("listing files", () => {
  it.scoped("cursors are file_ingestion_ids, stable from upload to ingestion, with an ingestion_status filter", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ seed: 7, ingestionDelay: "1 second" })
      const session = yield* createSession(emulator)
      const names = Array.from({ length: 12 }, (_, i) => `doc-${String(i).padStart(2, "0")}.txt`)
      for (const name of names) {
        // every third file is empty, so that it fails
        yield* upload(session, name, names.indexOf(name) % 3 === 0 ? "" : `content of ${name}`)
      }
      const open = yield* listFiles(emulator, session.session_id, "limit=100")
      assert.deepStrictEqual(open.data.map((f) => f.name), names)
      assert.isTrue(open.data.every((f) => f.ingestion_status === "PENDING"))
      const ids = open.data.map((f) => f.file_ingestion_id)

      yield* closeSession(emulator, session.session_id)
      yield* TestClock.adjust("6 seconds")
      const mid = yield* listFiles(emulator, session.session_id, "limit=100")
      assert.deepStrictEqual(mid.data.map((f) => f.file_ingestion_id), ids)
      assert.deepStrictEqual(
        mid.data.map((f) => f.ingestion_status),
        ["FAILED", "FINISHED", "FINISHED", "FAILED", "FINISHED", "FINISHED", ...Array(6).fill("PENDING")]
      )
      const pending = yield* listFiles(emulator, session.session_id, "ingestion_status=PENDING&limit=4")
      assert.deepStrictEqual(pending.data.map((f) => f.name), names.slice(6, 10))
      assert.deepStrictEqual([pending.has_more, pending.total], [true, 6])

      yield* TestClock.adjust("1 minute")
      const failed = yield* listFiles(emulator, session.session_id, "ingestion_status=FAILED&limit=2")
      assert.deepStrictEqual(failed.data.map((f) => f.name), ["doc-00.txt", "doc-03.txt"])
      assert.deepStrictEqual([failed.has_more, failed.total], [true, 4])
      assert.isTrue(failed.data.every((f) => f.ingestion_status_reason === "EMPTY_FILE"))
      const nextFailed = yield* listFiles(
        emulator,
        session.session_id,
        `ingestion_status=FAILED&limit=2&after=${failed.data[1]!.file_ingestion_id}`
      )
      assert.deepStrictEqual(nextFailed.data.map((f) => f.name), ["doc-06.txt", "doc-09.txt"])
      assert.isFalse(nextFailed.has_more)
      // a cursor may name a file the filter leaves out
      const finishedAfter = yield* listFiles(emulator, session.session_id, `ingestion_status=FINISHED&after=${ids[3]}`)
      assert.deepStrictEqual(finishedAfter.data.map((f) => f.name), [
        "doc-04.txt",
        "doc-05.txt",
        "doc-07.txt",
        "doc-08.txt",
        "doc-10.txt",
        "doc-11.txt"
      ])
      const before = yield* listFiles(emulator, session.session_id, `before=${ids[11]}&limit=3`)
      assert.deepStrictEqual(before.data.map((f) => f.name), names.slice(8, 11))
      assert.isTrue(before.has_more)
    }))
})
