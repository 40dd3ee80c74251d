#!/usr/bin/env node
/**
 * `deepset-emulator`: runs the emulator until interrupted (Ctrl-C) and prints where it listens.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Emulator from "./Emulator.js"
import * as Fault from "./Fault.js"
import * as TempStorage from "./internal/tempStorage.js"

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

const duration = (name: string, fallback: string) =>
  Options.text(name).pipe(
    Options.withDefault(fallback),
    Options.mapEffect((text) =>
      Option.match(Fault.parseDuration(text), {
        onNone: () =>
          Effect.fail(
            invalid(
              `--${name}: cannot read the duration "${text}" (try 0, 50ms, 2s or 1h: a number other than 0 needs its unit)`
            )
          ),
        onSome: Effect.succeed
      })
    )
  )

const options = {
  port: Options.integer("port").pipe(
    Options.withDefault(8787),
    Options.withDescription("The port to listen on (0 picks a free one).")
  ),
  host: Options.text("host").pipe(
    Options.withDefault("127.0.0.1"),
    Options.withDescription("The interface to listen on.")
  ),
  apiKeys: Options.text("api-key").pipe(
    Options.repeated,
    Options.withDescription("An API key to accept (repeatable); emulator-key when none is given.")
  ),
  ingestionDelay: duration("ingestion-delay", "50ms").pipe(
    Options.withDescription("How long each file's ingestion takes after its session closes (0 allowed).")
  ),
  sessionTtl: duration("session-ttl", "24h").pipe(
    Options.withDescription("How long a session stays open before it expires.")
  ),
  seed: Options.integer("seed").pipe(
    Options.optional,
    Options.withDescription("Seeds ids, the S3 signing secret and fault rates (random when absent, and printed).")
  ),
  faults: Options.text("fault").pipe(
    Options.repeated,
    Options.mapEffect((specs) =>
      Either.match(Either.all(specs.map(Fault.parse)), {
        onLeft: (message) => Effect.fail(invalid(`--fault: ${message}`)),
        onRight: Effect.succeed
      })
    ),
    Options.withDescription(
      "A fault rule, route[(glob)]:kind[:arg][@rate|xN], e.g. getStatus:503x2, s3:slowdown@0.2 (repeatable)."
    )
  ),
  storageDir: Options.directory("storage-dir").pipe(
    Options.optional,
    Options.withDescription("Where uploads are written (kept); a temporary folder removed on exit when absent.")
  ),
  maxFiles: Options.integer("max-files").pipe(
    Options.withDefault(10_000),
    Options.withDescription("The most uploads a session accepts.")
  ),
  maxFileSize: Options.integer("max-file-size").pipe(
    Options.optional,
    Options.withDescription("The largest upload the presigned policy allows, in bytes (5 GiB by default).")
  ),
  workspaces: Options.text("workspace").pipe(
    Options.repeated,
    Options.withDescription("A workspace that exists (repeatable); when none is given every name exists.")
  ),
  organizationId: Options.text("organization-id").pipe(
    Options.optional,
    Options.withDescription("The organisation id at the start of every S3 key.")
  ),
  clean: Options.boolean("clean").pipe(
    Options.withDescription(
      "Remove the temporary storage left by emulators that no longer run (killed, crashed), then exit."
    )
  ),
  verbose: Options.boolean("verbose").pipe(
    Options.withAlias("v"),
    Options.withDescription("Log a line per request.")
  )
}

/** `--clean`: the folders of emulators that no longer run go; those of running ones stay. */
const clean = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const swept = yield* TempStorage.sweep(fs)
  yield* Console.log(
    [
      `deepset-emulator: ${swept.root}: removed ${swept.removed.length} folder(s) of emulators that no longer run`,
      ...swept.removed.map((folder) => `  removed  ${folder}`),
      ...swept.kept.map(({ folder, pid }) => `  kept     ${folder} (emulator ${pid} still runs)`)
    ].join("\n")
  )
})

const command = Command.make("deepset-emulator", options, (args) =>
  Effect.gen(function*() {
    if (args.clean) return yield* clean
    const emulator = yield* Emulator.start({
      port: args.port,
      host: args.host,
      ...(args.apiKeys.length > 0 ? { apiKeys: args.apiKeys } : {}),
      ingestionDelay: args.ingestionDelay,
      sessionTtl: args.sessionTtl,
      ...Option.match(args.seed, { onNone: () => ({}), onSome: (seed) => ({ seed }) }),
      faults: args.faults,
      ...Option.match(args.storageDir, { onNone: () => ({}), onSome: (storageDir) => ({ storageDir }) }),
      maxFilesPerSession: args.maxFiles,
      ...Option.match(args.maxFileSize, { onNone: () => ({}), onSome: (maxFileSize) => ({ maxFileSize }) }),
      ...(args.workspaces.length > 0 ? { workspaces: args.workspaces } : {}),
      ...Option.match(args.organizationId, { onNone: () => ({}), onSome: (organizationId) => ({ organizationId }) }),
      logRequests: args.verbose
    })
    yield* Console.log(
      [
        `deepset emulator listening on ${emulator.apiUrl}`,
        `  API      ${emulator.apiBaseUrl}`,
        `  S3       ${emulator.s3Url}`,
        `  control  ${emulator.controlUrl}`,
        `  API key  ${emulator.apiKey}`,
        `  seed     ${emulator.seed}`,
        `  ingestion ${Duration.format(args.ingestionDelay)} per file; sessions expire after ${
          Duration.format(args.sessionTtl)
        }`,
        ...args.faults.map((rule) => `  fault    ${JSON.stringify(rule)}`),
        "",
        // A workspace it accepts, so that a client run with these settings alone works at once.
        `export DEEPSET_API_URL=${emulator.apiUrl} DEEPSET_API_KEY=${emulator.apiKey} DEEPSET_WORKSPACE=${
          args.workspaces[0] ?? "default"
        }`
      ].join("\n")
    )
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.catchTag("EmulatorStartError", (error) =>
      Effect.zipRight(
        Console.error(`deepset-emulator: ${error.message}`),
        Effect.sync(() => {
          process.exitCode = 1
        })
      ))
  ))

const cli = Command.run(command, { name: "deepset-emulator", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
