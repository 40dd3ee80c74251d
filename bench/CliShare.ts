/**
 * Scenario 11, the CLI's own share (issue 18): the bundled `deepset-upload` (built afresh into the run's
 * scratch folder, as scenario 8 does) uploads 2 000 files of 4 KiB to the bench's emulator, at
 * `--concurrency 10` and at its default, beside one process that uploads the same files with `Upload.files`
 * (`cliShareSdk.ts`), in rounds with the order alternated. Both are whole processes measured alike: a preload
 * writes the process's own `resourceUsage()` (user + system CPU, peak RSS) when it exits. The CPU per file of
 * each is its 2 000-file run's CPU less the CPU of its own 1-file run in the same round, over 1 999: start,
 * module loading and the session's round trips cancel out; the JIT warming up on the first files stays in,
 * for both. The start itself (spawn to the first request) is scenario 8's.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { BenchError } from "./BenchError.js"
import { bundle } from "./CliStart.js"
import * as Data from "./Data.js"
import type { ScenarioReport } from "./Report.js"
import { formatNumber } from "./Report.js"
import type { Context } from "./Scenarios.js"
import { judge, metric } from "./Scenarios.js"
import * as Stats from "./Stats.js"

/**
 * The goals: CPU per file within this multiple of the SDK's, peak RSS within these MiB.
 *
 * @since 0.1.0
 */
export const goals = { cpuRatio: 1.2, peakRssMiB: 100 } as const

/**
 * What a process measured of itself when it exited, and its wall time from spawn to exit.
 *
 * @since 0.1.0
 */
export interface Usage {
  readonly wallMs: number
  readonly cpuMs: number
  readonly maxRssMiB: number
  /**
   * With `liveHeapEvery`: the largest heap left after a full collection, forced at that interval, in MiB; the
   * data the process held at its peak, without the garbage V8 lets grow ahead of it.
   */
  readonly liveHeapMiB?: number | undefined
}

// Written into the scratch folder and loaded with `--import`: the process's own usage at its exit.
const preloadSource = `import { writeFileSync } from "node:fs"
let live
const every = Number(process.env.BENCH_LIVE_HEAP_EVERY ?? 0)
const sample = () => {
  globalThis.gc()
  live = Math.max(live ?? 0, process.memoryUsage().heapUsed)
}
if (every > 0 && typeof globalThis.gc === "function") setInterval(sample, every).unref()
process.on("exit", () => {
  if (every > 0 && typeof globalThis.gc === "function") sample()
  const usage = process.resourceUsage()
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssMiB: usage.maxRSS / 1024,
    liveHeapMiB: live === undefined ? undefined : live / 1048576
  }))
})
`

/**
 * A runner of `node` processes that report their own usage: `run(args, env)` spawns `node --import
 * <preload> ...args` (stdout discarded, stderr kept for errors) and fails on a non-zero exit. With
 * `liveHeapEvery` (ms), the process also collects its garbage at that interval and reports the largest live
 * heap (`--expose-gc`): it costs CPU, so CPU figures of such runs are not comparable.
 *
 * @since 0.1.0
 */
export const usageRunner = (dir: string, liveHeapEvery?: number) => {
  mkdirSync(dir, { recursive: true })
  const preload = join(dir, "usage.mjs")
  writeFileSync(preload, preloadSource)
  const usageFile = join(dir, "usage.json")
  return (args: ReadonlyArray<string>, env: Record<string, string>) =>
    Effect.async<Usage, BenchError>((resume) => {
      rmSync(usageFile, { force: true })
      const started = performance.now()
      const flags = liveHeapEvery === undefined ? [] : ["--expose-gc"]
      const child = spawn(process.execPath, [...flags, "--import", pathToFileURL(preload).href, ...args], {
        env: {
          ...env,
          BENCH_USAGE_FILE: usageFile,
          ...(liveHeapEvery === undefined ? {} : { BENCH_LIVE_HEAP_EVERY: String(liveHeapEvery) })
        },
        stdio: ["ignore", "ignore", "pipe"]
      })
      let stderr = ""
      child.stderr.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString("utf8")).slice(-2000)
      })
      child.on("close", (code) => {
        const wallMs = performance.now() - started
        try {
          if (code !== 0) throw new Error(`exit ${code}: ${stderr}`)
          const usage = JSON.parse(readFileSync(usageFile, "utf8")) as Omit<Usage, "wallMs">
          resume(Effect.succeed({ wallMs, ...usage }))
        } catch (cause) {
          resume(Effect.fail(new BenchError({ step: `node ${args.join(" ").slice(0, 200)}`, detail: String(cause) })))
        }
      })
    })
}

