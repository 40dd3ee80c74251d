/**
 * The upload scenarios: many small files (4), one large file (5) and the concurrency sweep that
 * chooses the `Upload` default (6). The emulator is reset before every run, so each starts from the
 * same empty state and its storage never fills the disk.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { FileSet } from "./Data.js"
import type { ScenarioReport } from "./Report.js"
import { formatDelta, formatNumber } from "./Report.js"
import * as Runner from "./Runner.js"
import type { Context } from "./Scenarios.js"
import { againstFloor, cpu, floorGoal, judge, metric, MiB, platformFloor, task, withFloor } from "./Scenarios.js"
import * as Stats from "./Stats.js"
import type { Workload } from "./Task.js"

/**
 * The files the upload scenarios send.
 *
 * @since 0.1.0
 */
export interface UploadData {
  /** The small files of scenarios 4 and 6; their head is also every upload's warm-up. */
  readonly small: FileSet
  /** The one large file of scenario 5. */
  readonly large: FileSet
}

const perSecond = (results: ReadonlyArray<Runner.Result>, per: number) =>
  results.map((result) => (result.items * per) / (result.elapsedMs / 1000))

const rss = (results: ReadonlyArray<Runner.Result>) => results.map((result) => result.maxRssBytes / MiB)

const growth = (results: ReadonlyArray<Runner.Result>) =>
  results.map((result) => (result.maxRssBytes - result.rssBeforeBytes) / MiB)

const uploadWorkload = (
  context: Context,
  data: UploadData,
  set: FileSet,
  concurrency: number,
  files = set.files,
  warmupFiles = context.plan.upload.warmupFiles
): Extract<Workload, { readonly _tag: "Upload" }> => ({
  _tag: "Upload",
  dir: set.dir,
  files,
  concurrency,
  warmupDir: data.small.dir,
  warmupFiles: Math.min(warmupFiles, data.small.files)
})

const pairs = (context: Context, workload: Workload, runs: number, warmup: number) =>
  Runner.alternate(context.runner, {
    runs,
    warmup,
    task: (client) => Effect.succeed(task(context, client, workload)),
    between: context.emulator.reset
  })

/**
 * Scenario 4: the small files at the plan's concurrency, judged on files per second.
 *
 * @since 0.1.0
 */
export const smallFiles = Effect.fn("UploadScenarios.smallFiles")(function*(context: Context, data: UploadData) {
  const { concurrency, fileBytes, files } = context.plan.upload
  const workload = uploadWorkload(context, data, data.small, concurrency)
  const { baseline, floor, sdk } = yield* withFloor(
    context,
    workload,
    { runs: context.plan.runs, warmup: context.plan.upload.warmupPairs },
    context.emulator.reset
  )
  const cpuPerFile = metric("client CPU per file", "ms", cpu(sdk, files), cpu(baseline, files), cpu(floor, files))
  const time = (results: ReadonlyArray<Runner.Result>) => results.map((r) => r.elapsedMs)
  return {
    id: 4,
    title: `upload ${files.toLocaleString("en-US")} files of ${fileBytes / 1024} KiB, concurrency ${concurrency}`,
    goal: floorGoal("file"),
    ...againstFloor(context.plan, cpuPerFile, 1.15),
    floor: platformFloor,
    metrics: [
      cpuPerFile,
      metric("files per second", "files/s", perSecond(sdk, 1), perSecond(baseline, 1), perSecond(floor, 1)),
      metric("time (open, upload, close)", "ms", time(sdk), time(baseline), time(floor)),
      metric("peak RSS", "MiB", rss(sdk), rss(baseline), rss(floor))
    ],
    notes: [
      "Each run opens a session, sends every file from disk as an S3 presigned POST (`multipart/form-data`, fields " +
      "then the file) with the stated number in flight, and closes the session."
    ]
  } satisfies ScenarioReport
})

/**
 * Scenario 5: one large file, judged on memory growth (≤ 64 MiB) and throughput (≥ 0.90 × baseline).
 *
 * @since 0.1.0
 */
