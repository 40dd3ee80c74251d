import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as Fault from "@effect-deepset/emulator/Fault"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CliProcess from "./support/CliProcess.js"

const documents = [
  "annual-report-2025.pdf",
  "draft-notes.txt",
  "expenses-faq.md",
  "incident-2026-10-04.md",
  "onboarding.md",
  "q3-customer-feedback.txt",
  "security-policy.txt"
]
const failing: Record<string, string> = {
  "draft-notes.txt": "EMPTY_FILE",
  "incident-2026-10-04.md": "FAILED_TO_PARSE_META"
}

const rowOf = (stdout: string, name: string): string => {
  const row = stdout.split("\n").find((line) => line.trimStart().startsWith(`${name} `))
  assert.isDefined(row, `no summary row for ${name} in:\n${stdout}`)
  return row!
}

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

describe("deepset-upload <paths> (child process)", () => {
  it.live("the demo corpus on --emulator: two real ingestion failures, exit code 1", () =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run(["--emulator", "examples/data", "--wait"])
      assert.strictEqual(result.exitCode, 1, result.stderr)
      assert.include(result.stdout, "in-process emulator")
      for (const name of documents) {
        const row = rowOf(result.stdout, name)
        assert.include(row, "uploaded")
        if (name in failing) {
          assert.match(row, new RegExp(`FAILED\\s+${failing[name]}`))
        } else {
          assert.include(row, "FINISHED")
        }
      }
      assert.include(result.stdout, "Ingestion: 5 finished, 2 failed.")
      assert.include(result.stdout, "2 of 7 files did not land")
      // Off a terminal: plain lines, no escape sequences, no redrawn progress bar.
      assert.notInclude(result.stdout, "\u001b")
      assert.include(result.stdout, "uploaded onboarding.md (436 B, with metadata)")
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.live("--json prints one parseable report on stdout", () =>
    Effect.gen(function*() {
      const result = yield* CliProcess.run(["--emulator", "examples/data", "--wait", "--json"])
      assert.strictEqual(result.exitCode, 1, result.stderr)
      const report = JSON.parse(result.stdout)
      assert.strictEqual(report.ok, false)
      assert.strictEqual(report.target, "emulator")
      assert.strictEqual(report.workspace, "default")
      assert.deepInclude(report.counts, { total: 7, uploaded: 7, uploadFailed: 0, finished: 5, ingestionFailed: 2 })
      assert.lengthOf(report.sessions, 1)
      assert.isTrue(report.sessions[0].closed)
      const byName = new Map<string, { status: string; ingestion?: { status: string; reason?: string } }>(
        report.files.map((file: { name: string }) => [file.name, file])
      )
      assert.sameMembers([...byName.keys()], documents)
      for (const name of documents) {
        const file = byName.get(name)!
        assert.strictEqual(file.status, "uploaded")
        assert.deepStrictEqual(
          file.ingestion,
          name in failing ? { status: "FAILED", reason: failing[name] } : { status: "FINISHED" }
        )
      }
    }).pipe(Effect.provide(NodeContext.layer)), timeout)

  it.scopedLive(
    "everything landed: exit code 0, against a server given by DEEPSET_API_URL",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0, apiKeys: ["test-key-0123456789"] })
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(`${dir}/a.txt`, "alpha")
        yield* fs.writeFileString(`${dir}/b.md`, "# beta")
        yield* fs.writeFileString(`${dir}/b.md.meta.json`, `{"team":"docs"}`)
        yield* fs.writeFileString(`${dir}/skipped.csv`, "x,y")
        const result = yield* CliProcess.run([
          dir,
          "--wait",
          "--ext",
          ".txt",
          "--ext",
          "md",
          "--write-mode",
          "OVERWRITE"
        ], {
          DEEPSET_API_KEY: "test-key-0123456789",
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "team-docs"
        })
        assert.strictEqual(result.exitCode, 0, result.stdout + result.stderr)
        assert.include(result.stdout, "All 2 files landed")
        assert.include(result.stdout, `workspace "team-docs"`)
        const sessions = yield* emulator.sessions
        assert.lengthOf(sessions, 1)
        assert.deepInclude(sessions[0], {
          workspace: "team-docs",
          writeMode: "OVERWRITE",
          status: "CLOSED",
          finishedFiles: 2
        })
        const stored = (yield* emulator.workspaceIndex("team-docs")).map((file) => file.name)
        assert.sameMembers(stored, ["a.txt", "b.md"])
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "Ctrl-C stops the uploads, closes the session and prints what was done (exit code 130)",
    () =>
      Effect.gen(function*() {
        // Every S3 upload takes a while, so that the interrupt lands in the middle of the run.
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [{ route: "s3", fault: Fault.delay("250 millis") }]
        })
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        const total = 60
        for (let i = 0; i < total; i++) yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
        const result = yield* CliProcess.signalWhen(
          [dir, "--concurrency", "2", "--wait"],
          { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" },
          (line) => line.startsWith("uploaded "),
          "SIGINT"
        )
        assert.strictEqual(result.exitCode, 130, result.stdout + result.stderr)
        const headline = result.stdout.match(new RegExp(`Interrupted after uploading (\\d+) of ${total} files`))
        assert.isNotNull(headline, result.stdout)
        assert.include(result.stdout, "Stopped by Ctrl-C")
        assert.include(result.stdout, "The sessions were closed")
        const sessions = yield* emulator.sessions
        assert.lengthOf(sessions, 1)
        assert.strictEqual(sessions[0]!.status, "CLOSED")
        assert.isBelow(sessions[0]!.uploads, total)
        // The files in flight at the signal finish and are counted: the summary says what S3 holds.
        assert.strictEqual(Number(headline![1]), (yield* emulator.objects()).length)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
