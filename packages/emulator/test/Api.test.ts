import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Emulator } from "../src/index.js"
import { api, closeSession, createSession, json, listSessions, sessionsPath } from "./helpers.js"

interface Detail {
  readonly detail: ReadonlyArray<
    { readonly loc: ReadonlyArray<string | number>; readonly msg: string; readonly type: string }
  >
}

const start = Emulator.start({ seed: 1, ingestionDelay: 0 })

describe("the upload-session API", () => {
  it.scoped("create answers 201 with a session and a presigned POST under the session's prefix", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const reply = yield* api(emulator, sessionsPath("default"), { method: "POST", body: { write_mode: "FAIL" } })
      assert.strictEqual(reply.status, 201)
      const body = json<{
        session_id: string
        expires_at: string
        documentation_url: string
        aws_prefixed_request_config: { url: string; fields: Record<string, string> }
      }>(reply)
      assert.match(body.session_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      // TestClock starts at the epoch: the session expires 24 hours later.
      assert.strictEqual(body.expires_at, "1970-01-02T00:00:00.000Z")
      assert.strictEqual(body.aws_prefixed_request_config.url, emulator.s3Url)
      const fields = body.aws_prefixed_request_config.fields
      assert.isTrue(fields.key.startsWith(`${emulator.organizationId}/`))
      assert.isTrue(fields.key.endsWith(`/${body.session_id}/\${filename}`))
      for (const name of ["policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"]) {
        assert.isString(fields[name], name)
      }
      const policy = JSON.parse(Buffer.from(fields.policy, "base64").toString("utf8"))
      assert.strictEqual(policy.expiration, body.expires_at)
      assert.deepInclude(policy.conditions, ["starts-with", "$key", fields.key.replace("${filename}", "")])
      const sessions = yield* emulator.sessions
      assert.deepStrictEqual(sessions.map((s) => [s.sessionId, s.writeMode, s.status]), [[
        body.session_id,
        "FAIL",
        "OPEN"
      ]])
    }))

  it.scoped("create accepts no body at all and defaults to KEEP", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const reply = yield* api(emulator, sessionsPath("default"), { method: "POST" })
      assert.strictEqual(reply.status, 201)
      const [session] = yield* emulator.sessions
      assert.strictEqual(session?.writeMode, "KEEP")
    }))

  it.scoped("close answers 204, again 204 when already closed, and 404 for an unknown session", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      assert.strictEqual((yield* closeSession(emulator, session.session_id)).status, 204)
      const again = yield* api(emulator, `${sessionsPath("default")}/${session.session_id}`, {
        method: "PUT",
        body: { status: "CLOSED" }
      })
      assert.strictEqual(again.status, 204)
      assert.strictEqual(again.text, "")
      const unknown = yield* closeSession(emulator, "00000000-0000-4000-8000-000000000000")
      assert.strictEqual(unknown.status, 404)
      assert.deepStrictEqual(json(unknown), { detail: "Upload session not found" })
    }))

  it.scoped("getStatus answers 200 with counts, and 404 for an unknown or malformed id", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      const reply = yield* api(emulator, `${sessionsPath("default")}/${session.session_id}`)
      assert.strictEqual(reply.status, 200)
      assert.deepStrictEqual(json(reply), {
        session_id: session.session_id,
        documentation_url: "https://docs.cloud.deepset.ai/docs/upload-files-with-sessions",
        expires_at: session.expires_at,
        ingestion_status: { failed_files: 0, finished_files: 0 }
      })
      const upper = yield* api(emulator, `${sessionsPath("default")}/${session.session_id.toUpperCase()}`)
      assert.strictEqual(upper.status, 200)
      assert.strictEqual((yield* api(emulator, `${sessionsPath("default")}/not-a-uuid`)).status, 404)
    }))

  it.scoped("401 for a missing, unknown or doubled bearer key, on every operation", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      const base = sessionsPath("default")
      const calls = [
        { path: base, method: "POST" },
        { path: base, method: "GET" },
        { path: `${base}/${session.session_id}`, method: "GET" },
        { path: `${base}/${session.session_id}/files`, method: "GET" },
        { path: `${base}/${session.session_id}`, method: "PUT" }
      ]
      for (const call of calls) {
        for (const authorization of [null, "Bearer wrong-key", `Bearer Bearer ${emulator.apiKey}`, emulator.apiKey]) {
          const reply = yield* api(emulator, call.path, {
            method: call.method,
            authorization,
            ...(call.method === "PUT" ? { body: { status: "closed" } } : {})
          })
          assert.strictEqual(reply.status, 401, `${call.method} ${call.path} with ${authorization}`)
          assert.strictEqual(reply.headers.get("www-authenticate"), "Bearer")
        }
      }
      const lowercaseScheme = yield* api(emulator, base, { authorization: `bearer ${emulator.apiKey}` })
      assert.strictEqual(lowercaseScheme.status, 200)
      assert.strictEqual((yield* emulator.sessions)[0]?.status, "OPEN")
    }))

  it.scoped("keys may be configured with a Bearer prefix, and several keys are accepted", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ apiKeys: ["Bearer first", "second"], seed: 2 })
      assert.strictEqual(emulator.apiKey, "first")
      for (const key of ["first", "second"]) {
        assert.strictEqual((yield* api(emulator, sessionsPath("w"), { authorization: `Bearer ${key}` })).status, 200)
      }
    }))

  it.scoped("a session of workspace A is 404 in workspace B", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator, "A")
      const other = sessionsPath("B")
      assert.strictEqual((yield* api(emulator, `${other}/${session.session_id}`)).status, 404)
      assert.strictEqual((yield* api(emulator, `${other}/${session.session_id}/files`)).status, 404)
      assert.strictEqual((yield* closeSession(emulator, session.session_id, "B")).status, 404)
      assert.strictEqual((yield* listSessions(emulator, "", "B")).total, 0)
      assert.strictEqual((yield* listSessions(emulator, "", "A")).total, 1)
      assert.strictEqual((yield* emulator.sessions)[0]?.status, "OPEN")
    }))

  it.scoped("path parameters are decoded once: an encoded slash or dot-dot cannot change the route", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator, "a")
      const hostile = `${sessionsPath("a/../b")}/${encodeURIComponent(`../${session.session_id}`)}`
      const reply = yield* api(emulator, hostile)
      assert.strictEqual(reply.status, 404)
      const logged = (yield* emulator.requests).at(-1)!
      assert.strictEqual(logged.path, `/api/v1/workspaces/a%2F..%2Fb/upload_sessions/..%2F${session.session_id}`)
      assert.strictEqual(logged.route, "getStatus")
      const encodedWorkspace = yield* listSessions(emulator, "", "a/b")
      assert.strictEqual(encodedWorkspace.total, 0)
    }))

  it.scoped("a configured list of workspaces makes every other name 404", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ workspaces: ["known"], seed: 3 })
      assert.strictEqual((yield* api(emulator, sessionsPath("known"))).status, 200)
      const unknown = yield* api(emulator, sessionsPath("unknown"))
      assert.strictEqual(unknown.status, 404)
      assert.deepStrictEqual(json(unknown), { detail: "Workspace not found" })
    }))

  it.scoped("unknown paths are 404 and wrong methods 405, as FastAPI answers", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      assert.strictEqual((yield* api(emulator, "/api/v1/nothing")).status, 404)
      const wrongMethod = yield* api(emulator, sessionsPath("default"), { method: "DELETE" })
      assert.strictEqual(wrongMethod.status, 405)
      assert.deepStrictEqual(json(wrongMethod), { detail: "Method Not Allowed" })
    }))
})

