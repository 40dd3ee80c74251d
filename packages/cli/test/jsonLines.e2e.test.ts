/**
 * `--json-lines` (issue 13): the report streamed on stdout as JSON lines, a line per file and a summary line
 * last, by the built executable (bundled afresh for this file by `packages/cli/bundle.mjs`). Every stdout
 * line must parse as JSON in every outcome: waited, not waited, a fatal error, Ctrl-C; the lines must say what
 * the emulator holds.
 */
import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as Fault from "@effect-deepset/emulator/Fault"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { rmSync } from "node:fs"
import * as Bundle from "./support/Bundle.js"
import { baseEnv } from "./support/CliProcess.js"

const timeout = 180_000

let dir = ""
let bin = ""

beforeAll(() => {
  ;({ bin, dir } = Bundle.bundleAfresh("deepset-upload-bin-"))
}, timeout)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Run {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/** Runs the built bin; `signalAfter`: send SIGINT once stdout holds that many lines. */
const runBin = (args: ReadonlyArray<string>, env: Record<string, string>, signalAfter?: number) =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...baseEnv, ...env } })
    let stdout = ""
    let stderr = ""
    let signalled = false
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      if (signalAfter !== undefined && !signalled && stdout.split("\n").length > signalAfter) {
        signalled = true
        child.kill("SIGINT")
      }
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.on("close", (code) => resume(Effect.succeed({ stdout, stderr, exitCode: code ?? -1 })))
  })

/** Every non-empty stdout line, parsed: a line that is not JSON fails the test. */
// Lines are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const parse = (run: Run): Array<Record<string, any>> =>
  run.stdout.split("\n").filter((line) => line !== "").map((line) => {
    try {
      return JSON.parse(line)
    } catch {
      throw new Error(`not a JSON line: ${JSON.stringify(line)}\nstderr: ${run.stderr}`)
    }
  })

const folder = (count: number, extra: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped()
    yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => fs.writeFileString(`${dir}/doc-${String(i).padStart(4, "0")}.txt`, `document ${i}`),
      { concurrency: 16, discard: true }
    )
    for (const [name, text] of Object.entries(extra)) yield* fs.writeFileString(`${dir}/${name}`, text)
    return dir
  })

const envOf = (emulator: Emulator.Handle, workspace = "default") => ({
  DEEPSET_API_KEY: emulator.apiKey,
  DEEPSET_API_URL: emulator.apiUrl,
  DEEPSET_WORKSPACE: workspace
})

