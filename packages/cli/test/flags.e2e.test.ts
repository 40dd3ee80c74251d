import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CliProcess from "./support/CliProcess.js"

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

const lines = (text: string): Array<string> => text.split("\n").filter((line) => line.trim() !== "")

describe("deepset-upload: flags that answer back (child process)", () => {
  it.scopedLive(
    "an unknown option or command, or a bad value, is named with its flag: exit code 2, a few lines, nothing sent",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start()
        const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" }
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
          [
            ["examples/data", "--concurency", "4"],
            "deepset-upload: unknown option --concurency; did you mean --concurrency?"
          ],
          [
            ["--concurency", "4", "examples/data"],
            "deepset-upload: unknown option --concurency; did you mean --concurrency?"
          ],
          [["examples/data", "--bogus"], "deepset-upload: unknown option --bogus"],
          [["sessions", "lst"], "deepset-upload: unknown command sessions lst; did you mean list?"],
          [["sessions", "list", "--limt", "3"], "deepset-upload: unknown option --limt; did you mean --limit?"],
          [["examples/data", "--write-mode", "nope"], "--write-mode: expected one of KEEP, OVERWRITE, FAIL, got nope"],
          [["examples/data", "--concurrency", "many"], "--concurrency: expected an integer from 1 to 64, got many"],
          [
            ["examples/data", "--max-files-per-session", "1"],
            "--max-files-per-session: expected an integer from 2 to 10000, got 1"
          ],
          [["sessions", "list", "-n", "0"], "--limit: expected an integer of at least 1, got 0"],
          [
            ["sessions", "files", "x", "--status", "DONE"],
            "--status: expected one of PENDING, FAILED, FINISHED, got DONE"
          ],
          // `--` ends the options: what follows is a path, and it is the path that is missing.
          [["--", "--concurency"], "Path '--concurency' must exist"]
        ]
        const results = yield* Effect.forEach(cases, ([args]) => CliProcess.run(args, env), { concurrency: 2 })
        results.forEach((result, i) => {
          const [args, message] = cases[i]!
          const context = `${args.join(" ")}:\n${result.stdout}${result.stderr}`
          assert.strictEqual(result.exitCode, 2, context)
          assert.strictEqual(lines(result.stderr)[0], message, context)
          assert.isAtMost(lines(result.stderr).length, 3, context)
          assert.strictEqual(result.stdout, "", context)
        })
        assert.lengthOf(yield* emulator.requests, 0)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.live("a value spelt in another case is taken; --option=value works", () =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run([
        "--emulator",
        "examples/data",
        "--write-mode=overwrite",
        "--concurrency=4",
        "--json"
      ])
      assert.strictEqual(result.exitCode, 1, result.stderr)
      const report = JSON.parse(result.stdout)
      assert.strictEqual(report.counts.uploaded, 7)
    }).pipe(Effect.provide(NodeContext.layer)), timeout)
})
