/**
 * The read scenarios (1–3) and cold start (7): data set up on the emulator, SDK and baseline runs
 * alternated, medians compared with the goals of the issue.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { BenchError } from "./BenchError.js"
import type { ColdStartTask } from "./ColdStart.js"
import type { Emulator } from "./Emulator.js"
import type { Plan } from "./Plan.js"
import type { Metric, ScenarioReport, Verdict } from "./Report.js"
import { formatDelta, formatNumber } from "./Report.js"
import * as Runner from "./Runner.js"
import * as Stats from "./Stats.js"
import type { SdkVariant, Task, Workload } from "./Task.js"
import { sdkVariants } from "./Task.js"

/**
 * What every scenario runs with.
 *
 * @since 0.1.0
 */
export interface Context {
  readonly plan: Plan
  readonly runner: Runner.RunnerOptions
  readonly emulator: Emulator
  /** Also run scenario 1 with the SDK's settings switched off one by one (`--ablation`). */
  readonly ablation: boolean
}

/**
 * 2^20 bytes: memory is reported and judged in MiB.
 *
 * @since 0.1.0
 */
export const MiB = 1024 * 1024

/**
 * A metric from per-run values of both clients; `baseline` undefined for SDK-only metrics, `floor` the
 * values of the scenario's floor when it has one.
 *
 * @since 0.1.0
 */
export const metric = (
  name: string,
  unit: Metric["unit"],
  sdk: ReadonlyArray<number>,
  baseline: ReadonlyArray<number> | undefined,
  floor?: ReadonlyArray<number>
): Metric => {
  const sdkSummary = Stats.summarize(sdk)
  const baselineSummary = baseline === undefined ? undefined : Stats.summarize(baseline)
  const floorSummary = floor === undefined ? undefined : Stats.summarize(floor)
  return {
    name,
    unit,
    sdk: sdkSummary,
    baseline: baselineSummary,
    ratio: baselineSummary === undefined ? undefined : Stats.ratio(sdkSummary.median, baselineSummary.median),
    ...(floorSummary === undefined
      ? {}
      : { floor: floorSummary, floorRatio: Stats.ratio(sdkSummary.median, floorSummary.median) })
  }
}

/**
 * What the platform floor is called in the report.
 *
 * @since 0.1.0
 */
export const platformFloor = "platform floor"

/**
 * The goal of scenarios 1, 2 and 4 (issue 18): the SDK's client CPU per unit within 1.15 × the platform floor's.
 *
 * @since 0.1.0
 */
export const floorGoal = (unit: string) => `client CPU per ${unit} ≤ 1.15 × the platform floor`

/**
 * How a metric with a floor is judged against `limit`, and the judgement's text.
 *
 * @since 0.1.0
 */
export const againstFloor = (plan: Plan, metric: Metric, limit: number) => {
  const ratio = metric.floorRatio ?? Number.NaN
  return {
    verdict: judge(plan, ratio <= limit),
    judgement: `${ratio.toFixed(3)} × the floor; ${(metric.ratio ?? Number.NaN).toFixed(3)} × baseline`
  }
}

/**
 * The SDK, its platform floor (`PlatformTasks.ts`: the same workload with `platform`) and the baseline,
 * each run in a worker of its own, taking turns round by round (the order turning each round, so that a
 * drift of the machine falls on all three alike), after `warmup` discarded rounds.
 *
 * @since 0.1.0
 */
export const withFloor = (
  context: Context,
  workload: Extract<Workload, { readonly _tag: "GetStatus" | "StreamFiles" | "Upload" }>,
  rounds: { readonly runs: number; readonly warmup: number },
  between: Effect.Effect<void, BenchError> = Effect.void
) =>
  Effect.gen(function*() {
    const tasks = [
      task(context, "sdk", workload),
      task(context, "sdk", { ...workload, platform: true }),
      task(context, "baseline", workload)
    ]
    const results = tasks.map((): Array<Runner.Result> => [])
    for (let round = 0; round < rounds.warmup + rounds.runs; round++) {
      for (let k = 0; k < tasks.length; k++) {
        const index = (round + k) % tasks.length
        yield* between
        const result = yield* Runner.runWorker(context.runner, tasks[index]!)
        if (round >= rounds.warmup) results[index]!.push(result)
      }
    }
    return { sdk: results[0]!, floor: results[1]!, baseline: results[2]! }
  }).pipe(Effect.withSpan("Scenarios.withFloor"))

/**
 * A verdict, or "not judged" in a smoke run.
 *
 * @since 0.1.0
 */
export const judge = (plan: Plan, met: boolean): Verdict =>
  plan.mode === "smoke" ? "not judged" : met ? "met" : "missed"