describe("request validation", () => {
  const detailOf = (reply: { status: number; text: string }) => {
    assert.strictEqual(reply.status, 422, reply.text)
    return json<Detail>(reply).detail
  }

  it.scoped("bad query values are 422 with FastAPI details, all at once", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      const files = `${sessionsPath("default")}/${session.session_id}/files`
      const cases: ReadonlyArray<readonly [string, string, string, ReadonlyArray<string>]> = [
        [files, "limit=0", "greater_than_equal", ["query", "limit"]],
        [files, "limit=101", "less_than_equal", ["query", "limit"]],
        [files, "limit=ten", "int_parsing", ["query", "limit"]],
        [files, "page_number=0", "greater_than_equal", ["query", "page_number"]],
        [files, "ingestion_status=DONE", "enum", ["query", "ingestion_status"]],
        [files, "after=not-a-uuid", "uuid_parsing", ["query", "after"]],
        [sessionsPath("default"), "is_expired=maybe", "bool_parsing", ["query", "is_expired"]],
        [sessionsPath("default"), "limit=-1", "greater_than_equal", ["query", "limit"]]
      ]
      for (const [path, query, type, loc] of cases) {
        const [first, ...rest] = detailOf(yield* api(emulator, path, { query }))
        assert.strictEqual(first?.type, type, query)
        assert.deepStrictEqual(first?.loc, loc)
        assert.isString(first?.msg)
        assert.lengthOf(rest, 0)
      }
      const both = detailOf(yield* api(emulator, files, { query: "limit=0&ingestion_status=x" }))
      assert.deepStrictEqual(both.map((d) => d.loc[1]), ["limit", "ingestion_status"])
      assert.strictEqual(
        detailOf(yield* api(emulator, files, { query: "ingestion_status=DONE" }))[0]?.msg,
        "Input should be 'PENDING', 'FAILED' or 'FINISHED'"
      )
    }))

  it.scoped("the limits' edges are accepted, and is_expired reads booleans as pydantic does", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      for (
        const query of ["limit=1", "limit=100", "page_number=1", "is_expired=false", "is_expired=1", "is_expired=TRUE"]
      ) {
        assert.strictEqual((yield* api(emulator, sessionsPath("default"), { query })).status, 200, query)
      }
    }))

  it.scoped("a cursor naming no item of the listing is 422", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const [detail] = detailOf(
        yield* api(emulator, sessionsPath("default"), { query: "after=00000000-0000-4000-8000-000000000000" })
      )
      assert.strictEqual(detail?.type, "value_error")
      assert.deepStrictEqual(detail?.loc, ["query", "after"])
    }))

  it.scoped("bad bodies are 422, a body that is not JSON is 415", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const base = sessionsPath("default")
      const [mode] = detailOf(yield* api(emulator, base, { method: "POST", body: { write_mode: "REPLACE" } }))
      assert.deepStrictEqual([mode?.type, mode?.loc], ["enum", ["body", "write_mode"]])
      assert.strictEqual(mode?.msg, "Input should be 'KEEP', 'OVERWRITE' or 'FAIL'")
      const [malformed] = detailOf(yield* api(emulator, base, { method: "POST", rawBody: "{\"write_mode\": " }))
      assert.strictEqual(malformed?.type, "json_invalid")
      assert.strictEqual(malformed?.loc[0], "body")
      const [array] = detailOf(yield* api(emulator, base, { method: "POST", body: ["KEEP"] }))
      assert.strictEqual(array?.type, "model_attributes_type")
      const text = yield* api(emulator, base, { method: "POST", rawBody: "write_mode=KEEP", contentType: "text/plain" })
      assert.strictEqual(text.status, 415)
      assert.lengthOf(yield* emulator.sessions, 0)

      const session = yield* createSession(emulator)
      const path = `${base}/${session.session_id}`
      const [status] = detailOf(yield* api(emulator, path, { method: "PUT", body: { status: "open" } }))
      assert.deepStrictEqual([status?.type, status?.loc], ["enum", ["body", "status"]])
      const [missing] = detailOf(yield* api(emulator, path, { method: "PUT" }))
      assert.deepStrictEqual([missing?.type, missing?.loc], ["missing", ["body"]])
      const [noStatus] = detailOf(yield* api(emulator, path, { method: "PUT", body: {} }))
      assert.deepStrictEqual([noStatus?.type, noStatus?.loc], ["missing", ["body", "status"]])
      const [broken] = detailOf(yield* api(emulator, path, { method: "PUT", rawBody: "{" }))
      assert.strictEqual(broken?.type, "json_invalid")
      const closeText = yield* api(emulator, path, { method: "PUT", rawBody: "closed", contentType: "text/plain" })
      assert.strictEqual(closeText.status, 415)
      assert.strictEqual((yield* emulator.sessions)[0]?.status, "OPEN")
    }))
})
