/**
 * The upload journal's cost (issue 14: "the benchmark of 2 000 small files loses at most 10 % files/s with the
 * journal on"): scenario 4's workload, `Upload.files` of 2 000 files of 4 KiB from disk at concurrency 16,
 * without a journal, with `journal: UploadJournal.makeFile(…)` and with `UploadJournal.makeMemory()` (the
 * journal's work without the disk; a fresh journal each run, so nothing is skipped), in one client process
 * taking turns run by run (the order turns every round), against the emulator in its own
 * process. Also times the journal's parts alone: the pure-JS SHA-256 of the bodies, and 2 × 2 000 appends
 * through the group commit.
 *
 * `npx tsx --conditions=source bench/journalCost.ts [--rounds N] [--files N] [--concurrency N] [--bytes N]
 *   [--variants none,file,memory,nosync]`
 *
 * Prints, per variant, the median files/s, the median of each round's ratio to the run without a journal, and the
 * client process's CPU time per file (user + system, `process.cpuUsage`).
 *
 * @since 0.1.0
 */
import * as DeepsetClient from "@effect-deepset/sdk/DeepsetClient"
import * as Upload from "@effect-deepset/sdk/Upload"
import * as UploadJournal from "@effect-deepset/sdk/UploadJournal"
import * as UploadSource from "@effect-deepset/sdk/UploadSource"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as Sha256 from "../packages/sdk/src/internal/sha256.js"

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    files: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
    bytes: { type: "string", default: "4096" },
    variants: { type: "string" }
  }
})
const rounds = Number(flags.rounds)
const files = Number(flags.files)
const concurrency = Number(flags.concurrency)
const bytes = Number(flags.bytes)
// "nosync": the file journal on a file system whose `sync` does nothing: what the fsyncs cost, for diagnosis.
type Variant = "none" | "file" | "memory" | "nosync"
const variants: ReadonlyArray<Variant> = (flags.variants ?? "none,file,memory").split(",") as Array<Variant>
const root = fileURLToPath(new URL("../", import.meta.url))

