#!/usr/bin/env node
/**
 * The `deepset-upload` executable. `--version` alone is answered from `package.json` before anything else
 * is loaded (the same file `Cli.version` reads); every other command line loads the CLI, which is most of
 * the start-up time (see bench/CliStart.ts).
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${createRequire(import.meta.url)("../package.json").version}\n`)
} else {
  const [NodeContext, Effect, Cli, Signals] = await Promise.all([
    import("@effect/platform-node/NodeContext"),
    import("effect/Effect"),
    import("./Cli.js"),
    import("./Signals.js")
  ])
  Signals.runMain(Cli.main(process.argv).pipe(Effect.provide(NodeContext.layer)), { teardown: Cli.teardown })
}
