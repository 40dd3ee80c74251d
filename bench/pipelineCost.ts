/**
 * Where a small file's CPU goes above the S3 post (issue 18, scenario 4): 2 000 files of 4 KiB from disk, 16 at
 * once, against the emulator in its own process, in one client process taking turns round by round:
 * - `floor`: the platform doing per file what the SDK must at least do (`FileSystem` `stat`, `open`, `read` into
 *   the multipart buffer, one POST through the platform client, the answer read), into a session the SDK opened;
 * - `send`: the SDK's `S3Session.send` of each file (deadline, retry, the session's counts), `Effect.forEach`;
 * - `events`: the whole run, `Upload.events` drained (routing, sending, the session's lifecycle, the hand-off).
 *
 * `npx tsx --conditions=source bench/pipelineCost.ts [--rounds N] [--files N] [--variants floor,send,events]
 *   [--count]`
 *
 * Prints the median client CPU per file of each variant (user + system, `process.cpuUsage`, the first round
 * dropped); with `--count`, the effects run and the fiber suspensions per file (a supervisor with
 * `OpSupervision`, which slows the run: counts only).
 *
 * @since 0.1.0
 */
import * as DeepsetClient from "@effect-deepset/sdk/DeepsetClient"
import * as Upload from "@effect-deepset/sdk/Upload"
import * as UploadSource from "@effect-deepset/sdk/UploadSource"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import * as Multipart from "../packages/sdk/src/internal/multipart.js"
import * as S3Session from "../packages/sdk/src/internal/s3Session.js"
import type { EmulatorSettings } from "./EmulatorSettings.js"

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "6" },
    files: { type: "string", default: "2000" },
    variants: { type: "string", default: "floor,send,events" },
    count: { type: "boolean", default: false }
  }
})
const files = Number(flags.files)
const concurrency = 16

/** Counts the effects run and the suspensions of the fibers it supervises. */
class Counting extends Supervisor.AbstractSupervisor<void> {
  effects = 0
  suspends = 0
  value = Effect.void
  override onEffect() {
    this.effects++
  }
  override onSuspend() {
    this.suspends++
  }
}

const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "pipeline-cost-"))
const paths = Array.from({ length: files }, (_, i) => {
  const path = join(dir, `file-${i}.txt`)
  writeFileSync(path, Buffer.alloc(4096, 120))
  return path
})
const settings: EmulatorSettings = { apiKey: "bench-key", ingestionDelayMs: 0, maxFilesPerSession: 10_000 }
const emulator = spawn("npx", ["tsx", "--conditions=source", "bench/emulatorMain.ts", JSON.stringify(settings)], {
  stdio: ["pipe", "pipe", "inherit"]
})
const apiUrl = await new Promise<string>((resolve) =>
  emulator.stdout.on("data", (data) => {
    const found = /listening on (\S+)/.exec(String(data))
    if (found !== null) resolve(found[1]!)
  })
)

const layer = DeepsetClient.layer({
  apiKey: Redacted.make(settings.apiKey),
  workspace: "default",
  baseUrl: apiUrl,
  allowInsecureHttp: true
}).pipe(Layer.merge(NodeContext.layer), Layer.provideMerge(NodeHttpClient.layerUndici))

const inSession = <A, E, R>(use: (session: S3Session.Open) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(S3Session.open({ workspaceName: "default" }), use))

const variants = {
  floor: inSession((session) =>
    Effect.gen(function*() {
      const client = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)
      const fs = yield* FileSystem.FileSystem
      const { fields, url } = session.session.awsPrefixedRequestConfig
      const form = Multipart.make(fields)
      yield* Effect.forEach(paths, (path, i) =>
        Effect.scoped(Effect.gen(function*() {
          const size = Number((yield* fs.stat(path)).size)
          const envelope = Multipart.envelope(form, `file-${i}.txt`)
          const { buffer, contentOffset } = Multipart.allocate(envelope, size)
          const file = yield* fs.open(path)
          yield* file.read(buffer.subarray(contentOffset, contentOffset + size))
          buffer.set(envelope.tail, contentOffset + size)
          const response = yield* client.execute(
            HttpClientRequest.post(url, { body: HttpBody.uint8Array(buffer, envelope.contentType) })
          )
          yield* response.arrayBuffer
        })), { concurrency, discard: true })
    })
  ),
  send: inSession((session) =>
    Effect.forEach(paths, (path, index) =>
      session.send({
        _tag: "Prepared",
        index,
        input: path,
        name: `file-${index}.txt`,
        content: { _tag: "File", path },
        meta: undefined
      }), { concurrency, discard: true })
  ),
  events: Stream.runDrain(
    Upload.events(paths.map((path) => UploadSource.fromPath(path)), { concurrency, writeMode: "KEEP" })
  )
}
type Variant = keyof typeof variants
const chosen = flags.variants.split(",") as Array<Variant>

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const run = Effect.gen(function*() {
  const cpu: Record<string, Array<number>> = {}
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const name of chosen) {
      const counting = new Counting()
      const variant: Effect.Effect<unknown, unknown, Layer.Layer.Success<typeof layer>> = variants[name]
      const workload = flags.count
        ? Effect.supervised(
          Effect.withRuntimeFlagsPatch(variant, RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision)),
          counting
        )
        : variant
      const start = process.cpuUsage()
      yield* workload
      const used = process.cpuUsage(start)
      ;(cpu[name] ??= []).push((used.user + used.system) / files)
      if (flags.count && round === 0) {
        console.log(
          `${name}: ${(counting.effects / files).toFixed(0)} effects and ${
            (counting.suspends / files).toFixed(1)
          } suspensions a file`
        )
      }
    }
  }
  for (const name of chosen) {
    const rounds = cpu[name]!
    console.log(
      `${name.padEnd(7)} ${median(rounds.slice(1)).toFixed(0)} µs of CPU a file (rounds: ${
        rounds.map((value) => value.toFixed(0)).join(", ")
      })`
    )
  }
})

try {
  await Effect.runPromise(Effect.provide(run, layer))
} finally {
  emulator.kill()
  rmSync(dir, { recursive: true, force: true })
}
