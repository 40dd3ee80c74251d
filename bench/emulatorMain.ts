/**
 * The emulator's process for the bench: `Emulator.start` with the ingestion delay of its settings (0 but
 * for the wait scenario), no faults (the scenarios set them through the control route) and a fixed seed,
 * on a free port of 127.0.0.1; prints its URL and serves until it is told to stop (SIGTERM), when its
 * temporary storage is removed. Uploads are stored in memory-backed `/dev/shm` where there is one,
 * so that the disk adds no noise to the large-file runs (the emulator deletes them on every reset). The
 * argument is `EmulatorSettings` as JSON.
 */
import { Emulator } from "@effect-deepset/emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { EmulatorSettings } from "./EmulatorSettings.js"

const settings: EmulatorSettings = JSON.parse(process.argv[2] ?? "")

// Stop with the bench even when it dies without stopping us: its end of our stdin closes then.
process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"))
process.stdin.resume()

Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const shm = yield* Effect.orElseSucceed(fs.exists("/dev/shm"), () => false)
  const storageDir = shm
    ? yield* fs.makeTempDirectoryScoped({ directory: "/dev/shm", prefix: "deepset-bench-" })
    : undefined
  const emulator = yield* Emulator.start({
    ...(storageDir === undefined ? {} : { storageDir }),
    host: "127.0.0.1",
    port: 0,
    apiKeys: [settings.apiKey],
    ingestionDelay: settings.ingestionDelayMs,
    seed: 1,
    faults: [],
    maxFilesPerSession: settings.maxFilesPerSession
  })
  yield* Console.log(`emulator listening on ${emulator.apiUrl}`)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(NodeContext.layer), NodeRuntime.runMain)
