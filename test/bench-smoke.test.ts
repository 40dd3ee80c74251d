/**
 * `pnpm bench --smoke` keeps the benchmarks from rotting: every scenario runs end to end on tiny sizes
 * and the report is written where it is told. Nothing here looks at a timing.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Command from "@effect/platform/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

const SmokeReport = Schema.Struct({
  mode: Schema.Literal("smoke"),
  scenarios: Schema.Array(Schema.Struct({ id: Schema.Number, verdict: Schema.String }))
})

const collect = <E>(stream: Stream.Stream<Uint8Array, E>) =>
  stream.pipe(Stream.decodeText(), Stream.runFold("", (all, chunk) => all + chunk))

describe("pnpm bench --smoke", () => {
  it.scoped("runs every scenario and writes its report into the given folder only", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const out = yield* fs.makeTempDirectoryScoped({ prefix: "bench-smoke-" })
      const committed = path.join(root, "BENCHMARKS.md")
      const before = yield* Effect.option(fs.readFileString(committed))

      const { exitCode, stderr } = yield* Effect.scoped(Effect.gen(function*() {
        const proc = yield* Command.make(
          process.execPath,
          "--import",
          "tsx",
          "--conditions=source",
          "bench/run.ts",
          "--smoke",
          "--out",
          out
        ).pipe(Command.workingDirectory(root), Command.start)
        const [, stderr] = yield* Effect.all([collect(proc.stdout), collect(proc.stderr)], { concurrency: 2 })
        return { stderr, exitCode: yield* proc.exitCode }
      }))
      assert.strictEqual(exitCode, 0, stderr.slice(-3000))

      const { scenarios } = yield* fs.readFileString(path.join(out, "BENCHMARKS.json")).pipe(
        Effect.flatMap(Schema.decodeUnknown(Schema.parseJson(SmokeReport)))
      )
      assert.deepStrictEqual(scenarios.map((scenario) => scenario.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
      for (const scenario of scenarios) assert.oneOf(scenario.verdict, ["not judged", "reported"])
      const markdown = yield* fs.readFileString(path.join(out, "BENCHMARKS.md"))
      assert.include(markdown, "# Benchmarks")
      assert.include(markdown, "Smoke run")

      // The committed report is the full run's; a smoke run never touches it.
      const after = yield* Effect.option(fs.readFileString(committed))
      assert.deepStrictEqual(Option.getOrUndefined(after), Option.getOrUndefined(before))
    }).pipe(Effect.provide(NodeContext.layer)), { timeout: 240_000 })
})
