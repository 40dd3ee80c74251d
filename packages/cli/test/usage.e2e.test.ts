import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import * as Ansi from "../src/Ansi.js"
import * as CliProcess from "./support/CliProcess.js"

const version: string = createRequire(import.meta.url)("../package.json").version

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

describe("deepset-upload: configuration, usage and help (child process)", () => {
  it.scopedLive(
    "a missing DEEPSET_API_KEY is exit code 2, names the variable, and sends nothing",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start()
        const result = yield* CliProcess.run(["examples/data", "--wait"], {
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "default"
        })
        assert.strictEqual(result.exitCode, 2)
        assert.include(result.stderr, "DEEPSET_API_KEY is not set")
        assert.include(result.stderr, "--emulator")
        assert.strictEqual(result.stdout, "")
        assert.lengthOf(yield* emulator.requests, 0)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.live("a blank key counts as missing, and every missing setting is named at once", () =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run(["sessions", "list"], { DEEPSET_API_KEY: "  " })
      assert.strictEqual(result.exitCode, 2)
      assert.include(result.stderr, "DEEPSET_API_KEY")
      assert.include(result.stderr, "DEEPSET_WORKSPACE")
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.live("usage errors are exit code 2 with a message", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["--emulator"], "Nothing to upload"],
        [["--emulator", "examples/data", "--concurrency", "many"], "--concurrency: expected an integer from 1 to 64"],
        [
          ["--emulator", "examples/data", "--concurrency", "0"],
          "--concurrency: expected an integer from 1 to 64, got 0"
        ],
        [["--emulator", "examples/data", "--write-mode", "REPLACE"], "KEEP"],
        [["--emulator", "examples/data", "--wait", "--timeout", "soon"], "is not a duration"],
        [["examples/data", "--timeout", "5m"], "--timeout applies to --wait"],
        [["--emulator", "no/such/folder"], "must exist"],
        [["--emulator", "examples/data", "--ext", ".docx"], "No files to upload"],
        [["sessions", "list", "--expired", "--active"], "exclude each other"],
        [["sessions", "status"], "Missing argument <session-id>"]
      ]
      const results = yield* Effect.forEach(cases, ([args]) => CliProcess.run(args), { concurrency: 3 })
      results.forEach((result, i) => {
        const [args, message] = cases[i]!
        assert.strictEqual(result.exitCode, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`)
        assert.include(Ansi.strip(result.stderr + result.stdout), message, args.join(" "))
      })
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.live("--emulator is refused where it cannot help instead of being ignored", () =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run(["--emulator", "sessions", "list"])
      assert.strictEqual(result.exitCode, 2)
      assert.include(result.stderr, "--emulator applies to uploads")
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.live(
    "--help documents the commands, options, environment and exit codes; --version prints the version",
    () =>
      Effect.gen(function*() {
        const [root, files, version_] = yield* Effect.all([
          CliProcess.run(["--help"]),
          CliProcess.run(["sessions", "files", "--help"]),
          CliProcess.run(["--version"])
        ], { concurrency: "unbounded" })
        assert.strictEqual(root.exitCode, 0)
        const help = Ansi.strip(root.stdout)
        for (
          const expected of [
            "USAGE",
            "<paths>...",
            "--workspace",
            "--write-mode KEEP | OVERWRITE | FAIL",
            "--recursive",
            "--ext",
            "--concurrency",
            "--wait",
            "--timeout",
            "--json",
            "--emulator",
            "--max-files-per-session N",
            "--allow-insecure-http",
            "DEEPSET_ALLOW_INSECURE_HTTP",
            "sessions list",
            "sessions status",
            "sessions files",
            "sessions close",
            "--all-open",
            "DEEPSET_API_KEY",
            "DEEPSET_WORKSPACE",
            "DEEPSET_API_URL",
            "EXIT CODES"
          ]
        ) assert.include(help, expected)
        assert.strictEqual(files.exitCode, 0)
        assert.include(Ansi.strip(files.stdout), "--status PENDING | FAILED | FINISHED")
        assert.include(Ansi.strip(files.stdout), "<session-id>")
        assert.strictEqual(version_.exitCode, 0)
        assert.strictEqual(Ansi.strip(version_.stdout).trim(), version)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