export const largeFile = Effect.fn("UploadScenarios.largeFile")(function*(context: Context, data: UploadData) {
  const bytes = data.large.fileBytes
  const { baseline, sdk } = yield* pairs(
    context,
    uploadWorkload(context, data, data.large, 1),
    context.plan.largeUpload.runs,
    context.plan.largeUpload.warmupPairs
  )
  const rate = metric("throughput", "MiB/s", perSecond(sdk, bytes / MiB), perSecond(baseline, bytes / MiB))
  const rssGrowth = metric("peak RSS growth during the upload", "MiB", growth(sdk), growth(baseline))
  const ratio = rate.ratio ?? Number.NaN
  const sdkGrowth = rssGrowth.sdk.median
  return {
    id: 5,
    title: `upload one ${formatSize(bytes)} file`,
    goal: "RSS growth ≤ 64 MiB; throughput ≥ 0.90 × baseline",
    verdict: judge(context.plan, sdkGrowth <= 64 && ratio >= 0.9),
    judgement: `${formatDelta(sdkGrowth)} MiB, ${ratio.toFixed(3)} × baseline`,
    metrics: [
      rate,
      rssGrowth,
      metric("peak RSS", "MiB", rss(sdk), rss(baseline)),
      metric("client CPU", "ms", cpu(sdk), cpu(baseline))
    ],
    notes: [
      "The file is generated on disk (random bytes) for the run and deleted after it. RSS growth is the worker's " +
      "peak resident set minus its resident set just before the timed upload (after the warm-up)."
    ]
  } satisfies ScenarioReport
})

const formatSize = (bytes: number): string =>
  bytes >= 1024 * MiB ? `${formatNumber(bytes / (1024 * MiB))} GiB` : `${formatNumber(bytes / MiB)} MiB`

/**
 * Scenario 6: the SDK's files per second at each concurrency, to choose the `Upload` default; the
 * default is judged met when its median is within 5 % of the best one's (closer is noise on a shared
 * two-core machine).
 *
 * @since 0.1.0
 */
export const sweep = Effect.fn("UploadScenarios.sweep")(function*(
  context: Context,
  data: UploadData,
  defaultConcurrency: number
) {
  const { concurrencies, files, runs } = context.plan.sweep
  const rows: Array<{ readonly concurrency: number; readonly rate: Stats.Summary }> = []
  for (const concurrency of concurrencies) {
    const workload = uploadWorkload(context, data, data.small, concurrency, files)
    const results: Array<Runner.Result> = []
    for (let run = 0; run < runs; run++) {
      yield* context.emulator.reset
      results.push(yield* Runner.runWorker(context.runner, task(context, "sdk", workload)))
    }
    rows.push({ concurrency, rate: Stats.summarize(perSecond(results, 1)) })
  }
  const best = rows.reduce((a, b) => (b.rate.median > a.rate.median ? b : a))
  const atDefault = rows.find((row) => row.concurrency === defaultConcurrency)
  const share = atDefault === undefined ? Number.NaN : atDefault.rate.median / best.rate.median
  return {
    id: 6,
    title: `upload concurrency sweep ${concurrencies.join(", ")} (SDK, ${files} files of ${
      data.small.fileBytes / 1024
    } KiB)`,
    goal: "the `Upload` default is the measured best",
    verdict: judge(context.plan, share >= 0.95),
    judgement: atDefault === undefined
      ? `best ${best.concurrency}; default ${defaultConcurrency} not in the sweep`
      : `best ${best.concurrency}; default ${defaultConcurrency} at ${(share * 100).toFixed(1)} % of it`,
    metrics: [],
    table: {
      header: ["concurrency", "files/s median", "min", "max", "of best"],
      rows: rows.map((row) => [
        String(row.concurrency),
        formatNumber(row.rate.median),
        formatNumber(row.rate.min),
        formatNumber(row.rate.max),
        `${((row.rate.median / best.rate.median) * 100).toFixed(1)} %`
      ])
    },
    notes: [
      `${runs} run(s) per concurrency, each in a fresh process after a warm-up, the emulator reset before each.`
    ]
  } satisfies ScenarioReport
})
