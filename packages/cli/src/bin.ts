#!/usr/bin/env node
/**
 * The `deepset-upload` executable.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as Cli from "./Cli.js"
import * as Signals from "./Signals.js"

Signals.runMain(Cli.main(process.argv).pipe(Effect.provide(NodeContext.layer)), { teardown: Cli.teardown })
