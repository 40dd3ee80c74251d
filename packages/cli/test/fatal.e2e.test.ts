/**
 * An error that dooms every file is said once (issue 15): a wrong key, a workspace that does not exist,
 * nothing listening at the API's address, a service that cannot open a session. Each ends with one line
 * naming the cause and what to do, whatever the number of files, the documented exit code (2 for
 * settings the user can fix, 1 otherwise), and no session left open.
 */
import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as Fault from "@effect-deepset/emulator/Fault"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createServer } from "node:net"
import * as CliProcess from "./support/CliProcess.js"

const timeout = 180_000

// A folder of many small files: a message said once per file would show in the line count.
const folder = (count: number) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`),
      { concurrency: 16, discard: true }
    )
    return dir
  })

// A port on which nothing listens: bound, then closed again.
const closedPort = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
)

const lines = (result: CliProcess.Result) =>
  `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.trim() !== "")

describe("deepset-upload: a fatal error said once (child process)", () => {
  it.scopedLive(
    "a wrong key, 300 files: one line naming DEEPSET_API_KEY, exit 2, no session",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0 })
        const dir = yield* folder(300)
        const result = yield* CliProcess.run([dir], {
          DEEPSET_API_KEY: "not-the-key",
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "default"
        })
        assert.strictEqual(result.exitCode, 2, result.stdout + result.stderr)
        assert.include(result.stderr, "The API key was not accepted (401): check DEEPSET_API_KEY.")
        assert.isAtMost(lines(result).length, 4, result.stdout + result.stderr)
        assert.lengthOf(yield* emulator.sessions, 0)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "a workspace that does not exist: one line naming DEEPSET_WORKSPACE, exit 2",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0, workspaces: ["docs"] })
        const dir = yield* folder(50)
        const result = yield* CliProcess.run([dir, "--json"], {
          DEEPSET_API_KEY: emulator.apiKey,
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "nope"
        })
        assert.strictEqual(result.exitCode, 2, result.stdout + result.stderr)
        assert.include(result.stderr, `Workspace "nope" was not found (404)`)
        assert.include(result.stderr, "check DEEPSET_WORKSPACE or --workspace")
        assert.isAtMost(result.stderr.split("\n").filter((l) => l.trim() !== "").length, 2)
        // stdout is still one JSON document, saying what failed.
        const document = JSON.parse(result.stdout)
        assert.isFalse(document.ok)
        assert.include(document.error, `Workspace "nope" was not found (404)`)
        assert.strictEqual(document.counts.uploaded, 0)
        assert.lengthOf(yield* emulator.sessions, 0)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive("nothing listening at DEEPSET_API_URL: one line naming it, exit 2", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const dir = yield* folder(50)
      const result = yield* CliProcess.run([dir], {
        DEEPSET_API_KEY: "some-key",
        DEEPSET_API_URL: `http://127.0.0.1:${port}`,
        DEEPSET_WORKSPACE: "default"
      })
      assert.strictEqual(result.exitCode, 2, result.stdout + result.stderr)
      assert.include(result.stderr, `Cannot reach the API at http://127.0.0.1:${port}`)
      assert.include(result.stderr, "check DEEPSET_API_URL or --api-url")
      assert.isAtMost(lines(result).length, 4)
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.scopedLive(
    "a service that cannot open a session (500, after the run's retries): one line, exit 1",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [Fault.always("create", Fault.serverError(500))]
        })
        const dir = yield* folder(50)
        const result = yield* CliProcess.run([dir], {
          DEEPSET_API_KEY: emulator.apiKey,
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "default"
        })
        assert.strictEqual(result.exitCode, 1, result.stdout + result.stderr)
        assert.include(result.stderr, "No upload session could be opened: Server error (500)")
        // The run's own retries warn on stderr; the failure itself is one line.
        assert.lengthOf(result.stderr.split("\n").filter((l) => l.includes("No upload session could be opened")), 1)
        assert.isAtMost(lines(result).length, 10)
        assert.lengthOf((yield* emulator.requests).filter((r) => r.route === "create"), 4)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
