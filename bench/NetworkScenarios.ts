/**
 * What users feel over a network (issue 18): the network's clock (scenario 9), `Upload.files` waited to
 * ingestion with latency injected by the emulator on every request, against the least that latency allows;
 * and the wait (scenario 10), how long after the emulator finished ingesting a session the SDK returns its
 * report, on the SDK's default ingestion schedule. The SDK runs alone (`UploadWait` workloads), each run in a
 * fresh worker after an emulator reset; the emulator's request log counts the round trips.
 *
 * @since 0.1.0
 */
import * as Upload from "@effect-deepset/sdk/Upload"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Data from "./Data.js"
import * as Emulator from "./Emulator.js"
import type { Metric, ScenarioReport } from "./Report.js"
import { formatNumber } from "./Report.js"
import * as Runner from "./Runner.js"
import type { Context } from "./Scenarios.js"
import { judge, metric, task } from "./Scenarios.js"
import * as Stats from "./Stats.js"
import type { Workload } from "./Task.js"

type UploadWait = Extract<Workload, { readonly _tag: "UploadWait" }>

/** The API's largest page of `getFiles`, which the report's listing walks. */
const maxPageSize = 100

/** Pages of the report's listing in flight at once after the first (the SDK's `sessionLifecycle`). */
const listingConcurrency = 8

/** Requests of each route in one run, and the worker's result. */
interface Run {
  readonly result: Runner.Result
  readonly counts: Readonly<Record<string, number>>
}

const count = (run: Run, route: string) => run.counts[route] ?? 0

const median = (values: ReadonlyArray<number>) => Stats.summarize(values).median

