/**
 * Signals during an upload, sent to a real child process (`deepset-upload` from its sources): the first
 * Ctrl-C or SIGTERM stops gracefully, a second one (within 30 ms, or SIGTERM then SIGINT) does not cut the
 * cleanup short: the sessions are still closed and the report printed. Only a third quits at once, naming
 * the sessions that may be left open.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { baseEnv, root } from "./support/CliProcess.js"

interface Outcome {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
}

/** Runs the CLI; once a stdout line starts with "uploaded ", sends the signals with `gapMillis` between them. */
const signalled = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  signals: ReadonlyArray<NodeJS.Signals>,
  gapMillis: number
) =>
  Effect.async<Outcome>((resume) => {
    const child = spawn(process.execPath, [
      "--conditions=source",
      "--import",
      "tsx",
      "packages/cli/src/bin.ts",
      ...args
    ], {
      cwd: root,
      env: { ...baseEnv, ...env }
    })
    let stdout = ""
    let stderr = ""
    let sent = false
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (!sent && /^uploaded /m.test(stdout)) {
        sent = true
        signals.forEach((signal, i) => setTimeout(() => child.kill(signal), i * gapMillis))
      }
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    // A run that never ends is a failure to report, not a test that hangs.
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("close", (exitCode) => {
      clearTimeout(guard)
      resume(Effect.succeed({ stdout, stderr, exitCode }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

// Each S3 upload and each close takes a while, so that the signals land mid-run and during cleanup.
const slowClose = [
  { route: "s3", fault: Fault.delay("200 millis") },
  { route: "close", fault: Fault.delay("300 millis") }
] as const

const upload = (
  signals: ReadonlyArray<NodeJS.Signals>,
  gapMillis: number,
  faults: Emulator.Options["faults"] = slowClose
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.start({ ingestionDelay: 0, faults })
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    for (let i = 0; i < 40; i++) yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
    const outcome = yield* signalled(
      [dir, "--concurrency", "2", "--max-files-per-session", "10"],
      { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" },
      signals,
      gapMillis
    )
    return { outcome, sessions: yield* emulator.sessions, objects: yield* emulator.objects() }
  }).pipe(Effect.provide(NodeContext.layer))

describe("deepset-upload under signals (child process)", () => {
  it.scopedLive("Ctrl-C twice within 30 ms: cleanup goes on, sessions closed, the report printed, exit 130", () =>
    Effect.gen(function*() {
      const { objects, outcome, sessions } = yield* upload(["SIGINT", "SIGINT"], 20)
      assert.strictEqual(outcome.exitCode, 130, outcome.stdout + outcome.stderr)
      assert.include(outcome.stderr, "Still stopping")
      assert.include(outcome.stdout, "Stopped by Ctrl-C")
      assert.isAbove(sessions.length, 0)
      assert.isTrue(sessions.every((session) => session.status === "CLOSED"), JSON.stringify(sessions))
      assert.isBelow(objects.length, 40)
      assert.match(outcome.stdout, new RegExp(`Interrupted after uploading ${objects.length} of 40 files`))
    }))

  it.scopedLive("SIGTERM then SIGINT: the same graceful end", () =>
    Effect.gen(function*() {
      const { outcome, sessions } = yield* upload(["SIGTERM", "SIGINT"], 20)
      assert.strictEqual(outcome.exitCode, 130, outcome.stdout + outcome.stderr)
      assert.include(outcome.stdout, "Stopped by Ctrl-C")
      assert.isTrue(sessions.every((session) => session.status === "CLOSED"))
    }))

  it.scopedLive("a third signal quits at once and names the sessions that may still be open", () =>
    Effect.gen(function*() {
      const { outcome } = yield* upload(["SIGINT", "SIGINT", "SIGINT"], 120)
      assert.strictEqual(outcome.exitCode, 130, outcome.stdout + outcome.stderr)
      assert.include(outcome.stderr, "Quit.")
      assert.notInclude(outcome.stdout, "Stopped by Ctrl-C", "no report: it quit before the cleanup ended")
      assert.match(outcome.stderr, /Sessions that may still be open: [0-9a-f-]+/)
    }))

  it.scopedLive("Ctrl-C while a close hangs: the report comes after the cleanup bound, naming the session left open", () =>
    Effect.gen(function*() {
      const { outcome, sessions } = yield* upload(["SIGINT"], 0, [
        { route: "s3", fault: Fault.delay("200 millis") },
        { route: "close", fault: Fault.hang }
      ])
      // The guard kills a run that is still there after 60 s; the close's own retries would take minutes.
      assert.strictEqual(outcome.exitCode, 130, outcome.stdout + outcome.stderr)
      // The hung close never answered, so the CLI cannot know whether it took effect: it names the session.
      const unanswered = sessions.map((session) => session.sessionId)
      assert.isAbove(unanswered.length, 0)
      const named = outcome.stdout.match(/Sessions that may still be open: ([^(]+)\(/)
      assert.isNotNull(named, outcome.stdout)
      for (const id of unanswered) assert.include(named![1], id)
    }))
})