/**
 * The task of one client on the emulator.
 *
 * @since 0.1.0
 */
export const task = (context: Context, client: Task["client"], workload: Workload): Task => ({
  client,
  target: context.emulator.target,
  workload
})

const rss = (results: ReadonlyArray<Runner.Result>) => results.map((result) => result.maxRssBytes / MiB)
const elapsed = (results: ReadonlyArray<Runner.Result>) => results.map((result) => result.elapsedMs)

/**
 * The workers' CPU time during the timed part, in ms, divided by `per`.
 *
 * @since 0.1.0
 */
export const cpu = (results: ReadonlyArray<Runner.Result>, per = 1) => results.map((result) => result.cpuMs / per)

const pairs = (context: Context, workload: Workload) =>
  Runner.alternate(context.runner, {
    runs: context.plan.runs,
    warmup: context.plan.warmupPairs,
    task: (client) => Effect.succeed(task(context, client, workload))
  })

/**
 * Scenario 1: `getStatus` × 2 000, one after the other.
 *
 * @since 0.1.0
 */
export const getStatus = Effect.fn("Scenarios.getStatus")(function*(context: Context) {
  const { count, warmup } = context.plan.getStatus
  const sessionId = yield* context.emulator.createSession
  const { baseline, floor, sdk } = yield* withFloor(
    context,
    { _tag: "GetStatus", sessionId, count, warmup },
    { runs: context.plan.runs, warmup: context.plan.warmupPairs }
  )
  const perCall = (results: ReadonlyArray<Runner.Result>) => elapsed(results).map((ms) => ms / count)
  const cpuPerCall = metric("client CPU per call", "ms", cpu(sdk, count), cpu(baseline, count), cpu(floor, count))
  const table = context.ablation ? yield* ablation(context, sessionId) : undefined
  return {
    ...(table === undefined ? {} : { table }),
    id: 1,
    title: `getStatus × ${count.toLocaleString("en-US")}, sequential`,
    goal: floorGoal("call"),
    ...againstFloor(context.plan, cpuPerCall, 1.15),
    floor: platformFloor,
    metrics: [
      cpuPerCall,
      metric(`time for ${count} calls`, "ms", elapsed(sdk), elapsed(baseline), elapsed(floor)),
      metric("per call", "ms", perCall(sdk), perCall(baseline), perCall(floor)),
      metric("peak RSS", "MiB", rss(sdk), rss(baseline), rss(floor))
    ],
    notes: []
  } satisfies ScenarioReport
})

/**
 * Runs each client's task once per round, the clients taking turns so that a drift of the machine falls
 * on all of them; the results of each client, in the order given.
 */
const takingTurns = (
  context: Context,
  tasks: ReadonlyArray<Task>,
  between: Effect.Effect<void, BenchError> = Effect.void
) =>
  Effect.gen(function*() {
    const results = tasks.map((): Array<Runner.Result> => [])
    for (let round = 0; round < context.plan.runs; round++) {
      for (const [index, clientTask] of tasks.entries()) {
        yield* between
        results[index]!.push(yield* Runner.runWorker(context.runner, clientTask))
      }
    }
    return results
  })

/**
 * Scenario 1 again with the SDK's settings switched off one at a time, taking turns with the baseline:
 * what each setting costs per call.
 *
 * @since 0.1.0
 */
export const ablation = Effect.fn("Scenarios.ablation")(function*(context: Context, sessionId: string) {
  const { count, warmup } = context.plan.getStatus
  const workload = (variant?: SdkVariant): Workload => ({ _tag: "GetStatus", sessionId, count, warmup, variant })
  const clients = [
    ...sdkVariants.map((variant) => [variant, task(context, "sdk", workload(variant))] as const),
    ["baseline", task(context, "baseline", workload())] as const
  ]
  const results = yield* takingTurns(context, clients.map(([, clientTask]) => clientTask))
  return {
    header: ["SDK settings", "per call (µs, median)", "client CPU per call (µs, median)"],
    rows: clients.map(([name], index) => [
      name,
      formatNumber(Stats.summarize(elapsed(results[index]!).map((ms) => ms / count)).median * 1000),
      formatNumber(Stats.summarize(cpu(results[index]!, count)).median * 1000)
    ])
  }
})

/**
 * The sessions the stream scenarios read, seeded once.
 *
 * @since 0.1.0
 */
export interface StreamSessions {
  readonly warmup: string
  readonly small: string
  readonly large: string
}

/**
 * Seeds the stream scenarios' sessions through the emulator's control route.
 *
 * @since 0.1.0
 */
