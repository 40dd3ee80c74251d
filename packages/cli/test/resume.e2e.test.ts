/**
 * Resuming (issue 14), as a person meets it: `deepset-upload` killed with SIGKILL at a random point of its
 * run (fast-check, fixed seed: before, during and after sessions are opened, files sent, sessions closed,
 * while waiting), then the same command run again. Whatever the point, the second run ends with no session
 * holding files left open (at most one empty session, created unseen at the instant of the kill, which
 * expires ingesting nothing), exactly one document per input file in the workspace under the default write
 * mode `KEEP`, and a report that accounts for every input once: uploaded now, or skipped as uploaded earlier.
 */
import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as Fault from "@effect-deepset/emulator/Fault"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { spawn } from "node:child_process"
import * as CliProcess from "./support/CliProcess.js"

const files = 40

/** Starts the CLI, kills it with SIGKILL once `when` succeeds (or lets it end), and says how it ended. */
const killedWhen = (args: ReadonlyArray<string>, env: Record<string, string>, when: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", "tsx", "packages/cli/src/bin.ts", ...args],
      { cwd: CliProcess.root, env: { ...CliProcess.baseEnv, ...env }, stdio: "ignore" }
    )
    const closed = Effect.async<string>((resume) => {
      child.on("close", (code, signal) => resume(Effect.succeed(signal ?? `exit ${code}`)))
    })
    yield* Effect.raceFirst(when, Effect.asVoid(closed))
    child.kill("SIGKILL")
    return yield* closed
  })

const waitUntil = (check: Effect.Effect<boolean>): Effect.Effect<void> =>
  Effect.flatMap(check, (ok) => ok ? Effect.void : Effect.zipRight(Effect.sleep("5 millis"), waitUntil(check)))

describe("deepset-upload: a run killed at any point is finished by running it again (child process)", () => {
  it.live(
    "SIGKILL at a random point, then the same command: one document per file, no session open, every input once",
    () =>
      Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(FastCheck.integer({ min: 1, max: 60 }), (killAfter) =>
            Effect.runPromise(
              Effect.scoped(Effect.gen(function*() {
                // Each upload to S3 takes a little while, so that a kill lands inside the run, not after it.
                const emulator = yield* Emulator.start({
                  ingestionDelay: 0,
                  faults: [Fault.always("s3", Fault.delay("15 millis"))]
                })
                const fs = yield* FileSystem.FileSystem
                const dir = yield* fs.makeTempDirectoryScoped()
                for (let i = 0; i < files; i++) {
                  yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
                  if (i % 4 === 0) yield* fs.writeFileString(`${dir}/doc-${i}.txt.meta.json`, JSON.stringify({ i }))
                }
                const env = {
                  DEEPSET_API_KEY: emulator.apiKey,
                  DEEPSET_API_URL: emulator.apiUrl,
                  DEEPSET_WORKSPACE: "default"
                }
                const args = [dir, "--concurrency", "4", "--max-files-per-session", "16", "--wait", "--json"]

                const killed = yield* killedWhen(
                  args,
                  env,
                  waitUntil(Effect.map(emulator.requests, (requests) => requests.length >= killAfter))
                )
                const second = yield* CliProcess.run(args, env)
                const report = JSON.parse(second.stdout)

                assert.include([0, 1], second.exitCode, `first run: ${killed}\n${second.stdout}\n${second.stderr}`)
                const sessions = yield* emulator.sessions
                // A session is journaled once create answers: killed in between, the service holds a session no
                // run heard of. It is empty, and its expiry ingests nothing; every session holding files is closed.
                assert.deepStrictEqual(
                  sessions.filter((s) => s.status === "OPEN" && s.uploads > 0),
                  [],
                  "no session holding files is left open"
                )
                assert.isAtMost(sessions.filter((s) => s.status === "OPEN").length, 1)
                const stored = (yield* emulator.workspaceIndex("default")).map((file) => file.name).sort()
                assert.deepStrictEqual(stored, Array.from({ length: files }, (_, i) => `doc-${i}.txt`).sort())
                // Every input once: sent now, or skipped as uploaded before.
                assert.strictEqual(report.counts.total, files)
                const earlier = report.files.filter((f: { status: string; skipReason?: string }) =>
                  f.status === "skipped" && f.skipReason?.startsWith("uploaded earlier")
                )
                assert.strictEqual(report.counts.uploaded + earlier.length, files, second.stdout)
              })).pipe(Effect.provide(NodeContext.layer))
            )),
          { seed: 20261206, numRuns: 10 }
        )
      ),
    600_000
  )
})