const size = (bytes: number) => bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`

/**
 * The least time `files` files take at `concurrency` in flight when every request waits `latencyMs`: the
 * uploads in rounds of `concurrency`, plus one round trip each to create the session, close it and read
 * its status once.
 *
 * @since 0.1.0
 */
export const networkFloor = (files: number, concurrency: number, latencyMs: number): number =>
  (Math.ceil(files / concurrency) + 3) * latencyMs

// One run on a reset emulator, with `latencyMs` on every API and S3 request (none at 0).
const runWith = (context: Context, emulator: Emulator.Emulator, latencyMs: number, workload: UploadWait) =>
  Effect.gen(function*() {
    yield* emulator.reset
    if (latencyMs > 0) yield* emulator.setFaults([`*:delay:${latencyMs}ms`])
    const result = yield* Runner.runWorker(context.runner, {
      ...task(context, "sdk", workload),
      target: emulator.target
    })
    return { result, counts: yield* emulator.requestCounts } satisfies Run
  })

/**
 * Scenario 9: each file set at each latency, and with no latency for reference, taking turns round by
 * round; then a concurrency sweep of the first set at the first latency. Judged on wall time against
 * `networkFloor` at the `Upload` default concurrency.
 *
 * @since 0.1.0
 */
export const latency = Effect.fn("NetworkScenarios.latency")(function*(
  context: Context,
  dir: string,
  defaultConcurrency: number
) {
  const { latenciesMs, runs, sets, sweep, warmupFiles } = context.plan.latency
  const fileSets = yield* Effect.forEach(
    sets,
    (set, index) => Data.fileSet(`${dir}/set-${index}`, set.files, set.fileBytes)
  )
  const warmup = fileSets[0]!
  const workload = (set: Data.FileSet, concurrency: number): UploadWait => ({
    _tag: "UploadWait",
    dir: set.dir,
    files: set.files,
    concurrency,
    warmupDir: warmup.dir,
    warmupFiles: Math.min(warmupFiles, warmup.files)
  })
  const cases = [0, ...latenciesMs].flatMap((latencyMs) => fileSets.map((set) => ({ latencyMs, set })))
  const results = cases.map((): Array<Run> => [])
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (round + k) % cases.length
      const { latencyMs, set } = cases[index]!
      results[index]!.push(yield* runWith(context, context.emulator, latencyMs, workload(set, defaultConcurrency)))
    }
  }
  const wall = (runs: ReadonlyArray<Run>) => runs.map((run) => run.result.elapsedMs)
  const label = (set: Data.FileSet) => `${set.files.toLocaleString("en-US")} × ${size(set.fileBytes)}`
  const unlatent = (set: Data.FileSet) => results[cases.findIndex((c) => c.latencyMs === 0 && c.set === set)]!

  const judged = cases.flatMap((c, index) => {
    if (c.latencyMs === 0) return []
    const floor = networkFloor(c.set.files, defaultConcurrency, c.latencyMs)
    const listed = floor + Math.ceil(c.set.files / maxPageSize) * c.latencyMs
    const runs = results[index]!
    return [{ ...c, floor, listed, runs, ratio: median(wall(runs)) / floor }]
  })
  const metrics: Array<Metric> = judged.map((c) =>
    metric(`wall time, ${label(c.set)} at ${c.latencyMs} ms`, "ms", wall(c.runs), undefined, [c.floor])
  )
  const sweepLatency = latenciesMs[0]!
  const sweepRows: Array<{ readonly concurrency: number; readonly walls: Stats.Summary }> = []
  for (const concurrency of sweep.concurrencies) {
    const walls: Array<number> = []
    for (let run = 0; run < sweep.runs; run++) {
      const { result } = yield* runWith(context, context.emulator, sweepLatency, workload(warmup, concurrency))
      walls.push(result.elapsedMs)
    }
    sweepRows.push({ concurrency, walls: Stats.summarize(walls) })
  }
  const best = sweepRows.reduce((a, b) => (b.walls.median < a.walls.median ? b : a))
  const worst = Math.max(...judged.map((c) => c.ratio))
  return {
    id: 9,
    title: `the network's clock: Upload.files waited to ingestion, ${latenciesMs.join(" and ")} ms on every request`,
    goal: "wall time ≤ 1.15 × the network's floor at the default concurrency",
    verdict: judge(context.plan, worst <= 1.15),
    judgement: judged.map((c) => `${label(c.set)} at ${c.latencyMs} ms ${c.ratio.toFixed(2)} ×`).join(", ") +
      `; sweep at ${sweepLatency} ms: best ${best.concurrency}, default ${defaultConcurrency}`,
    floor: "network floor",
    metrics,
    table: {
      header: [
        "files, latency",
        "SDK wall (ms, median)",
        "network floor (ms)",
        "SDK / floor",
        "floor with the report's pages (ms)",
        "no latency (ms, median)",
        "requests: create, S3, close, getStatus, getFiles"
      ],
      rows: judged.map((c) => [
        `${label(c.set)}, ${c.latencyMs} ms`,
        formatNumber(median(wall(c.runs))),
        formatNumber(c.floor),
        c.ratio.toFixed(3),
        formatNumber(c.listed),
        formatNumber(median(wall(unlatent(c.set)))),
        ["create", "s3", "close", "getStatus", "getFiles"].map((route) =>
          formatNumber(median(c.runs.map((run) => count(run, route))))
        ).join(", ")
      ])
    },
    tables: [{
      header: [
        `concurrency (${label(warmup)}, ${sweepLatency} ms)`,
        "wall (ms, median)",
        "min",
        "max",
        "network floor (ms)"
      ],
      rows: sweepRows.map((row) => [
        row.concurrency === defaultConcurrency ? `${row.concurrency} (default)` : String(row.concurrency),
        formatNumber(row.walls.median),
        formatNumber(row.walls.min),
        formatNumber(row.walls.max),
        formatNumber(networkFloor(warmup.files, row.concurrency, sweepLatency))
      ])
    }],
    notes: [
      "Each run is a fresh worker that warms up on its own session (under the same latency), then times " +
      "`Upload.files` of the set from disk at the `Upload` default concurrency with `wait: true`, from the first " +
      "request to the report (ingestion delay 0). The emulator holds every API and S3 answer back by the latency " +
      "(its `delay` fault on every route); it is reset before each run and its request log counts the timed " +
      "part's requests. The network floor is `ceil(files / concurrency) × latency` plus one round trip each for " +
      "create, close and one status read; the report's listing of each file's state adds " +
      `\`ceil(files / ${maxPageSize})\` \`getFiles\` pages, shown beside it as if sequential (the SDK asks for ` +
      `them by page number, ${listingConcurrency} at a time after the first). The wait's first status read comes ` +
      "a quarter second after the close (the default schedule, scenario 10), not in the floor. \"No latency\" is the same " +
      "run without the delay: the machine's own time for the work, which bounds the large files."
    ]
  } satisfies ScenarioReport
}, Effect.scoped)

/**
 * The moments, after a session is closed, at which the SDK's default ingestion schedule reads its status:
 * each read after the schedule's next delay, the first one included.
 *
 * @since 0.1.0
 */
export const defaultPollTimes = (polls: number): Effect.Effect<ReadonlyArray<number>> =>
  Effect.map(
    Schedule.run(Schedule.delays(Upload.defaultIngestionSchedule), 0, Array.from({ length: polls })),
    (delays) => {
      const times: Array<number> = []
      for (const delay of Chunk.toReadonlyArray(delays)) times.push((times.at(-1) ?? 0) + Duration.toMillis(delay))
      return times
    }
  )

/**
 * Scenario 10: on an emulator of its own that ingests each document in `ingestionDelayMs`, sessions of each
 * size are uploaded (one-byte documents from memory) and waited on by `Upload.files`; judged on how late
 * after the emulator's last ingestion the report came, and on how often the status was read.
 *
 * @since 0.1.0
 */