const noSync = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (fs) =>
    FileSystem.make({
      ...fs,
      open: (path, options) =>
        Effect.map(fs.open(path, options), (file): FileSystem.File => ({
          [FileSystem.FileTypeId]: FileSystem.FileTypeId,
          fd: file.fd,
          stat: file.stat,
          seek: (offset, from) => file.seek(offset, from),
          read: (buffer) => file.read(buffer),
          readAlloc: (size) => file.readAlloc(size),
          truncate: (length) => file.truncate(length),
          write: (buffer) => file.write(buffer),
          writeAll: (buffer) => file.writeAll(buffer),
          sync: Effect.void
        }))
    }))
).pipe(Layer.provide(NodeContext.layer))

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The emulator in its own process; resolves with its API URL once it listens. */
const startEmulator = () =>
  new Promise<{ readonly url: string; readonly stop: () => void }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        "packages/emulator/src/bin.ts",
        "--port",
        "0",
        "--ingestion-delay",
        "0",
        "--seed",
        "1"
      ],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match !== null) resolve({ url: match[1]!, stop: () => child.kill("SIGTERM") })
    })
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${out}`)))
  })

const main = async () => {
  const emulator = await startEmulator()
  const scratch = mkdtempSync(join(tmpdir(), "journal-cost-"))
  const data = join(scratch, "data")
  mkdirSync(data)
  const paths: Array<string> = []
  for (let i = 0; i < files; i++) {
    const path = join(data, `file-${String(i).padStart(5, "0")}.txt`)
    const body = Buffer.alloc(bytes, 97 + (i % 26))
    body.write(String(i))
    writeFileSync(path, body)
    paths.push(path)
  }
  const client = DeepsetClient.layer({
    apiKey: Redacted.make("emulator-key"),
    baseUrl: emulator.url,
    workspace: "default"
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  const layer = Layer.mergeAll(client, NodeContext.layer)

  let journals = 0
  const run = (variant: Variant) =>
    Effect.scoped(Effect.gen(function*() {
      const sources = paths.map((path) => UploadSource.fromPath(path))
      const service = variant === "file"
        ? yield* UploadJournal.makeFile(join(scratch, `journal-${++journals}.jsonl`))
        : variant === "nosync"
        ? yield* Effect.provide(UploadJournal.makeFile(join(scratch, `journal-${++journals}.jsonl`)), noSync)
        : variant === "memory"
        ? yield* UploadJournal.makeMemory()
        : undefined
      const options = service === undefined ? {} : { journal: { service, root: data, workspace: "default" } }
      const started = performance.now()
      const cpu = process.cpuUsage()
      const report = yield* Upload.files(sources, { concurrency, writeMode: "KEEP", ...options })
      const elapsed = performance.now() - started
      const { system, user } = process.cpuUsage(cpu)
      if (!report.ok || report.uploaded !== files) {
        return yield* Effect.dieMessage(`uploaded ${report.uploaded} of ${files}`)
      }
      // The client's CPU time per file (µs), a second measure less bent by the other processes on the machine.
      return { rate: files / (elapsed / 1000), cpu: (user + system) / files }
    }))

  const runtimeRun = <A>(effect: Effect.Effect<A, unknown, Layer.Layer.Success<typeof layer>>) =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A>)

  console.log(
    `load average at start: ${loadavg()[0]!.toFixed(2)}; ${files} files of ${bytes} B, concurrency ${concurrency}`
  )
  // Warm-up: one run of each.
  for (const variant of variants) await runtimeRun(run(variant))
  const rates = new Map<Variant, Array<number>>(variants.map((variant) => [variant, []]))
  const ratios = new Map<Variant, Array<number>>(variants.map((variant) => [variant, []]))
  const cpus = new Map<Variant, Array<number>>(variants.map((variant) => [variant, []]))
  for (let round = 0; round < rounds; round++) {
    // The order turns every round, so that no variant always runs first.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!)
    const now = new Map<Variant, { readonly rate: number; readonly cpu: number }>()
    for (const variant of order) now.set(variant, await runtimeRun(run(variant)))
    const none = now.get("none")?.rate ?? Number.NaN
    for (const variant of variants) {
      rates.get(variant)!.push(now.get(variant)!.rate)
      ratios.get(variant)!.push(now.get(variant)!.rate / none)
      cpus.get(variant)!.push(now.get(variant)!.cpu)
    }
    console.log(
      `round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ` +
        variants.map((variant) => {
          const { cpu, rate } = now.get(variant)!
          return `${variant} ${rate.toFixed(0)} files/s (${(rate / none).toFixed(3)}) ${cpu.toFixed(0)} µs CPU/file`
        }).join(", ")
    )
  }
  for (const variant of variants) {
    const r = ratios.get(variant)!
    console.log(
      `${variant}: median ${median(rates.get(variant)!).toFixed(0)} files/s; ratio to none: median ${
        median(r).toFixed(3)
      } (min ${Math.min(...r).toFixed(3)}, max ${Math.max(...r).toFixed(3)}); client CPU median ${
        median(cpus.get(variant)!).toFixed(0)
      } µs/file`
    )
  }

  // The parts alone.
  const bodies = paths.map((_, i) => Buffer.alloc(bytes, 97 + (i % 26)))
  const time = (f: () => void) => {
    const samples: Array<number> = []
    for (let i = 0; i < 7; i++) {
      const started = performance.now()
      f()
      samples.push(performance.now() - started)
    }
    return median(samples)
  }
  const pure = time(() => bodies.forEach((body) => Sha256.sha256Hex(body)))
  const native = time(() => bodies.forEach((body) => createHash("sha256").update(body).digest("hex")))
  console.log(`SHA-256 of ${files} bodies: pure JS ${pure.toFixed(1)} ms, node:crypto ${native.toFixed(1)} ms`)
  const appends = await runtimeRun(Effect.scoped(Effect.gen(function*() {
    const service = yield* UploadJournal.makeFile(join(scratch, "appends.jsonl"))
    const started = performance.now()
    yield* Effect.forEach(paths, (path, i) =>
      Effect.zipRight(
        service.append([UploadJournal.Sending.make({ key: path, name: `f${i}`, sessionId: "s", size: bytes })]),
        service.append([
          UploadJournal.Sent.make({ key: path, name: `f${i}`, sessionId: "s", size: bytes, sha256: "a".repeat(64) })
        ])
      ), { concurrency, discard: true })
    return performance.now() - started
  })))
  console.log(`${2 * files} appends (concurrency ${concurrency}) through the group commit: ${appends.toFixed(0)} ms`)
  emulator.stop()
  rmSync(scratch, { recursive: true, force: true })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
