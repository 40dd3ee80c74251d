import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CliProcess from "./support/CliProcess.js"

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

describe("deepset-upload sessions close (child process, against a started emulator)", () => {
  it.scopedLive(
    "--all-open closes every open session of the workspace and says which; then there are none",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0 })
        const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" }
        const open1 = yield* emulator.seedSession({ files: 2, close: false })
        const open2 = yield* emulator.seedSession({ files: 1, close: false })
        const done = yield* emulator.seedSession({ files: 1 })
        const elsewhere = yield* emulator.seedSession({ workspace: "other", files: 1, close: false })

        const first = yield* CliProcess.run(["sessions", "close", "--all-open"], env)
        assert.strictEqual(first.exitCode, 0, first.stdout + first.stderr)
        assert.include(first.stdout, `Closed 2 open sessions of workspace "default"`)
        assert.include(first.stdout, open1)
        assert.include(first.stdout, open2)
        assert.notInclude(first.stdout, done)
        assert.notInclude(first.stdout, elsewhere)
        const states = new Map((yield* emulator.sessions).map((session) => [session.sessionId, session.status]))
        assert.deepStrictEqual(
          [open1, open2, done, elsewhere].map((id) => states.get(id)),
          ["CLOSED", "CLOSED", "CLOSED", "OPEN"]
        )
        // Closing starts ingestion, as for an upload.
        const closes = (yield* emulator.requests).filter((request) => request.route === "close")
        assert.lengthOf(closes, 2)

        const [again, json] = yield* Effect.all([
          CliProcess.run(["sessions", "close", "--all-open"], env),
          CliProcess.run(["sessions", "close", "--all-open", "--json", "-w", "other"], env)
        ], { concurrency: "unbounded" })
        assert.strictEqual(again.exitCode, 0, again.stderr)
        assert.strictEqual(again.stdout.trim(), `No open sessions in workspace "default".`)
        assert.strictEqual(json.exitCode, 0, json.stderr)
        assert.deepStrictEqual(JSON.parse(json.stdout), { closed: [elsewhere], failed: [] })
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "close <id> closes that session; one it cannot close is named with the API's answer, exit 1",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0 })
        const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" }
        const open = yield* emulator.seedSession({ files: 1, close: false })
        const unknown = "3f2b8a4e-0000-4000-8000-000000000000"
        const [closed, missing, missingJson, neither] = yield* Effect.all([
          CliProcess.run(["sessions", "close", open], env),
          CliProcess.run(["sessions", "close", unknown], env),
          CliProcess.run(["sessions", "close", unknown, "--json"], env),
          CliProcess.run(["sessions", "close"], env)
        ], { concurrency: 2 })

        assert.strictEqual(closed.exitCode, 0, closed.stdout + closed.stderr)
        assert.include(closed.stdout, `Closed session ${open}`)
        assert.strictEqual((yield* emulator.sessions).find((session) => session.sessionId === open)?.status, "CLOSED")

        assert.strictEqual(missing.exitCode, 1, missing.stdout + missing.stderr)
        assert.include(missing.stdout, `Could not close 1 session`)
        assert.include(missing.stdout, `${unknown}: Not found (404)`)
        assert.notInclude(missing.stdout + missing.stderr, emulator.apiKey)

        assert.strictEqual(missingJson.exitCode, 1, missingJson.stderr)
        const document = JSON.parse(missingJson.stdout)
        assert.deepStrictEqual(document.closed, [])
        assert.strictEqual(document.failed[0].session_id, unknown)
        assert.strictEqual(document.failed[0].error.tag, "NotFoundError")

        assert.strictEqual(neither.exitCode, 2)
        assert.include(neither.stderr, "--all-open")
        assert.strictEqual(neither.stdout, "")
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