export const wait = Effect.fn("NetworkScenarios.wait")(function*(context: Context, concurrency: number) {
  const { ingestionDelayMs, runs, sessions } = context.plan.wait
  const { target } = context.emulator
  const emulator = yield* Emulator.start({
    compiled: context.runner.compiled,
    apiKey: target.apiKey,
    workspace: target.workspace,
    userAgent: target.userAgent,
    maxFilesPerSession: Math.max(...sessions),
    ingestionDelayMs
  })
  const measured = sessions.map(() =>
    [] as Array<{ ingestionMs: number; lateMs: number; waitMs: number; polls: number; pages: number }>
  )
  for (let round = 0; round < runs; round++) {
    for (const [index, files] of sessions.entries()) {
      const run = yield* runWith(context, emulator, 0, {
        _tag: "UploadWait",
        files,
        concurrency,
        warmupDir: "",
        warmupFiles: 0
      })
      const [session] = yield* emulator.sessions
      const { endedAtMs } = run.result
      if (session?.endedAt === undefined || session.ingestedAt === undefined || endedAtMs === undefined) {
        return yield* Effect.dieMessage(`the wait of ${files} files left no closed session or no end time`)
      }
      measured[index]!.push({
        ingestionMs: session.ingestedAt - session.endedAt,
        lateMs: endedAtMs - session.ingestedAt,
        waitMs: endedAtMs - session.endedAt,
        polls: count(run, "getStatus"),
        pages: count(run, "getFiles")
      })
    }
  }
  const rows = sessions.map((files, index) => {
    const runs = measured[index]!
    const ingestionMs = median(runs.map((r) => r.ingestionMs))
    const allowedMs = Math.max(1000, ingestionMs / 10)
    const lateMs = median(runs.map((r) => r.lateMs))
    const polls = median(runs.map((r) => r.polls))
    const waitMs = median(runs.map((r) => r.waitMs))
    // One status read per second of waiting, and one more.
    const allowedPolls = 1 + waitMs / 1000
    return {
      files,
      runs,
      ingestionMs,
      allowedMs,
      lateMs,
      polls,
      waitMs,
      allowedPolls,
      pages: median(runs.map((r) => r.pages))
    }
  })
  const met = rows.every((row) => row.lateMs <= row.allowedMs && row.polls <= row.allowedPolls)
  const pollTimes = yield* defaultPollTimes(12)
  return {
    id: 10,
    title: `the wait: report after the last ingestion, sessions of ${
      sessions.map((n) => n.toLocaleString("en-US")).join(", ")
    } files`,
    goal: "the report ≤ max(1 s, 10 % of the ingestion time) after the last ingestion; ≤ 1 status read a second",
    verdict: judge(context.plan, met),
    judgement: rows.map((row) =>
      `${row.files.toLocaleString("en-US")}: ${formatNumber(row.lateMs)} ms late (allowed ${
        formatNumber(row.allowedMs)
      }), ${row.polls} reads`
    ).join("; "),
    metrics: [...rows].reverse().map((row) =>
      metric(
        `${row.files.toLocaleString("en-US")} files: report after the last ingestion`,
        "ms",
        row.runs.map((r) => r.lateMs),
        undefined
      )
    ),
    table: {
      header: [
        "files",
        "ingestion (ms)",
        "report after it (ms, median)",
        "allowed (ms)",
        "status reads",
        "allowed (1 + 1/s)",
        "getFiles pages",
        "close to report (ms)"
      ],
      rows: rows.map((row) => [
        row.files.toLocaleString("en-US"),
        formatNumber(row.ingestionMs),
        formatNumber(row.lateMs),
        formatNumber(row.allowedMs),
        formatNumber(row.polls),
        formatNumber(row.allowedPolls),
        formatNumber(row.pages),
        formatNumber(row.waitMs)
      ])
    },
    notes: [
      `The emulator of this scenario ingests one document every ${ingestionDelayMs} ms from the session's close ` +
      "(one at a time, as without parallel processing) and tells when its last one settled (`ingestedAt` of " +
      "`/_emulator/sessions`); each run is a fresh worker that uploads one-byte documents from memory with " +
      "`Upload.files` at the default concurrency and `wait: true`, and notes when the report came back " +
      "(both clocks are this machine's `Date.now()`). Status reads and pages are counted in the emulator's log.",
      `The SDK's default schedule (\`Upload.defaultIngestionSchedule\`) reads the status at ${
        pollTimes.map((ms) => formatNumber(ms / 1000)).join(", ")
      } s after the wait starts (and on): an ingestion that ends just after a read is seen only at the next ` +
      "one, so the gap between two reads is how late the report can be, and the listing of every file's state " +
      `(\`getFiles\`, ${maxPageSize} a page, ${listingConcurrency} pages at a time after the first) comes on top.`
    ]
  } satisfies ScenarioReport
}, Effect.scoped)
