/**
 * `pnpm bench`: the SDK against a plain-undici baseline on the emulator; writes `BENCHMARKS.md` and
 * `BENCHMARKS.json` at the repository root.
 *
 * Flags:
 * - `--smoke`: tiny sizes, one run, no goals judged; writes to `bench/.bench-tmp/smoke` unless `--out`;
 * - `--out DIR`: where the two report files go;
 * - `--only 1,4`: run only these scenarios (2 and 3 run together);
 * - `--runs N`: N measured pairs and no warm-up pair (for profiling; the report is then not the issue's);
 * - `--ablation`: scenario 1 also runs with the SDK's retry, timeout, trace headers and tracer switched
 *   off one at a time, to tell what each costs per call (scenarios 1, 2 and 4 always run beside the bare
 *   `@effect/platform` floor, `PlatformTasks.ts`);
 * - `--cpu-prof`: every worker writes a V8 CPU profile into `bench/.bench-tmp/profiles`;
 * - `--heap-snapshot`: every worker writes a heap snapshot there after its timed part;
 * - `--big`: scenario 12 also runs its opt-in size (a million files), which the full plan leaves out.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as CliShare from "./CliShare.js"
import * as CliStart from "./CliStart.js"
import * as Compile from "./Compile.js"
import * as Data from "./Data.js"
import * as Emulator from "./Emulator.js"
import * as Machine from "./Machine.js"
import * as NetworkScenarios from "./NetworkScenarios.js"
import * as Plan from "./Plan.js"
import type { ScenarioReport } from "./Report.js"
import * as Report from "./Report.js"
import * as RunMemory from "./RunMemory.js"
import * as Scenarios from "./Scenarios.js"
import { sdkDefaults } from "./SdkDefaults.js"
import * as UploadScenarios from "./UploadScenarios.js"

const { values: flags } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    out: { type: "string" },
    only: { type: "string" },
    runs: { type: "string" },
    ablation: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "heap-snapshot": { type: "boolean", default: false },
    big: { type: "boolean", default: false }
  }
})

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const program = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const base = flags.smoke ? Plan.smoke : Plan.full
  const plan: Plan.Plan = flags.runs === undefined ? base : Plan.withRuns(base, Number(flags.runs))
  const only = flags.only === undefined ? undefined : new Set(flags.only.split(",").map((id) => Number(id.trim())))
  const wanted = (id: number) => only === undefined || only.has(id)
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
  const tmp = path.join(root, "bench", ".bench-tmp")
  const outDir = path.resolve(flags.out ?? (flags.smoke ? path.join(tmp, "smoke") : root))
  const started = Date.now()
  const machine = Machine.describe()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`
  const log = (line: string) => Console.error(`[bench ${elapsed()}] ${line}`)

  yield* log(
    `${plan.mode} run on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, load ${
      machine.loadAverage.join(" / ")
    }`
  )
  if (plan.mode === "full" && Machine.load() >= 0.5) {
    yield* log("the machine is busy (1-minute load ≥ 0.5): numbers will be noisy and marked so")
  }

  const profileDir = path.join(tmp, "profiles")
  if (flags["cpu-prof"] || flags["heap-snapshot"]) yield* fs.makeDirectory(profileDir, { recursive: true })
  // Each run has its own scratch folder, so that a smoke test and a full run can go on at the same time;
  // folders of runs that died without cleaning up are removed.
  yield* Effect.forEach(
    (yield* Effect.orElseSucceed(fs.readDirectory(tmp), () => [])).filter((name) => /^run-\d+$/.test(name)),
    (name) =>
      isAlive(Number(name.slice(4)))
        ? Effect.void
        : Effect.ignore(fs.remove(path.join(tmp, name), { recursive: true })),
    { discard: true }
  )
  const scratch = path.join(tmp, `run-${process.pid}`)
  yield* Effect.acquireRelease(
    fs.makeDirectory(scratch, { recursive: true }),
    () => Effect.ignore(fs.remove(scratch, { recursive: true }))
  )
  const compiled = yield* Compile.compile(root, path.join(scratch, "js"))
  const emulator = yield* Emulator.start({
    compiled,
    apiKey: "bench-key-0123456789",
    workspace: "bench",
    userAgent: sdkDefaults.userAgent,
    maxFilesPerSession: Math.max(10_000, plan.stream.largeFiles)
  })
  yield* log(`emulator at ${emulator.target.baseUrl}`)
  const context: Scenarios.Context = {
    plan,
    emulator,
    ablation: flags.ablation,
    runner: {
      compiled,
      cpuProfileDir: flags["cpu-prof"] ? profileDir : undefined,
      heapSnapshotDir: flags["heap-snapshot"] ? profileDir : undefined
    }
  }

  const reports: Array<ScenarioReport> = []
  const done = (report: ScenarioReport) =>
    Effect.zipRight(
      Effect.sync(() => reports.push(report)),
      log(`${report.id}. ${report.title}: ${report.verdict}${report.judgement === "" ? "" : ` (${report.judgement})`}`)
    )

  if (wanted(1)) yield* Effect.flatMap(Scenarios.getStatus(context), done)
  if (wanted(2) || wanted(3)) {
    const sessions = yield* Scenarios.seedStreamSessions(context)
    const [two, three] = yield* Scenarios.streamFiles(context, sessions)
    yield* done(two)
    yield* done(three)
  }
  if (wanted(4) || wanted(5) || wanted(6)) {
    const dataDir = path.join(scratch, "data")
    const data: UploadScenarios.UploadData = {
      small: yield* Data.fileSet(path.join(dataDir, "small"), plan.upload.files, plan.upload.fileBytes),
      large: wanted(5)
        ? yield* Data.largeFile(path.join(dataDir, "large"), plan.largeUpload.bytes)
        : { dir: path.join(dataDir, "large"), files: 0, fileBytes: 0 }
    }
    if (wanted(4)) yield* Effect.flatMap(UploadScenarios.smallFiles(context, data), done)
    if (wanted(5)) yield* Effect.flatMap(UploadScenarios.largeFile(context, data), done)
    if (wanted(6)) yield* Effect.flatMap(UploadScenarios.sweep(context, data, sdkDefaults.uploadConcurrency), done)
  }
  if (wanted(7)) yield* Effect.flatMap(Scenarios.coldStart(context), done)
  if (wanted(8)) yield* Effect.flatMap(CliStart.cliStart(context, root, scratch), done)
  if (wanted(9)) {
    const latency = NetworkScenarios.latency(context, path.join(scratch, "latency"), sdkDefaults.uploadConcurrency)
    yield* Effect.flatMap(latency, done)
  }
  if (wanted(10)) yield* Effect.flatMap(NetworkScenarios.wait(context, sdkDefaults.uploadConcurrency), done)
  if (wanted(11)) yield* Effect.flatMap(CliShare.cliShare(context, root, scratch), done)
  if (wanted(12)) yield* Effect.flatMap(RunMemory.runMemory(context, root, scratch, flags.big), done)

  const findingsPath = path.join(root, "bench", "FINDINGS.md")
  const findings = plan.mode === "full" && (yield* fs.exists(findingsPath))
    ? yield* fs.readFileString(findingsPath)
    : undefined
  const loadAverageAtEnd = Machine.describe().loadAverage
  const report: Report.Report = {
    mode: plan.mode,
    machine,
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    runs: plan.runs,
    warmupPairs: plan.warmupPairs,
    // Judged at the start only: the run's own client and emulator keep two cores busy until its end.
    quiet: (machine.loadAverage[0] ?? 0) < 0.5,
    loadAverageAtEnd,
    scenarios: reports.sort((a, b) => a.id - b.id),
    findings
  }
  yield* fs.makeDirectory(outDir, { recursive: true })
  yield* fs.writeFileString(path.join(outDir, "BENCHMARKS.md"), Report.markdown(report))
  yield* fs.writeFileString(path.join(outDir, "BENCHMARKS.json"), Report.json(report))
  yield* log(`wrote ${path.join(outDir, "BENCHMARKS.md")} and BENCHMARKS.json`)
  yield* Console.log(Report.headline(report).join("\n"))
})

program.pipe(Effect.scoped, Effect.provide(NodeContext.layer), NodeRuntime.runMain)
