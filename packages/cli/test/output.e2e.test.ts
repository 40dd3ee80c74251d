import * as Emulator from "@effect-deepset/emulator/Emulator"
import * as Fault from "@effect-deepset/emulator/Fault"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as CliProcess from "./support/CliProcess.js"
import * as Pty from "./support/Pty.js"

// Each test starts Node with tsx several times; on a loaded machine one start can take seconds.
const timeout = 180_000

const ESC = "\u001b"

describe("deepset-upload: what reaches stdout and the terminal", () => {
  it.live(
    "no escape sequence under NO_COLOR or TERM=dumb on a terminal, nor into a pipe; --help included",
    () =>
      Effect.gen(function*() {
        const [colored, noColor, dumb, piped, upload, error] = yield* Effect.all([
          Pty.run(["--help"], { TERM: "xterm-256color" }),
          Pty.run(["--help"], { TERM: "xterm-256color", NO_COLOR: "1" }),
          Pty.run(["sessions", "list", "--help"], { TERM: "dumb" }),
          CliProcess.run(["--help"], { TERM: "xterm-256color" }),
          Pty.run(["--emulator", "examples/data"], { TERM: "xterm-256color", NO_COLOR: "yes" }),
          Pty.run(["examples/data", "--concurrency", "x"], { TERM: "xterm-256color", NO_COLOR: "1" })
        ], { concurrency: 2 })
        // The control: on a terminal that takes them, help is styled, so the others are tested for real.
        assert.strictEqual(colored.exitCode, 0, colored.screen)
        assert.include(colored.screen, ESC)
        for (
          const [name, screen] of [["NO_COLOR", noColor.screen], ["TERM=dumb", dumb.screen], ["pipe", piped.stdout]]
        ) {
          assert.include(screen, "USAGE", name)
          assert.notInclude(screen, ESC, name)
        }
        // An upload under NO_COLOR prints plain lines (no redrawn progress line), then the summary.
        assert.strictEqual(upload.exitCode, 1, upload.screen)
        assert.include(upload.screen, "uploaded onboarding.md")
        assert.include(upload.screen, "Ingestion: 5 finished, 2 failed.")
        assert.notInclude(upload.screen, ESC)
        assert.strictEqual(error.exitCode, 2, error.screen)
        assert.include(error.screen, "--concurrency: expected an integer")
        assert.notInclude(error.screen, ESC)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.live(
    "--emulator waits for ingestion: the emulator stops with the command, so there is no background",
    () =>
      Effect.gen(function*() {
        const [text, json] = yield* Effect.all([
          CliProcess.run(["--emulator", "examples/data"]),
          CliProcess.run(["--emulator", "examples/data", "--json"])
        ], { concurrency: "unbounded" })
        assert.strictEqual(text.exitCode, 1, text.stderr)
        assert.notInclude(text.stdout, "in the background")
        assert.include(text.stdout, "Ingestion: 5 finished, 2 failed.")
        assert.strictEqual(json.exitCode, 1, json.stderr)
        const report = JSON.parse(json.stdout)
        assert.isTrue(report.waited)
        assert.deepInclude(report.counts, { finished: 5, ingestionFailed: 2, pending: 0 })
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )

  it.scopedLive(
    "a session that cannot be closed: --json prints exactly one JSON document, the report; log lines go to stderr",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [Fault.always("close", Fault.serverError(500))]
        })
        const env = { DEEPSET_API_KEY: emulator.apiKey, DEEPSET_API_URL: emulator.apiUrl, DEEPSET_WORKSPACE: "default" }
        const closed = yield* CliProcess.run(["examples/data", "--json"], env)
        assert.strictEqual(closed.exitCode, 1, closed.stdout + closed.stderr)
        const report = JSON.parse(closed.stdout)
        assert.strictEqual(report.counts.sessionsNotClosed, 1)
        assert.isFalse(report.sessions[0].closed)

        // Interrupted before its own close, the session is closed on the way out, where a failure can
        // only be logged: such a line once started stdout, before the JSON document. (That the CLI's
        // logger writes to stderr is Log.test's; here, stdout must hold the report and nothing else.)
        yield* emulator.addFaults([Fault.always("s3", Fault.delay("300 millis"))])
        yield* emulator.clearRequests
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        for (let i = 0; i < 40; i++) yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
        const interrupted = yield* CliProcess.signalWhen(
          [dir, "--json", "--concurrency", "2"],
          env,
          () => false,
          "SIGINT",
          emulator.requests.pipe(
            Effect.repeat({
              until: (requests) => requests.some((request) => request.route === "s3"),
              schedule: Schedule.spaced("100 millis")
            }),
            Effect.asVoid
          )
        )
        assert.strictEqual(interrupted.exitCode, 130, interrupted.stdout + interrupted.stderr)
        const document = JSON.parse(interrupted.stdout)
        assert.isTrue(document.interrupted)
        assert.isFalse(document.sessions[0].closed)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
