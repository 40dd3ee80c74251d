import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CliProcess from "./support/CliProcess.js"

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

describe("deepset-upload sessions (child process, against a started emulator)", () => {
  it.scopedLive("list, status and files show what an upload left behind", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ ingestionDelay: 0 })
      const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" }
      const upload = yield* CliProcess.run(["examples/data", "--wait", "--json"], env)
      assert.strictEqual(upload.exitCode, 1, upload.stderr)
      const sessionId: string = JSON.parse(upload.stdout).sessions[0].sessionId

      const [list, listJson, status, files, failed, active, expired] = yield* Effect.all([
        CliProcess.run(["sessions", "list"], env),
        CliProcess.run(["sessions", "list", "--json", "--limit", "5"], env),
        CliProcess.run(["sessions", "status", sessionId], env),
        CliProcess.run(["sessions", "files", sessionId], env),
        CliProcess.run(["sessions", "files", sessionId, "--status", "FAILED", "--json"], env),
        CliProcess.run(["sessions", "list", "--active"], env),
        CliProcess.run(["-w", "default", "sessions", "list", "--expired", "--json"], { ...env, DEEPSET_WORKSPACE: "" })
      ], { concurrency: 3 })

      assert.strictEqual(list.exitCode, 0, list.stderr)
      assert.match(
        list.stdout,
        new RegExp(`${sessionId}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+Emulator User\\s+KEEP\\s+CLOSED`)
      )

      assert.strictEqual(listJson.exitCode, 0, listJson.stderr)
      assert.deepStrictEqual(JSON.parse(listJson.stdout).data.map((s: { session_id: string }) => s.session_id), [
        sessionId
      ])

      assert.strictEqual(status.exitCode, 0, status.stderr)
      assert.match(status.stdout, /Finished files\s+5/)
      assert.match(status.stdout, /Failed files\s+2/)

      assert.strictEqual(files.exitCode, 0, files.stderr)
      assert.match(files.stdout, /draft-notes\.txt\s+FAILED\s+EMPTY_FILE/)
      assert.match(files.stdout, /incident-2026-10-04\.md\s+FAILED\s+FAILED_TO_PARSE_META/)
      assert.match(files.stdout, /onboarding\.md\s+FINISHED/)
      assert.include(files.stdout, "7 files: ")

      assert.strictEqual(failed.exitCode, 0, failed.stderr)
      const failedFiles = JSON.parse(failed.stdout).data as ReadonlyArray<Record<string, string>>
      assert.sameDeepMembers(
        failedFiles.map((file) => [file.name, file.ingestion_status, file.ingestion_status_reason]),
        [["draft-notes.txt", "FAILED", "EMPTY_FILE"], ["incident-2026-10-04.md", "FAILED", "FAILED_TO_PARSE_META"]]
      )

      // The session is closed but not expired: --active lists it, --expired does not. The workspace
      // comes from -w given before `sessions`.
      assert.include(active.stdout, sessionId)
      assert.strictEqual(expired.exitCode, 0, expired.stderr)
      assert.deepStrictEqual(JSON.parse(expired.stdout).data, [])
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.scopedLive("an unknown session is exit code 1 with the API's answer", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start()
      const result = yield* CliProcess.run(["sessions", "status", "3f2b8a4e-0000-4000-8000-000000000000"], {
        DEEPSET_API_KEY: emulator.apiKey,
        DEEPSET_API_URL: emulator.apiUrl,
        DEEPSET_WORKSPACE: "default"
      })
      assert.strictEqual(result.exitCode, 1)
      assert.include(result.stderr, "Not found (404)")
      assert.notInclude(result.stderr, emulator.apiKey)
    }).pipe(Effect.provide(NodeContext.layer)), timeout)
})
