import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { networkInterfaces } from "node:os"
import * as CliProcess from "./support/CliProcess.js"

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

// An address of this machine that is not loopback: plain http to it is what the SDK refuses by default.
const address = Object.values(networkInterfaces()).flat().find((info) =>
  info !== undefined && !info.internal && info.family === "IPv4"
)?.address

describe("deepset-upload: settings from flags and the environment (child process)", () => {
  it.scopedLive.skipIf(address === undefined)(
    "plain http to a host that is not loopback: refused naming --allow-insecure-http and its variable; either allows it",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ host: "0.0.0.0", ingestionDelay: 0 })
        const url = new URL(emulator.apiUrl)
        url.hostname = address!
        const apiUrl = url.origin
        const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: apiUrl, DEEPSET_WORKSPACE: "default" }
        const [refused, flag, variable, upload, bad] = yield* Effect.all([
          CliProcess.run(["sessions", "list"], env),
          CliProcess.run(["sessions", "list", "--allow-insecure-http"], env),
          CliProcess.run(["sessions", "list", "--json"], { ...env, DEEPSET_ALLOW_INSECURE_HTTP: "1" }),
          CliProcess.run(["examples/data", "--json", "--wait"], { ...env, DEEPSET_ALLOW_INSECURE_HTTP: "true" }),
          CliProcess.run(["sessions", "list"], { ...env, DEEPSET_ALLOW_INSECURE_HTTP: "sure" })
        ], { concurrency: 2 })

        assert.strictEqual(refused.exitCode, 2, refused.stdout + refused.stderr)
        assert.include(refused.stderr, `The API URL ${apiUrl}`)
        assert.include(refused.stderr, "--allow-insecure-http")
        assert.include(refused.stderr, "DEEPSET_ALLOW_INSECURE_HTTP=1")
        assert.notInclude(refused.stderr, "allowInsecureHttp")

        assert.strictEqual(flag.exitCode, 0, flag.stderr)
        assert.strictEqual(variable.exitCode, 0, variable.stderr)
        assert.isArray(JSON.parse(variable.stdout).data)
        // The upload command reaches the SDK's client with it too.
        assert.strictEqual(upload.exitCode, 1, upload.stderr)
        assert.strictEqual(JSON.parse(upload.stdout).counts.uploaded, 7)

        assert.strictEqual(bad.exitCode, 2)
        assert.include(bad.stderr, `DEEPSET_ALLOW_INSECURE_HTTP must be true, 1, false or 0, got "sure"`)
        // Only the upload reached the emulator: a refused setting sends nothing.
        assert.lengthOf(yield* emulator.sessions, 1)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "--max-files-per-session N opens a new session every N files",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0 })
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        for (let i = 0; i < 5; i++) yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
        const result = yield* CliProcess.run([dir, "--max-files-per-session", "2", "--json"], {
          DEEPSET_API_KEY: emulator.apiKey,
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "default"
        })
        assert.strictEqual(result.exitCode, 0, result.stdout + result.stderr)
        assert.strictEqual(JSON.parse(result.stdout).counts.uploaded, 5)
        const sessions = yield* emulator.sessions
        assert.lengthOf(sessions, 3)
        assert.sameMembers(sessions.map((session) => session.uploads), [2, 2, 1])
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