/**
 * The environment of a CLI run against the bench's emulator: nothing of the developer's own.
 *
 * @since 0.1.0
 */
export const cliEnv = (context: Context): Record<string, string> => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  DEEPSET_API_KEY: context.emulator.target.apiKey,
  DEEPSET_API_URL: context.emulator.target.baseUrl,
  DEEPSET_WORKSPACE: context.emulator.target.workspace
})

// `sdk` lists the folder as the CLI does (`UploadSource.fromPaths`); `sdk-each` reads it and takes each file
// with `fromPath`, without the walk's checks (a link's target, a stat per entry).
type Client = "cli" | "sdk" | "sdk-each"
type Concurrency = "10" | "default"

/**
 * Runs scenario 11.
 *
 * @since 0.1.0
 */
export const cliShare = Effect.fn("CliShare.cliShare")(function*(context: Context, root: string, scratch: string) {
  const { fileBytes, files, runs } = context.plan.cliShare
  const dir = join(scratch, "cli-share")
  const bin = yield* bundle(root, join(dir, "cli"))
  const run = usageRunner(join(dir, "usage"))
  const many = yield* Data.fileSet(join(dir, "many"), files, fileBytes)
  const one = yield* Data.fileSet(join(dir, "one"), 1, fileBytes)
  const env = cliEnv(context)
  const sdkScript = context.runner.compiled.script("cliShareSdk")
  const once = (client: Client, folder: string, concurrency: Concurrency) =>
    Effect.zipRight(
      context.emulator.reset,
      client === "cli"
        ? run([bin, folder, "--no-journal", ...(concurrency === "default" ? [] : ["--concurrency", concurrency])], env)
        : run([sdkScript, folder, concurrency, client === "sdk" ? "paths" : "each"], {
          ...env,
          BENCH_TARGET: JSON.stringify(context.emulator.target)
        })
    )
  const jobs: ReadonlyArray<readonly [Client, "one" | Concurrency]> = [
    ["cli", "one"],
    ["sdk", "one"],
    ["cli", "10"],
    ["sdk", "10"],
    ["cli", "default"],
    ["sdk", "default"],
    ["sdk-each", "one"],
    ["sdk-each", "10"]
  ]
  const results = new Map<string, Array<Usage>>()
  // Discarded rounds first (one in the full plan) warm the disk cache; the order is reversed every other round.
  for (let round = -context.plan.warmupPairs; round < runs; round++) {
    const order = round % 2 === 0 ? jobs : [...jobs].reverse()
    for (const [client, job] of order) {
      const usage = yield* job === "one" ? once(client, one.dir, "default") : once(client, many.dir, job)
      if (round < 0) continue
      const key = `${client} ${job}`
      results.set(key, [...(results.get(key) ?? []), usage])
    }
  }
  const of = (client: Client, job: "one" | Concurrency) => results.get(`${client} ${job}`) ?? []
  // CPU per file of each round: the 2 000-file run less the same round's 1-file run.
  const perFile = (client: Client, concurrency: Concurrency) =>
    of(client, concurrency).map((usage, i) => (usage.cpuMs - (of(client, "one")[i]?.cpuMs ?? 0)) / (files - 1))
  const cpu10 = metric(
    "CPU per file, --concurrency 10 (CLI | Upload.files)",
    "ms",
    perFile("cli", "10"),
    perFile("sdk", "10")
  )
  const cpuDefault = metric(
    "CPU per file, default concurrency (CLI | Upload.files)",
    "ms",
    perFile("cli", "default"),
    perFile("sdk", "default")
  )
  const rss = (client: Client, job: "one" | Concurrency) => of(client, job).map((usage) => usage.maxRssMiB)
  const wall = (client: Client, job: "one" | Concurrency) => of(client, job).map((usage) => usage.wallMs)
  const rss10 = metric("peak RSS, --concurrency 10", "MiB", rss("cli", "10"), rss("sdk", "10"))
  const rssDefault = metric("peak RSS, default concurrency", "MiB", rss("cli", "default"), rss("sdk", "default"))
  const peak = Math.max(rss10.sdk.median, rssDefault.sdk.median)
  const ratios = [cpu10.ratio ?? Number.POSITIVE_INFINITY, cpuDefault.ratio ?? Number.POSITIVE_INFINITY]
  const met = Math.max(...ratios) <= goals.cpuRatio && peak <= goals.peakRssMiB
  return {
    id: 11,
    title: `CLI's own share: ${files.toLocaleString("en-US")} × ${fileBytes / 1024} KiB, the bin beside Upload.files`,
    goal: `CPU per file ≤ ${goals.cpuRatio}× Upload.files', peak RSS ≤ ${goals.peakRssMiB} MiB; start: scenario 8`,
    verdict: judge(context.plan, met),
    judgement: `CPU per file ${formatNumber(cpu10.ratio ?? Number.NaN)}× at 10, ${
      formatNumber(cpuDefault.ratio ?? Number.NaN)
    }× at the default; peak RSS ${formatNumber(peak)} MiB`,
    metrics: [
      cpu10,
      cpuDefault,
      metric(
        "CPU per file, --concurrency 10 (CLI | Upload.files of readdir + fromPath, no walk)",
        "ms",
        perFile("cli", "10"),
        perFile("sdk-each", "10")
      ),
      metric(
        "CPU of a 1-file run (start, one session)",
        "ms",
        of("cli", "one").map((u) => u.cpuMs),
        of("sdk", "one").map((u) => u.cpuMs)
      ),
      rss10,
      rssDefault,
      metric("wall time, --concurrency 10", "ms", wall("cli", "10"), wall("sdk", "10")),
      metric("wall time, default concurrency", "ms", wall("cli", "default"), wall("sdk", "default")),
      metric("wall time of a 1-file run", "ms", wall("cli", "one"), wall("sdk", "one"))
    ],
    notes: [
      "The \"SDK\" column is the bundled CLI (`node bundle/bin.js <folder> --no-journal`, stdout to /dev/null, " +
      "so plain lines), the baseline one `node` process running `Upload.files` on the same files " +
      "(`bench/cliShareSdk.ts`, compiled like the workers) listing the folder as the CLI does " +
      "(`UploadSource.fromPaths`: a link check and a stat per entry), so that the ratio is the CLI's own share; " +
      "the third row's baseline takes the files with `readdir` and `fromPath` instead, to show what the walk " +
      "costs. All against the bench's emulator, reset before " +
      "every run, in rounds of eight runs (1 file, 2 000 at 10, 2 000 at the default, each client; 1 file and " +
      "2 000 at 10 without the walk) with the " +
      "order reversed every other round, after one discarded round. CPU and peak RSS are each process's own " +
      "`process.resourceUsage()` at its exit (a preload, `--import`); CPU per file is the 2 000-file run's " +
      `CPU less the same round's 1-file run, over ${files - 1}. The journal is off (its cost is ` +
      "`bench/journalCost.ts`'s). The CLI's start, spawn to its first request, is scenario 8's " +
      `(goal ≤ 4× \`node -e 0\`). Medians of per-round ratios: ${
        formatNumber(
          Stats.summarize(perFile("cli", "10").map((c, i) => c / (perFile("sdk", "10")[i] ?? Number.NaN))).median
        )
      }× at 10.`
    ]
  } satisfies ScenarioReport
})