export const seedStreamSessions = (context: Context) =>
  Effect.all({
    warmup: context.emulator.seedSession(context.plan.stream.warmupFiles),
    small: context.emulator.seedSession(context.plan.stream.files),
    large: context.emulator.seedSession(context.plan.stream.largeFiles)
  })

/**
 * Scenarios 2 and 3: `streamFiles` over the small and the large session, page size 100; the large one
 * is judged on memory: its peak RSS within 20 MiB of the small one's.
 *
 * @since 0.1.0
 */
export const streamFiles = Effect.fn("Scenarios.streamFiles")(function*(context: Context, sessions: StreamSessions) {
  const { files, largeFiles, pageSize } = context.plan.stream
  const workload = (sessionId: string, expected: number): Extract<Workload, { readonly _tag: "StreamFiles" }> => ({
    _tag: "StreamFiles",
    sessionId,
    pageSize,
    expected,
    warmupSessionId: sessions.warmup
  })
  const small = yield* withFloor(context, workload(sessions.small, files), {
    runs: context.plan.runs,
    warmup: context.plan.warmupPairs
  })
  const large = yield* pairs(context, workload(sessions.large, largeFiles))
  const pages = Math.ceil(files / pageSize)
  const cpuPerPage = metric(
    "client CPU per page",
    "ms",
    cpu(small.sdk, pages),
    cpu(small.baseline, pages),
    cpu(small.floor, pages)
  )
  const smallRss = metric("peak RSS", "MiB", rss(small.sdk), rss(small.baseline), rss(small.floor))
  const largeRss = metric("peak RSS", "MiB", rss(large.sdk), rss(large.baseline))
  const sdkGrowth = largeRss.sdk.median - smallRss.sdk.median
  const baselineGrowth = (largeRss.baseline?.median ?? Number.NaN) - (smallRss.baseline?.median ?? Number.NaN)
  const scenario2: ScenarioReport = {
    id: 2,
    title: `streamFiles over ${files.toLocaleString("en-US")} files, page size ${pageSize}`,
    goal: floorGoal("page"),
    ...againstFloor(context.plan, cpuPerPage, 1.15),
    floor: platformFloor,
    metrics: [
      cpuPerPage,
      metric(
        `time for ${files} files`,
        "ms",
        elapsed(small.sdk),
        elapsed(small.baseline),
        elapsed(small.floor)
      ),
      smallRss
    ],
    notes: []
  }
  const scenario3: ScenarioReport = {
    id: 3,
    title: `streamFiles over ${largeFiles.toLocaleString("en-US")} files, page size ${pageSize}`,
    goal: `peak RSS ≤ scenario 2's + 20 MiB`,
    verdict: judge(context.plan, sdkGrowth <= 20),
    judgement: `SDK ${formatDelta(sdkGrowth)} MiB over scenario 2 (baseline ${formatDelta(baselineGrowth)} MiB)`,
    metrics: [
      largeRss,
      metric(`time for ${largeFiles} files`, "ms", elapsed(large.sdk), elapsed(large.baseline)),
      metric("client CPU", "ms", cpu(large.sdk), cpu(large.baseline))
    ],
    notes: []
  }
  return [scenario2, scenario3] as const
})

/**
 * Scenario 7: a fresh process imports the client and completes one `getStatus`; reported, not judged.
 *
 * @since 0.1.0
 */
export const coldStart = Effect.fn("Scenarios.coldStart")(function*(context: Context) {
  const sessionId = yield* context.emulator.createSession
  const argument: ColdStartTask = { target: context.emulator.target, sessionId }
  const { baseline, sdk } = yield* Runner.alternate(context.runner, {
    runs: context.plan.coldStart.runs,
    warmup: context.plan.warmupPairs,
    task: (client) => Effect.succeed(task(context, client, { _tag: "GetStatus", sessionId, count: 1, warmup: 0 })),
    run: (task) =>
      Runner.runScript(
        context.runner,
        task.client === "sdk" ? "coldSdk" : "coldBaseline",
        JSON.stringify(argument),
        `cold start ${task.client}`
      )
  })
  return {
    id: 7,
    title: "cold start: import, build a client, one getStatus",
    goal: "reported beside the baseline",
    verdict: "reported",
    judgement: "",
    metrics: [
      metric("process start to answer", "ms", elapsed(sdk), elapsed(baseline)),
      metric("CPU until the answer", "ms", cpu(sdk), cpu(baseline)),
      metric("peak RSS", "MiB", rss(sdk), rss(baseline))
    ],
    notes: [
      "Time from the process's start (node's own boot included) until the `getStatus` answer is decoded and the " +
      "client's connections are closed, in a new `node` process each run, from compiled JavaScript."
    ]
  } satisfies ScenarioReport
})
