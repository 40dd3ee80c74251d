/**
 * Resuming through the SDK (issue 14): a child process running `Upload.paths` with a file journal
 * (`support/uploadPaths.ts`) is killed with SIGKILL at a random point of its run (fast-check, fixed seed),
 * then run again with the same journal. The second run closes what the first left open, sends only what did
 * not land, and reports every input once (uploaded now, or skipped as uploaded earlier); once ingested, the
 * workspace holds exactly one document per file under KEEP, and no session is open.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const files = 30
const root = fileURLToPath(new URL("../../", import.meta.url))
const script = "test/journal/support/uploadPaths.ts"

const child = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  spawn(process.execPath, ["--conditions=source", "--import", "tsx", script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Runs the child to its end: exit code and stdout. */
const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const process = child(args, env)
    let stdout = ""
    let stderr = ""
    process.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    process.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    process.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
  })

/** Starts the child, kills it with SIGKILL once `when` succeeds (or lets it end), and says how it ended. */
const killedWhen = (args: ReadonlyArray<string>, env: Record<string, string>, when: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const process = child(args, env)
    const closed = Effect.async<string>((resume) => {
      process.on("close", (code, signal) => resume(Effect.succeed(signal ?? `exit ${code}`)))
    })
    yield* Effect.raceFirst(when, Effect.asVoid(closed))
    process.kill("SIGKILL")
    return yield* closed
  })

const waitUntil = (check: Effect.Effect<boolean>, tries = 2_000): Effect.Effect<boolean> =>
  Effect.flatMap(
    check,
    (ok) =>
      ok || tries === 0 ? Effect.succeed(ok) : Effect.zipRight(Effect.sleep("5 millis"), waitUntil(check, tries - 1))
  )

describe("Upload.paths with a file journal, killed at any point, then run again (child process)", () => {
  it.live(
    "SIGKILL at a random point, then the same run: one document per file, no session open, every input once",
    () =>
      Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(FastCheck.integer({ min: 1, max: 45 }), (killAfter) =>
            Effect.runPromise(
              Effect.scoped(Effect.gen(function*() {
                const emulator = yield* Emulator.start({
                  ingestionDelay: 0,
                  faults: [Fault.always("s3", Fault.delay("15 millis"))]
                })
                const fs = yield* FileSystem.FileSystem
                const dir = yield* fs.makeTempDirectoryScoped()
                const state = yield* fs.makeTempDirectoryScoped()
                for (let i = 0; i < files; i++) {
                  yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
                  if (i % 5 === 0) yield* fs.writeFileString(`${dir}/doc-${i}.txt.meta.json`, JSON.stringify({ i }))
                }
                const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl }
                const args = [dir, `${state}/journal.jsonl`]

                const killed = yield* killedWhen(
                  args,
                  env,
                  Effect.asVoid(waitUntil(Effect.map(emulator.requests, (requests) => requests.length >= killAfter)))
                )
                const second = yield* run(args, env)
                const why = `first run: ${killed}\n${second.stdout}\n${second.stderr}`
                assert.strictEqual(second.code, 0, why)
                const report = JSON.parse(second.stdout) as {
                  readonly files: ReadonlyArray<{ readonly status: string; readonly skipReason?: string }>
                }
                assert.strictEqual(report.files.length, files)
                const uploaded = report.files.filter((f) => f.status === "uploaded").length
                const earlier = report.files.filter((f) =>
                  f.status === "skipped" && f.skipReason?.startsWith("uploaded earlier")
                ).length
                assert.strictEqual(uploaded + earlier, files, why)

                const expected = Array.from({ length: files }, (_, i) => `doc-${i}.txt`).sort()
                const stored = Effect.map(
                  emulator.workspaceIndex("default"),
                  (index) => index.map((f) => f.name).sort()
                )
                yield* waitUntil(Effect.map(stored, (names) => names.length >= files))
                assert.deepStrictEqual(yield* stored, expected, why)
                const open = (yield* emulator.sessions).filter((s) => s.status === "OPEN")
                // A session whose create was answered after the kill is open, empty, and unknown to the journal.
                assert.deepStrictEqual(open.filter((s) => s.uploads > 0), [], "no session that holds files is open")
              })).pipe(Effect.provide(NodeContext.layer))
            )),
          { seed: 20261207, numRuns: 3 }
        )
      ),
    600_000
  )
})
