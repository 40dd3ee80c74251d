import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import { Emulator, Fault } from "../src/index.js"
import { closeSession, createSession, json, request, sessionsPath, upload } from "./helpers.js"

const start = Emulator.start({ seed: 41, ingestionDelay: 0 })

const control = (emulator: Emulator.Handle, path: string, init?: RequestInit) =>
  request(`${emulator.controlUrl}${path}`, init)

describe("the control API under /_emulator", () => {
  it.scoped("logs API and S3 requests without header values, and leaves itself out", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      yield* upload(session, "a.txt", "a")
      yield* request(`${emulator.apiUrl}${sessionsPath("my space")}?limit=5&limit=7`, {
        headers: { authorization: `Bearer ${emulator.apiKey}`, "x-trace": "1" }
      })
      yield* control(emulator, "/objects")
      const reply = yield* control(emulator, "/requests")
      assert.strictEqual(reply.status, 200)
      assert.notInclude(reply.text, emulator.apiKey)
      const logged = json<Array<Record<string, unknown>>>(reply)
      assert.deepStrictEqual(logged.map((r) => [r.method, r.route, r.status, r.authorization]), [
        ["POST", "create", 201, true],
        ["POST", "s3", 204, false],
        ["GET", "list", 200, true]
      ])
      assert.strictEqual(logged[2]?.path, "/api/v1/workspaces/my%20space/upload_sessions")
      assert.strictEqual(logged[2]?.search, "limit=5&limit=7")
      assert.deepStrictEqual(logged[2]?.query, { limit: "7" })
      assert.includeMembers(logged[2]?.headerNames as Array<string>, ["authorization", "x-trace"])
      const s3Only = json<Array<unknown>>(yield* control(emulator, "/requests?route=s3"))
      assert.lengthOf(s3Only, 1)
      assert.strictEqual((yield* control(emulator, "/requests", { method: "DELETE" })).status, 204)
      assert.lengthOf(yield* emulator.requests, 0)
    }))

  it.scoped("shows stored objects, sessions and the workspace index", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      yield* upload(session, "a.txt", "a")
      yield* upload(session, "a.txt.meta.json", "{\"k\":1}")
      yield* closeSession(emulator, session.session_id)
      const objects = json<Array<Record<string, unknown>>>(
        yield* control(emulator, `/objects?session_id=${session.session_id}`)
      )
      assert.deepStrictEqual(objects.map((o) => [o.filename, o.size, o.meta]), [["a.txt", 1, undefined], [
        "a.txt.meta.json",
        7,
        "{\"k\":1}"
      ]])
      const sessions = json<Array<Record<string, unknown>>>(yield* control(emulator, "/sessions"))
      assert.deepStrictEqual(sessions.map((s) => [s.sessionId, s.status, s.uploads, s.finishedFiles]), [[
        session.session_id,
        "CLOSED",
        2,
        1
      ]])
      const index = json<Array<Record<string, unknown>>>(yield* control(emulator, "/workspaces/default/files"))
      assert.deepStrictEqual(index.map((f) => [f.name, f.meta]), [["a.txt", { k: 1 }]])
      const info = json<Record<string, unknown>>(yield* control(emulator, ""))
      assert.strictEqual(info.s3Url, emulator.s3Url)
    }))

  it.scoped("sets faults from rules or command-line specs, shows what is left of them, and clears them", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const set = yield* control(emulator, "/faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(["list:503x2", Fault.always("create", Fault.serverError(500))])
      })
      assert.strictEqual(set.status, 200)
      const list = () =>
        request(`${emulator.apiUrl}${sessionsPath("default")}`, {
          headers: { authorization: `Bearer ${emulator.apiKey}` }
        })
      assert.strictEqual((yield* list()).status, 503)
      const left = json<Array<{ route: string; sequence?: Array<unknown> }>>(yield* control(emulator, "/faults"))
      assert.deepStrictEqual(left.map((r) => [r.route, r.sequence?.length]), [["list", 1], ["create", undefined]])
      yield* control(emulator, "/faults?append=true", {
        method: "POST",
        body: JSON.stringify({ rules: ["s3:slowdown"] })
      })
      assert.lengthOf(yield* emulator.faults, 3)
      const bad = yield* control(emulator, "/faults", { method: "POST", body: JSON.stringify(["list:teapot"]) })
      assert.strictEqual(bad.status, 400)
      assert.match(json<{ detail: string }>(bad).detail, /unknown fault kind "teapot"/)
      assert.strictEqual((yield* control(emulator, "/faults", { method: "DELETE" })).status, 204)
      assert.strictEqual((yield* list()).status, 200)
    }))

  it.scoped("reset removes the files on disk, written out or streamed there, and never asked about", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      yield* upload(session, "large.bin", new Uint8Array(1024 * 1024))
      yield* upload(session, "small.txt", "s")
      assert.lengthOf(NodeFs.readdirSync(emulator.storageDir), 1)
      assert.strictEqual((yield* control(emulator, "/reset", { method: "POST" })).status, 204)
      assert.deepStrictEqual(NodeFs.readdirSync(emulator.storageDir), [])
      const again = yield* createSession(emulator)
      yield* upload(again, "small.txt", "s")
      yield* emulator.objects()
      assert.lengthOf(NodeFs.readdirSync(emulator.storageDir), 1)
      yield* emulator.reset
      assert.deepStrictEqual(NodeFs.readdirSync(emulator.storageDir), [])
    }))

  it.scoped("reset forgets everything and removes the stored files", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      yield* upload(session, "a.txt", "a")
      const [stored] = yield* emulator.objects()
      assert.isTrue(NodeFs.existsSync(stored!.path!))
      yield* emulator.setFaults([Fault.always("list", Fault.hang)])
      assert.strictEqual((yield* control(emulator, "/reset", { method: "POST" })).status, 204)
      assert.deepStrictEqual(
        [
          (yield* emulator.sessions).length,
          (yield* emulator.objects()).length,
          (yield* emulator.faults).length,
          (yield* emulator.requests).length
        ],
        [0, 0, 0, 0]
      )
      assert.isFalse(NodeFs.existsSync(stored!.path!))
      // the same seed hands out the same ids again after a reset
      assert.strictEqual((yield* createSession(emulator)).session_id, session.session_id)
    }))
})
