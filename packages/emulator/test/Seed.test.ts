import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as NodeFs from "node:fs"
import { Emulator } from "../src/index.js"
import {
  api,
  closeSession,
  type FileItem,
  getStatus,
  json,
  listFiles,
  listSessions,
  type Paginated,
  request,
  sessionsPath
} from "./helpers.js"

/** `POST /_emulator/seed`: test and bench tooling, a session of many documents in one request. */
const seed = (emulator: Emulator.Handle, body: unknown) =>
  request(`${emulator.controlUrl}/seed`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

const seeded = (emulator: Emulator.Handle, body: unknown) =>
  Effect.map(seed(emulator, body), (reply) => {
    assert.strictEqual(reply.status, 201, reply.text)
    return json<{ session_id: string }>(reply).session_id
  })

/** Every file of a session, walked forward 100 at a time as clients do. */
const walk = (emulator: Emulator.Handle, sessionId: string, workspace: string) =>
  Effect.gen(function*() {
    const files: Array<FileItem> = []
    let after: string | undefined
    while (true) {
      const page: Paginated<FileItem> = yield* listFiles(
        emulator,
        sessionId,
        after === undefined ? "limit=100" : `limit=100&after=${after}`,
        workspace
      )
      files.push(...page.data)
      if (!page.has_more) return files
      after = page.data.at(-1)!.file_ingestion_id
    }
  })

describe("seeding sessions (POST /_emulator/seed)", () => {
  it.scoped("makes a closed, ingested session of named documents, each with its id, beyond the file limit", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0, seed: 3, maxFilesPerSession: 10 })
      const sessionId = yield* seeded(emulator, { workspace: "bench", files: 250, name_prefix: "doc-" })
      const status = yield* getStatus(emulator, sessionId, "bench")
      assert.deepStrictEqual(status.ingestion_status, { failed_files: 0, finished_files: 250 })
      const files = yield* walk(emulator, sessionId, "bench")
      assert.deepStrictEqual(files.map((file) => file.name), Array.from({ length: 250 }, (_, i) => `doc-${i}.txt`))
      assert.isTrue(files.every((file) => file.ingestion_status === "FINISHED"))
      assert.strictEqual(new Set(files.map((file) => file.file_ingestion_id)).size, 250)
      const [listed] = (yield* listSessions(emulator, "", "bench")).data
      assert.deepStrictEqual([listed?.session_id, listed?.status], [sessionId, "CLOSED"])
      // Seeded documents enter the workspace index like uploaded ones.
      assert.lengthOf(yield* emulator.workspaceIndex("bench"), 250)
    }))

  it.scoped("stores no bytes: nothing on disk, objects listed without a path", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0 })
      const sessionId = yield* seeded(emulator, { workspace: "w", files: 3 })
      const objects = yield* emulator.objects(sessionId)
      assert.deepStrictEqual(objects.map((o) => [o.filename, o.size, o.path]), [
        ["file-0.txt", 1, undefined],
        ["file-1.txt", 1, undefined],
        ["file-2.txt", 1, undefined]
      ])
      assert.deepStrictEqual(NodeFs.readdirSync(emulator.storageDir), [])
    }))

  it.scoped("with close false the session stays open: its documents are pending until it is closed", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0 })
      const sessionId = yield* seeded(emulator, { workspace: "default", files: 4, close: false })
      const open = yield* listFiles(emulator, sessionId)
      assert.deepStrictEqual([open.total, open.data.map((f) => f.ingestion_status)], [4, [
        "PENDING",
        "PENDING",
        "PENDING",
        "PENDING"
      ]])
      assert.strictEqual((yield* closeSession(emulator, sessionId)).status, 204)
      assert.strictEqual((yield* getStatus(emulator, sessionId)).ingestion_status.finished_files, 4)
    }))

  it.scoped("a hundred thousand documents, paged by cursor from anywhere", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0 })
      const sessionId = yield* seeded(emulator, { workspace: "bench", files: 100_000 })
      const first = yield* listFiles(emulator, sessionId, "limit=100", "bench")
      assert.deepStrictEqual([first.total, first.has_more, first.data.length], [100_000, true, 100])
      const last = yield* listFiles(emulator, sessionId, "limit=100&page_number=1000", "bench")
      assert.deepStrictEqual([last.has_more, last.data.at(-1)?.name], [false, "file-99999.txt"])
      const middle = yield* listFiles(
        emulator,
        sessionId,
        `limit=2&after=${first.data[99]!.file_ingestion_id}`,
        "bench"
      )
      assert.deepStrictEqual(middle.data.map((f) => f.name), ["file-100.txt", "file-101.txt"])
    }), { timeout: 60_000 })

  it.scoped("refuses what it cannot make, with a reason", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0, workspaces: ["known"] })
      const refused = (body: unknown) =>
        Effect.map(seed(emulator, body), (reply) => [reply.status, json<{ detail: string }>(reply).detail] as const)
      for (
        const body of [
          { workspace: "known", files: 0 },
          { workspace: "known", files: 1_000_001 },
          { workspace: "known", files: 1.5 },
          { workspace: "known", files: "10" },
          { workspace: "", files: 1 },
          { files: 1 },
          { workspace: "known", files: 1, close: "yes" },
          { workspace: "known", files: 1, extra: true },
          [],
          "not json"
        ]
      ) {
        const [status, detail] = yield* refused(body)
        assert.strictEqual(status, 400, JSON.stringify(body))
        assert.isNotEmpty(detail)
      }
      const [status, detail] = yield* refused({ workspace: "unknown", files: 1 })
      assert.strictEqual(status, 400)
      assert.match(detail, /does not exist/)
      assert.lengthOf(yield* emulator.sessions, 0)
    }))

  it.scoped("the handle seeds too, and says why it cannot", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0 })
      const sessionId = yield* emulator.seedSession({ files: 2, namePrefix: "n" })
      const files = yield* listFiles(emulator, sessionId)
      assert.deepStrictEqual(files.data.map((f) => [f.name, f.ingestion_status]), [["n0.txt", "FINISHED"], [
        "n1.txt",
        "FINISHED"
      ]])
      const error = yield* Effect.flip(emulator.seedSession({ files: 0 }))
      assert.strictEqual(error._tag, "EmulatorSeedError")
      // The API sees a seeded session as any other: a key is needed, the workspace isolates it.
      const other = yield* api(emulator, `${sessionsPath("other")}/${sessionId}`)
      assert.strictEqual(other.status, 404)
    }))

  it.scoped("respects the ingestion delay on the emulator's clock", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: "1 second" })
      const sessionId = yield* emulator.seedSession({ files: 3 })
      const finished = Effect.map(getStatus(emulator, sessionId), (s) => s.ingestion_status.finished_files)
      assert.strictEqual(yield* finished, 0)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* finished, 2)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* finished, 3)
    }))
})
