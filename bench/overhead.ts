/**
 * The SDK's own share per call (issue 18): `getStatus` (scenario 1) or `streamFiles` pages (scenario 2)
 * of the SDK against the bare `@effect/platform` floor doing the same work (`overheadWorker.ts`), in one
 * worker process taking turns round by round, against the emulator in its own process. Other builds of
 * the SDK (a git revision each) can take part in the same rounds, for a before/after that the machine's
 * load drifts through alike.
 *
 * `npx tsx --conditions=source bench/overhead.ts [--scenario getStatus|streamFiles] [--ref REV]…
 *   [--rounds N] [--count N] [--warmup N] [--files N] [--only VARIANT]… [--latency MS] [--cpu-prof]`
 *
 * Prints, per variant, the median CPU and wall time per call (or per page) and the medians of each round's
 * ratios to the floor and to the working tree's SDK. CPU is the worker's own user + system time; the emulator's is not in it.
 * `--latency MS` has the emulator hold every API answer back by MS (its `delay` fault on every route, as scenario 9
 * injects it), so that the wall time per call shows what a share of CPU weighs against a network's round trip.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { execFileSync, spawn } from "node:child_process"
import { loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as Compile from "./Compile.js"
import * as Emulator from "./Emulator.js"
import type { OverheadTask } from "./overheadWorker.js"
import { sdkDefaults } from "./SdkDefaults.js"

const { values: flags } = parseArgs({
  options: {
    scenario: { type: "string", default: "getStatus" },
    ref: { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "9" },
    count: { type: "string" },
    warmup: { type: "string" },
    files: { type: "string", default: "2000" },
    only: { type: "string", multiple: true },
    latency: { type: "string", default: "0" },
    "cpu-prof": { type: "boolean", default: false }
  }
})

const overheadMarker = "OVERHEAD_RESULT "

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const runWorker = (args: ReadonlyArray<string>) =>
  Effect.async<string, Error>((resume) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(overheadMarker))
      resume(
        code === 0 && line !== undefined
          ? Effect.succeed(line.slice(overheadMarker.length))
          : Effect.fail(new Error(`worker exited with ${code}: ${out.slice(-2000)}`))
      )
    })
    return Effect.sync(() => child.kill())
  })

const program = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
  const tmp = path.join(root, "bench", ".bench-tmp", "overhead")
  const scenario = flags.scenario === "streamFiles" ? "streamFiles" : "getStatus"
  yield* Console.error(`load ${loadavg().map((l) => l.toFixed(2)).join(" / ")}`)

  const current = yield* Compile.compile(root, path.join(tmp, "current"))
  const sdks: Array<{ name: string; dir: string }> = [{ name: "working tree", dir: current.dir }]
  for (const ref of flags.ref) {
    const src = path.join(tmp, `src-${ref}`)
    yield* fs.remove(src, { recursive: true }).pipe(Effect.ignore)
    yield* fs.makeDirectory(src, { recursive: true })
    const tar = execFileSync("git", ["archive", ref, "packages/sdk/src", "packages/emulator/src", "bench"], {
      cwd: root,
      maxBuffer: 1 << 28
    })
    execFileSync("tar", ["-x", "-C", src], { input: tar })
    const compiled = yield* Compile.compile(src, path.join(tmp, `js-${ref}`))
    sdks.push({ name: ref, dir: compiled.dir })
  }

  const emulator = yield* Emulator.start({
    compiled: current,
    apiKey: "bench-key-0123456789",
    workspace: "bench",
    userAgent: sdkDefaults.userAgent,
    maxFilesPerSession: 100_000
  })
  const sessionId = scenario === "getStatus"
    ? yield* emulator.createSession
    : yield* emulator.seedSession(Number(flags.files))
  // After the seeding, so that only the timed calls wait.
  const latencyMs = Number(flags.latency)
  if (latencyMs > 0) yield* emulator.setFaults([`*:delay:${latencyMs}ms`])
  const task: OverheadTask = {
    target: emulator.target,
    scenario,
    sessionId,
    pageSize: 100,
    count: Number(flags.count ?? (scenario === "getStatus" ? 1000 : 1)),
    // Under latency each call waits it out: a short warm-up is enough for the JIT and keeps the run short.
    warmup: Number(flags.warmup ?? (scenario === "getStatus" ? (latencyMs > 0 ? 100 : 2000) : 4)),
    rounds: Number(flags.rounds),
    sdks,
    only: flags.only
  }
  const profileDir = path.join(tmp, "profiles")
  const args = [
    "--expose-gc",
    ...(flags["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
    current.script("overheadWorker"),
    JSON.stringify(task)
  ]
  const answer = JSON.parse(yield* runWorker(args)) as {
    readonly variants: ReadonlyArray<string>
    readonly rounds: ReadonlyArray<Record<string, { cpuUs: number; wallUs: number }>>
  }
  yield* Console.error(`load ${loadavg().map((l) => l.toFixed(2)).join(" / ")}`)
  const unit = scenario === "getStatus" ? "call" : "page"
  // Every build against the working tree's too, round by round: a before/after the load drifts through alike.
  const own = "sdk working tree"
  const against = (name: string, other: string, key: "cpuUs" | "wallUs" = "cpuUs") =>
    answer.variants.includes(other)
      ? median(answer.rounds.map((r) => r[name]![key] / r[other]![key])).toFixed(key === "cpuUs" ? 2 : 3)
      : "–"
  const lines = [
    `| variant | CPU per ${unit} (median, range) | wall per ${unit} | CPU ÷ floor | CPU ÷ ${own} | wall ÷ floor |`,
    "| --- | --- | --- | --- | --- | --- |"
  ]
  for (const name of answer.variants) {
    const cpu = answer.rounds.map((r) => r[name]!.cpuUs)
    const wall = answer.rounds.map((r) => r[name]!.wallUs)
    const range = `${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)}`
    lines.push(
      `| ${name} | ${median(cpu).toFixed(0)} µs (${range}) | ${median(wall).toFixed(0)} µs | ${
        against(name, "floor")
      } | ${against(name, own)} | ${against(name, "floor", "wallUs")} |`
    )
  }
  yield* Console.log(lines.join("\n"))
})

program.pipe(Effect.scoped, Effect.provide(NodeContext.layer), NodeRuntime.runMain)
