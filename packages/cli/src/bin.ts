#!/usr/bin/env node
/**
 * The `deepset-upload` executable. What needs none of the CLI is answered before anything else is loaded:
 * `--version` alone from `package.json` (the same file `Cli.version` reads), and a help request (`--help`
 * or `-h` after a command's words) from the texts `bundle.mjs` recorded into the bundle (`HelpText`). Every
 * other command line loads the CLI, which is most of the start-up time (see bench/CliStart.ts).
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import { strip } from "./Ansi.js"

// Defined by bundle.mjs (esbuild `define`): the recorded help texts, `HelpText.Recorded` as JSON. Unbundled
// runs (tsx, dist/) have none and render the help as any command runs.
declare const DEEPSET_UPLOAD_HELP: string | undefined

const args = process.argv.slice(2)
// `HelpText.key`, inlined: importing HelpText would load the CLI.
const help: ReadonlyArray<ReadonlyArray<string>> | undefined = typeof DEEPSET_UPLOAD_HELP === "undefined"
  ? undefined
  : JSON.parse(DEEPSET_UPLOAD_HELP)[JSON.stringify(args)]

if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${createRequire(import.meta.url)("../package.json").version}\n`)
} else if (help !== undefined) {
  // Escape sequences only where `Output.escapes` allows them: a terminal, `NO_COLOR` unset or empty, `TERM`
  // not `dumb`.
  const escapes = process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "" &&
    process.env.TERM !== "dumb"
  for (const line of help) console.log(...(escapes ? line : line.map(strip)))
} else {
  const [NodeContext, Effect, Cli, Signals] = await Promise.all([
    import("@effect/platform-node/NodeContext"),
    import("effect/Effect"),
    import("./Cli.js"),
    import("./Signals.js")
  ])
  Signals.runMain(Cli.main(process.argv).pipe(Effect.provide(NodeContext.layer)), { teardown: Cli.teardown })
}
