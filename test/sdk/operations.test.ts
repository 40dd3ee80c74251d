/**
 * Every operation on the wire: method, path, query, body, headers, and the decoded models. Runs once
 * per transport (fetch and undici) against a scripted server on 127.0.0.1.
 */
import { Models, UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { client, runner, TEST_API_KEY, transports } from "../support/Clients.js"
import { json, ScriptedServer } from "../support/ScriptedServer.js"

const SESSION_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

const wireUploadSession = {
  session_id: SESSION_ID,
  documentation_url: "https://docs.cloud.deepset.ai/upload",
  expires_at: "2024-05-02T10:00:00Z",
  aws_prefixed_request_config: {
    url: "https://s3.example.com/bucket",
    fields: { key: "org/ws/session/${filename}", policy: "cG9saWN5", "x-amz-signature": "sig" }
  }
}

for (const transport of transports) {
  describe(`UploadSessions over ${transport.name}`, () => {
    const run = runner(transport)

    it.layer(ScriptedServer.layer)((it) => {
      it.effect("create posts the write mode and decodes the session", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(json(201, wireUploadSession))
          const session = yield* run(UploadSessions.create({ workspaceName: "my ws/1", writeMode: "OVERWRITE" }))

          assert.strictEqual(server.requests.length, 1)
          const [request] = server.requests
          assert.strictEqual(request.method, "POST")
          assert.strictEqual(request.path, "/api/v1/workspaces/my%20ws%2F1/upload_sessions")
          assert.deepStrictEqual(JSON.parse(request.body), { write_mode: "OVERWRITE" })

          server.script(json(201, wireUploadSession))
          yield* run(UploadSessions.create({ workspaceName: "ws", parallelProcessing: false }))
          assert.deepStrictEqual(JSON.parse(server.requests[1]!.body), { parallel_processing_enabled: false })
          assert.strictEqual(request.headers["authorization"], `Bearer ${TEST_API_KEY}`)
          assert.strictEqual(request.headers["accept"], "application/json")
          assert.strictEqual(request.headers["user-agent"], "@effect-deepset/sdk/0.1.0")
          assert.match(String(request.headers["content-type"]), /^application\/json/)

          assert.instanceOf(session, Models.UploadSession)
          assert.strictEqual(session.sessionId, SESSION_ID)
          assert.strictEqual(session.documentationUrl, "https://docs.cloud.deepset.ai/upload")
          assert.strictEqual(DateTime.formatIso(session.expiresAt), "2024-05-02T10:00:00.000Z")
          assert.strictEqual(session.awsPrefixedRequestConfig.url, "https://s3.example.com/bucket")
          assert.deepStrictEqual(
            session.awsPrefixedRequestConfig.fields,
            wireUploadSession.aws_prefixed_request_config.fields
          )
        }))

      it.effect("create without a write mode sends an empty object to the default workspace", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(json(201, { ...wireUploadSession, documentation_url: null }))
          const session = yield* run(UploadSessions.create())
          assert.strictEqual(server.requests[0].path, "/api/v1/workspaces/default/upload_sessions")
          assert.deepStrictEqual(JSON.parse(server.requests[0].body), {})
          assert.strictEqual(session.documentationUrl, undefined)
        }))

      it.effect("close puts status closed and returns on 204", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script({ status: 204 })
          const result = yield* run(UploadSessions.close({ sessionId: "a b/c?d" }))
          assert.strictEqual(result, undefined)
          const [request] = server.requests
          assert.strictEqual(request.method, "PUT")
          assert.strictEqual(request.path, "/api/v1/workspaces/default/upload_sessions/a%20b%2Fc%3Fd")
          assert.deepStrictEqual(JSON.parse(request.body), { status: "closed" })
          assert.strictEqual(request.headers["authorization"], `Bearer ${TEST_API_KEY}`)
        }))

      it.effect("getStatus gets the session and reads zone-less dates as UTC and missing counts as 0", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(json(200, {
            session_id: SESSION_ID,
            expires_at: "2024-01-01T00:00:00",
            ingestion_status: { finished_files: 3 }
          }))
          const detail = yield* run(UploadSessions.getStatus({ workspaceName: "other", sessionId: SESSION_ID }))
          const [request] = server.requests
          assert.strictEqual(request.method, "GET")
          assert.strictEqual(request.path, `/api/v1/workspaces/other/upload_sessions/${SESSION_ID}`)
          assert.strictEqual(request.body, "")
          assert.strictEqual(detail.sessionId, SESSION_ID)
          assert.strictEqual(DateTime.toEpochMillis(detail.expiresAt), Date.UTC(2024, 0, 1))
          assert.strictEqual(detail.ingestionStatus.finishedFiles, 3)
          assert.strictEqual(detail.ingestionStatus.failedFiles, 0)
        }))

      it.effect("getFiles sends every query parameter in snake_case and keeps unknown enum values", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(json(200, {
            data: [
              {
                name: "a.pdf",
                ingestion_status: "FAILED",
                file_ingestion_id: "f-1",
                ingestion_status_reason: "EMPTY_FILE"
              },
              { name: "b.pdf", ingestion_status: "QUARANTINED", ingestion_status_reason: "VIRUS_FOUND" },
              { name: "c.pdf", ingestion_status: "PENDING", file_ingestion_id: null }
            ],
            has_more: true,
            total: 42
          }))
          const page = yield* run(UploadSessions.getFiles({
            sessionId: SESSION_ID,
            after: "f-0",
            limit: 3,
            pageNumber: 2,
            ingestionStatus: "FAILED"
          }))
          const [request] = server.requests
          assert.strictEqual(request.path, `/api/v1/workspaces/default/upload_sessions/${SESSION_ID}/files`)
          assert.deepStrictEqual(Object.fromEntries(request.query), {
            after: "f-0",
            limit: "3",
            page_number: "2",
            ingestion_status: "FAILED"
          })
          assert.strictEqual(page.hasMore, true)
          assert.strictEqual(page.total, 42)
          assert.deepStrictEqual(
            page.data.map((file) => [file.name, file.ingestionStatus, file.ingestionStatusReason]),
            [
              ["a.pdf", "FAILED", "EMPTY_FILE"],
              ["b.pdf", "QUARANTINED", "VIRUS_FOUND"],
              ["c.pdf", "PENDING", undefined]
            ]
          )
          assert.strictEqual(page.data[0].fileIngestionId, "f-1")
          assert.strictEqual(page.data[2].fileIngestionId, undefined)
        }))

      it.effect("list sends is_expired=false when asked, and nothing when not", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          const wire = {
            session_id: SESSION_ID,
            created_at: "2024-03-01T12:00:00+02:00",
            created_by: { user_id: "u-1", given_name: "Ada", family_name: "Lovelace" },
            write_mode: "ARCHIVE",
            status: "PAUSED"
          }
          server.script(
            json(200, { data: [wire], has_more: false, total: 1 }),
            json(200, { data: [], has_more: false, total: 0 })
          )
          const page = yield* run(UploadSessions.list({ isExpired: false, before: "x", limit: 5 }))
          yield* run(UploadSessions.list())
          assert.deepStrictEqual(Object.fromEntries(server.requests[0].query), {
            before: "x",
            is_expired: "false",
            limit: "5"
          })
          assert.deepStrictEqual(Object.fromEntries(server.requests[1].query), {})
          assert.strictEqual(server.requests[1].path, "/api/v1/workspaces/default/upload_sessions")
          const [session] = page.data
          assert.strictEqual(session.writeMode, "ARCHIVE")
          assert.strictEqual(session.status, "PAUSED")
          assert.strictEqual(session.expiresAt, undefined)
          assert.strictEqual(session.createdBy.givenName, "Ada")
          assert.strictEqual(DateTime.toEpochMillis(session.createdAt), Date.UTC(2024, 2, 1, 10))
        }))

      it.effect("a base URL ending in /api/v1, a Bearer-prefixed key and a custom user agent are used as given", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script(json(200, { data: [], has_more: false, total: 0 }))
          const layer = client(`${server.url}/api/v1/`, transport, {
            apiKey: Redacted.make(`Bearer ${TEST_API_KEY}`),
            userAgent: "my-app/2.0"
          })
          yield* Effect.provide(UploadSessions.list(), layer)
          const [request] = server.requests
          assert.strictEqual(request.path, "/api/v1/workspaces/default/upload_sessions")
          assert.strictEqual(request.headers["authorization"], `Bearer ${TEST_API_KEY}`)
          assert.strictEqual(request.headers["user-agent"], "my-app/2.0")
        }))

      it.effect("bad input fails with InvalidInputError and sends nothing", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          const noWorkspace = Layer.fresh(client(server.url, transport, { workspace: undefined }))
          const failure = <A, E extends { readonly _tag: string; readonly message: string }, R>(
            effect: Effect.Effect<A, E, R>
          ) => Effect.match(effect, { onFailure: (error) => error, onSuccess: () => undefined })
          const failures = [
            yield* failure(Effect.provide(UploadSessions.create(), noWorkspace)),
            yield* failure(Effect.provide(UploadSessions.list({ workspaceName: "" }), noWorkspace)),
            yield* failure(run(UploadSessions.getStatus({ sessionId: "" }))),
            yield* failure(run(UploadSessions.close({ sessionId: ".." }))),
            yield* failure(run(UploadSessions.getFiles({ sessionId: "s", limit: 0 }))),
            yield* failure(run(UploadSessions.getFiles({ sessionId: "s", limit: 1.5 }))),
            yield* failure(run(UploadSessions.list({ pageNumber: -1 }))),
            yield* failure(run(UploadSessions.list({ after: "" })))
          ]
          assert.deepStrictEqual(failures.map((error) => error?._tag), Array(failures.length).fill("InvalidInputError"))
          assert.match(failures[0]?.message ?? "", /workspaceName is required/)
          assert.strictEqual(server.requests.length, 0)
        }))
    })
  })
}
