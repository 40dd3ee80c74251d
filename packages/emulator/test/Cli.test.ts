import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { fileURLToPath } from "node:url"
import { request } from "./helpers.js"

const root = NodePath.resolve(NodePath.dirname(fileURLToPath(import.meta.url)), "../../..")
const bin = NodePath.join(root, "packages/emulator/src/bin.ts")

/** Runs `deepset-emulator` from its sources, as `pnpm emulator` does, and stops it with SIGINT. */
const spawnEmulator = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: ChildProcess.ChildProcess; readonly banner: string }, Error>((resume) => {
      const child = ChildProcess.spawn(process.execPath, ["--import", "tsx", "--conditions=source", bin, ...args], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8")
        if (/export DEEPSET_API_URL=.*\n/.test(out)) resume(Effect.succeed({ child, banner: out }))
      })
      child.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString("utf8")
      })
      child.on("exit", (code) => resume(Effect.fail(new Error(`exited with ${code}: ${err}${out}`))))
    }),
    ({ child }) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null) return resume(Effect.void)
        child.on("exit", () => resume(Effect.void))
        child.kill("SIGINT")
      })
  )

/** Runs the CLI with exactly the environment the emulator's `export` line sets (and PATH). */
const runCli = (env: Record<string, string>, args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number | null; readonly out: string }>((resume) => {
    const child = ChildProcess.spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=source", NodePath.join(root, "packages/cli/src/bin.ts"), ...args],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", ...env } }
    )
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.on("exit", (code) => resume(Effect.succeed({ code, out })))
  })

describe("deepset-emulator", () => {
  it.scopedLive(
    "its printed export line is enough for deepset-upload sessions list",
    () =>
      Effect.gen(function*() {
        const { banner } = yield* spawnEmulator(["--port", "0", "--seed", "3", "--workspace", "team-docs"])
        const line = banner.split("\n").find((l) => l.startsWith("export "))!
        const env = Object.fromEntries(
          line.slice("export ".length).split(" ").map((pair) => pair.split("=", 2) as [string, string])
        )
        assert.strictEqual(env.DEEPSET_WORKSPACE, "team-docs")
        const listed = yield* runCli(env, ["sessions", "list"])
        assert.strictEqual(listed.code, 0, listed.out)
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "prints its URL and key, serves the API, applies --fault, and cleans up on SIGINT",
    () =>
      Effect.gen(function*() {
        const { banner } = yield* spawnEmulator([
          "--port",
          "0",
          "--seed",
          "5",
          "--api-key",
          "cli-key",
          "--fault",
          "list:503x1"
        ])
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
        assert.isDefined(url, banner)
        assert.include(banner, "API key  cli-key")
        assert.include(banner, "seed     5")
        const list = () =>
          request(`${url}/api/v1/workspaces/default/upload_sessions`, { headers: { authorization: "Bearer cli-key" } })
        assert.strictEqual((yield* list()).status, 503)
        assert.strictEqual((yield* list()).status, 200)
        const info = JSON.parse((yield* request(`${url}/_emulator`)).text) as { storageDir: string }
        assert.isTrue(NodeFs.existsSync(info.storageDir))
        return info.storageDir
      }).pipe(
        Effect.scoped,
        Effect.map((storageDir) => assert.isFalse(NodeFs.existsSync(storageDir), "temporary storage removed on exit"))
      ),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "with --port 0 and --ingestion-delay 0: prints its actual URL first, ingests at once, exits 0 on SIGTERM",
    () =>
      Effect.gen(function*() {
        const child = ChildProcess.spawn(
          process.execPath,
          ["--import", "tsx", "--conditions=source", bin, "--port", "0", "--ingestion-delay", "0"],
          { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
        )
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            // Only when the test failed before the child exited.
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          })
        )
        const exited = Effect.async<number | null>((resume) => {
          if (child.exitCode !== null) return resume(Effect.succeed(child.exitCode))
          child.on("exit", (code) => resume(Effect.succeed(code)))
        })
        const banner = yield* Effect.async<string, Error>((resume) => {
          let out = ""
          child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString("utf8")
            if (/export DEEPSET_API_URL=.*\n/.test(out)) resume(Effect.succeed(out))
          })
          child.on("exit", (code) => resume(Effect.fail(new Error(`exited with ${code}: ${out}`))))
        })
        // What a parent process parses: the first URL printed, with the port actually bound.
        const url = /http:\/\/[^\s]+/.exec(banner)?.[0]
        assert.match(url ?? "", /^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
        assert.include(banner, "ingestion 0")
        const seeded = yield* request(`${url}/_emulator/seed`, {
          method: "POST",
          body: JSON.stringify({ workspace: "default", files: 3 })
        })
        const sessionId = (JSON.parse(seeded.text) as { session_id: string }).session_id
        const status = yield* request(`${url}/api/v1/workspaces/default/upload_sessions/${sessionId}`, {
          headers: { authorization: "Bearer emulator-key" }
        })
        assert.deepStrictEqual(JSON.parse(status.text).ingestion_status, { failed_files: 0, finished_files: 3 })
        const info = JSON.parse((yield* request(`${url}/_emulator`)).text) as { storageDir: string }
        assert.isTrue(NodeFs.existsSync(info.storageDir))
        child.kill("SIGTERM")
        assert.strictEqual(yield* exited, 0)
        assert.isFalse(NodeFs.existsSync(info.storageDir), "temporary storage removed on exit")
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("refuses a fault it cannot read, with a message", () =>
    Effect.gen(function*() {
      const failure = yield* Effect.flip(spawnEmulator(["--port", "0", "--fault", "list:teapot"]))
      assert.include(failure.message, "unknown fault kind \"teapot\"")
    }), { timeout: 60_000 })
})
