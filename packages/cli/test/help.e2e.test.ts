/**
 * The help texts recorded into the bundle (`HelpText`, `bundle.mjs`): the built executable, bundled afresh
 * for this file, prints for each help request exactly what the CLI renders from its sources, on a colour
 * terminal, under `NO_COLOR`, under `TERM=dumb` and into a pipe; and it does so without any chunk of the CLI.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { copyFileSync, cpSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import * as Ansi from "../src/Ansi.js"
import * as Bundle from "./support/Bundle.js"
import { baseEnv, root } from "./support/CliProcess.js"

const timeout = 180_000

let dir = ""
let bin = ""

beforeAll(() => {
  ;({ bin, dir } = Bundle.bundleAfresh("deepset-upload-help-"))
}, timeout)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`

type Where = "terminal" | "pipe"

/**
 * Runs a command line on a pty (util-linux `script`) or into a pipe: what it printed and its exit code. In a
 * child process of its own, so that the test's worker stays free to answer vitest while it runs.
 */
const run = (command: ReadonlyArray<string>, where: Where, env: Record<string, string>) =>
  Effect.async<{ readonly output: string; readonly exitCode: number | null }>((resume) => {
    const [file, ...args] = where === "terminal"
      ? ["script", "-qec", command.map(quote).join(" "), "/dev/null"]
      : command
    const child = spawn(file!, args, { cwd: root, env: { ...baseEnv, ...env } })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => output += chunk.toString("utf8"))
    child.stderr.on("data", (chunk: Buffer) => output += chunk.toString("utf8"))
    child.on("close", (exitCode) => resume(Effect.succeed({ output, exitCode })))
  })

const bundled = (args: ReadonlyArray<string>) => [process.execPath, bin, ...args]
const fromSources = (args: ReadonlyArray<string>) => [
  process.execPath,
  "--conditions=source",
  "--import",
  "tsx",
  "packages/cli/src/bin.ts",
  ...args
]

const requests: ReadonlyArray<ReadonlyArray<string>> = [
  ["--help"],
  ["-h"],
  ["sessions", "--help"],
  ["sessions", "files", "--help"],
  ["sessions", "close", "-h"]
]

const settings: ReadonlyArray<readonly [string, Where, Record<string, string>]> = [
  ["colour terminal", "terminal", { TERM: "xterm-256color" }],
  ["NO_COLOR", "terminal", { TERM: "xterm-256color", NO_COLOR: "1" }],
  ["TERM=dumb", "terminal", { TERM: "dumb" }],
  ["pipe", "pipe", { TERM: "xterm-256color" }]
]

describe("deepset-upload --help from the bundle", () => {
  it.live(
    "prints what the CLI renders from its sources, with escapes only where they are allowed",
    () =>
      Effect.forEach(
        requests.flatMap((args) => settings.map((setting) => [args, setting] as const)),
        ([args, [name, where, env]]) =>
          Effect.gen(function*() {
            const [recorded, rendered] = yield* Effect.all([
              run(bundled(args), where, env),
              run(fromSources(args), where, env)
            ])
            const label = `${args.join(" ")} (${name})`
            assert.strictEqual(recorded.exitCode, 0, label)
            assert.strictEqual(recorded.output, rendered.output, label)
            assert.include(Ansi.strip(recorded.output), "USAGE", label)
            assert.strictEqual(Ansi.strip(recorded.output) !== recorded.output, name === "colour terminal", label)
          }),
        { concurrency: 2, discard: true }
      ),
    timeout
  )

  it.live("needs no chunk of the CLI; any other command line does", () =>
    Effect.gen(function*() {
      // bin.js alone with the small chunks it imports statically: the CLI's chunks (Cli, Effect, …) are gone.
      const bare = join(dir, "bare")
      cpSync(join(dir, "bundle"), join(bare, "bundle"), { recursive: true })
      copyFileSync(join(dir, "package.json"), join(bare, "package.json"))
      for (const file of readdirSync(join(bare, "bundle"))) {
        if (/^(Cli|Effect|NodeContext|Signals|UploadRun)-/.test(file)) rmSync(join(bare, "bundle", file))
      }
      const bareBin = join(bare, "bundle", "bin.js")
      const help = yield* run([process.execPath, bareBin, "sessions", "list", "--help"], "pipe", {})
      assert.strictEqual(help.exitCode, 0)
      assert.include(help.output, "deepset-upload sessions list")
      const other = yield* run([process.execPath, bareBin, "sessions", "list", "--limit", "2"], "pipe", {})
      assert.notStrictEqual(other.exitCode, 0)
      assert.include(other.output, "Cannot find module")
    }), timeout)
})