describe("deepset-upload --json-lines (the built bin)", () => {
  it.scopedLive(
    "--wait: a line per file with its ingestion state, as the emulator ingested it, and a summary",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0 })
        const dir = yield* folder(60, { "empty.txt": "", "doc-0001.txt.meta.json": "[1]" })
        const run = yield* runBin([dir, "--json-lines", "--wait", "--no-journal", "-c", "8"], envOf(emulator))
        assert.strictEqual(run.exitCode, 1, run.stderr)
        const lines = parse(run)
        const summary = lines[lines.length - 1]!
        const files = lines.slice(0, -1)
        assert.strictEqual(summary.type, "summary")
        assert.isTrue(files.every((line) => line.type === "file"))
        // Every input once (the companion travels with its document).
        assert.deepStrictEqual(files.map((file) => file.index).sort((a, b) => a - b), files.map((_, i) => i))
        assert.lengthOf(files, 61)
        const ingested = new Map(
          (yield* emulator.workspaceIndex("default")).map((file) => [`${file.sessionId}/${file.name}`, file])
        )
        for (const file of files) {
          assert.strictEqual(file.status, "uploaded", JSON.stringify(file))
          const stored = ingested.get(`${file.sessionId}/${file.name}`)
          assert.strictEqual(file.ingestion.status, stored === undefined ? "FAILED" : "FINISHED", JSON.stringify(file))
        }
        const reasons = files.filter((file) => file.ingestion.status === "FAILED").map((file) => file.ingestion.reason)
        assert.sameMembers(reasons, ["EMPTY_FILE", "FAILED_TO_PARSE_META"])
        assert.isFalse(summary.ok)
        assert.include(summary.counts, { total: 61, uploaded: 61, finished: 59, ingestionFailed: 2, pending: 0 })
        assert.strictEqual(summary.sessions.length, 1)
        assert.deepInclude(summary.sessions[0].ingestion, { expected: 61, finished: 59, failed: 2 })
        assert.notProperty(summary, "files")
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "no --wait: a line per file as it lands, in two sessions; a file S3 refused says why",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [Fault.always("s3", Fault.serverError(500), { match: "doc-0007.txt" })]
        })
        const dir = yield* folder(150)
        const run = yield* runBin(
          [dir, "--json-lines", "--no-journal", "--max-files-per-session", "100"],
          envOf(emulator)
        )
        assert.strictEqual(run.exitCode, 1, run.stderr)
        const lines = parse(run)
        const [summary] = lines.slice(-1)
        const files = lines.slice(0, -1)
        assert.lengthOf(files, 150)
        const stored = new Set((yield* emulator.objects()).map((object) => `${object.sessionId}/${object.filename}`))
        for (const file of files) {
          assert.strictEqual(file.type, "file")
          assert.strictEqual(file.status === "uploaded", stored.has(`${file.sessionId}/${file.name}`), file.name)
          assert.notProperty(file, "ingestion")
        }
        const failed = files.filter((file) => file.status === "failed")
        assert.deepStrictEqual(failed.map((file) => file.name), ["doc-0007.txt"])
        assert.isString(failed[0]!.error.message)
        assert.strictEqual(summary!.type, "summary")
        assert.include(summary!.counts, { total: 150, uploaded: 149, uploadFailed: 1, sessionsNotClosed: 0 })
        assert.lengthOf(summary!.sessions, 2)
        assert.isTrue(summary!.sessions.every((session: { closed: boolean }) => session.closed))
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "a fatal error: stdout is still JSON lines, the summary says what failed; --json with it is refused",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0, workspaces: ["docs"] })
        const dir = yield* folder(20)
        const run = yield* runBin([dir, "--json-lines", "--no-journal"], envOf(emulator, "nope"))
        assert.strictEqual(run.exitCode, 2, run.stderr)
        const lines = parse(run)
        assert.lengthOf(lines, 1)
        assert.strictEqual(lines[0]!.type, "summary")
        assert.isFalse(lines[0]!.ok)
        assert.include(lines[0]!.error, `Workspace "nope" was not found (404)`)
        assert.include(run.stderr, `Workspace "nope" was not found (404)`)
        const both = yield* runBin([dir, "--json-lines", "--json"], envOf(emulator, "docs"))
        assert.strictEqual(both.exitCode, 2)
        assert.strictEqual(both.stdout, "")
        assert.include(both.stderr, "--json and --json-lines: choose one")
        assert.lengthOf(yield* emulator.sessions, 0)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "Ctrl-C mid-run: every line JSON, each file once, the summary interrupted, the session closed",
    () =>
      Effect.gen(function*() {
        // Slow S3 answers, so that the run is still sending when the signal comes.
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [Fault.always("s3", Fault.delay("50 millis"))]
        })
        const dir = yield* folder(400)
        const run = yield* runBin([dir, "--json-lines", "--no-journal", "-c", "4"], envOf(emulator), 20)
        assert.strictEqual(run.exitCode, 130, run.stderr)
        const lines = parse(run)
        const [summary] = lines.slice(-1)
        const files = lines.slice(0, -1)
        assert.strictEqual(summary!.type, "summary")
        assert.isTrue(summary!.interrupted)
        assert.isBelow(files.length, 400)
        assert.strictEqual(new Set(files.map((file) => file.index)).size, files.length)
        const stored = new Set((yield* emulator.objects()).map((object) => object.filename))
        assert.sameMembers(files.filter((file) => file.status === "uploaded").map((file) => file.name), [...stored])
        assert.isTrue((yield* emulator.sessions).every((session) => session.status === "CLOSED"))
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
