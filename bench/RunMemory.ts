/**
 * Scenario 12, memory bounded by concurrency (issue 13): the bundled `deepset-upload --json-lines` uploads
 * folders of empty files (10 000 and 100 000; 1 000 000 with `pnpm bench --only 12 --big`) to the bench's
 * emulator, one process per size; its peak RSS, taken as scenario 11 takes it, and the growth per file
 * between sizes. `--json` at the smallest size shows what holding the whole report costs. Goal: the growth
 * is the report's share at most, ≤ 1 KiB per file, so that a million files fit in a few hundred MB. Not
 * judged: the time from the spawn to the first API request of each size's run (scenario 8's recording
 * proxy): the CLI's start and its listing of the folder, what a user waits on a big folder before anything
 * is sent.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { join } from "node:path"
import { BenchError } from "./BenchError.js"
import { cliEnv, type Usage, usageRunner } from "./CliShare.js"
import { bundle, now, recordingProxy } from "./CliStart.js"
import * as Data from "./Data.js"
import type { ScenarioReport } from "./Report.js"
import { formatNumber } from "./Report.js"
import type { Context } from "./Scenarios.js"
import { judge, metric } from "./Scenarios.js"

/**
 * The goal: bytes of peak RSS per file between the sizes.
 *
 * @since 0.1.0
 */
export const goalBytesPerFile = 1024

/**
 * Runs scenario 12; `big`: also the opt-in size.
 *
 * @since 0.1.0
 */
export const runMemory = Effect.fn("RunMemory.runMemory")(
  function*(context: Context, root: string, scratch: string, big: boolean) {
    const { bigSize, sizes: planned } = context.plan.runMemory
    const sizes = big ? [...planned, bigSize] : planned
    const dir = join(scratch, "run-memory")
    const bin = yield* bundle(root, join(dir, "cli"))
    const run = usageRunner(join(dir, "usage"))
    // Separate runs that collect their garbage every second: what the process holds, not what V8 lets grow.
    const sampled = usageRunner(join(dir, "usage-live"), 1000)
    const env = cliEnv(context)
    const onReset = <A, E>(use: Effect.Effect<A, E>) =>
      Effect.acquireUseRelease(context.emulator.reset, () => use, () => Effect.ignore(context.emulator.reset))
    const upload = (folder: string, format: "--json-lines" | "--json", live = false) =>
      onReset((live ? sampled : run)([bin, folder, "--no-journal", format], env))
    // The measured run's API calls pass through scenario 8's proxy, in this process (the CLI's peak RSS is
    // its own): spawn to the first request is the listing of the folder. The S3 uploads bypass it.
    const uploadTimed = (folder: string) =>
      onReset(Effect.scoped(Effect.gen(function*() {
        const proxy = yield* recordingProxy(context.emulator.target.baseUrl)
        const started = now()
        const usage = yield* run([bin, folder, "--no-journal", "--json-lines"], { ...env, DEEPSET_API_URL: proxy.url })
        const first = proxy.first()
        if (first === undefined) {
          return yield* new BenchError({ step: "CLI upload through the proxy", detail: "no API request" })
        }
        return { usage, firstRequestMs: first - started, requests: proxy.requests() }
      })))
    const rows: Array<{
      readonly files: number
      readonly format: string
      readonly usage: Usage
      readonly firstRequestMs?: number
      readonly requests?: number
    }> = []
    const live: Array<{ readonly files: number; readonly usage: Usage }> = []
    for (const [i, size] of sizes.entries()) {
      // One folder at a time: a million empty files is a lot of inodes.
      yield* Effect.scoped(Effect.gen(function*() {
        const folder = yield* Data.fileSet(join(dir, `files-${size}`), size, 0)
        rows.push({ files: size, format: "--json-lines", ...yield* uploadTimed(folder.dir) })
        if (i === 0) rows.push({ files: size, format: "--json", usage: yield* upload(folder.dir, "--json") })
        live.push({ files: size, usage: yield* upload(folder.dir, "--json-lines", true) })
      }))
    }
    const lines = rows.filter((row) => row.format === "--json-lines")
    const growth = (row: (typeof lines)[number], before: (typeof lines)[number] | undefined) =>
      before === undefined
        ? Number.NaN
        : (row.usage.maxRssMiB - before.usage.maxRssMiB) * 1024 * 1024 / (row.files - before.files)
    const first = lines[0]
    const last = lines[lines.length - 1]
    const perFile = first !== undefined && last !== undefined && last !== first ? growth(last, first) : Number.NaN
    const liveFirst = live[0]?.usage.liveHeapMiB ?? Number.NaN
    const liveLast = live[live.length - 1]?.usage.liveHeapMiB ?? Number.NaN
    const livePerFile = live.length < 2
      ? Number.NaN
      : (liveLast - liveFirst) * 1024 * 1024 / (live[live.length - 1]!.files - live[0]!.files)
    const asJson = rows.find((row) => row.format === "--json")
    const report = asJson === undefined || first === undefined
      ? Number.NaN
      : (asJson.usage.maxRssMiB - first.usage.maxRssMiB) * 1024 * 1024 / first.files
    return {
      id: 12,
      title: `Memory of a CLI run by number of files: ${
        sizes.map((n) => n.toLocaleString("en-US")).join(", ")
      } empty files`,
      goal: `peak RSS growth ≤ ${goalBytesPerFile} B per file (--json-lines)`,
      verdict: judge(context.plan, perFile <= goalBytesPerFile),
      judgement: `${formatNumber(perFile)} B per file from ${first?.files.toLocaleString("en-US")} to ${
        last?.files.toLocaleString("en-US")
      } files (live heap ${formatNumber(livePerFile)} B per file); --json holds ${
        formatNumber(report)
      } B more per file`,
      metrics: [
        ...lines.map((row) =>
          metric(
            `peak RSS, ${row.files.toLocaleString("en-US")} files, --json-lines`,
            "MiB",
            [row.usage.maxRssMiB],
            undefined
          )
        ),
        ...lines.map((row) =>
          metric(
            `start to the first API request, ${row.files.toLocaleString("en-US")} files`,
            "s",
            [(row.firstRequestMs ?? Number.NaN) / 1000],
            undefined
          )
        ),
        ...live.map((row) =>
          metric(
            `largest live heap (after a forced GC, every second), ${row.files.toLocaleString("en-US")} files`,
            "MiB",
            [row.usage.liveHeapMiB ?? Number.NaN],
            undefined
          )
        )
      ],
      table: {
        header: [
          "files",
          "output",
          "peak RSS (MiB)",
          "growth per file since the size before (B)",
          "CPU (s)",
          "CPU per file (µs)",
          "wall (s)",
          "start to the first API request (s)"
        ],
        rows: rows.map((row) => {
          const index = lines.indexOf(row)
          return [
            row.files.toLocaleString("en-US"),
            row.format,
            formatNumber(row.usage.maxRssMiB),
            index > 0 ? formatNumber(growth(row, lines[index - 1])) : "–",
            formatNumber(row.usage.cpuMs / 1000),
            formatNumber(row.usage.cpuMs * 1000 / row.files),
            formatNumber(row.usage.wallMs / 1000),
            row.firstRequestMs === undefined ? "–" : formatNumber(row.firstRequestMs / 1000)
          ]
        })
      },
      notes: [
        "One run of the bundled CLI per size (`<folder> --no-journal --json-lines`, stdout to a pipe that " +
        "discards it), against the bench's emulator, reset before and after; peak RSS is the process's own " +
        "`resourceUsage().maxRSS` at its exit (scenario 11's preload). The SDK's 10 000 files per session " +
        "apply: 10 sessions at 100 000 files. The live heap comes from a second `--json-lines` run per size " +
        "that forces a full collection every second (`node --expose-gc`) and notes the heap left: the data the " +
        "run holds, against which the peak RSS shows how far V8 lets its heap grow ahead of it. The 1 000 000-file size runs only with " +
        "`pnpm bench --only 12 --big` (not in the full plan).",
        "Not judged: the `--json-lines` run's API requests go through scenario 8's recording proxy (in the " +
        "bench process, so not in the CLI's peak RSS; the S3 uploads go straight to the emulator), which " +
        "notes when the first arrives: from the spawn to it, the CLI starts (scenario 8's figure for one file) " +
        "and lists the folder. It forwarded " +
        `${
          lines.map((row) => `${row.requests ?? 0} requests at ${row.files.toLocaleString("en-US")} files`).join(", ")
        }.`
      ]
    } satisfies ScenarioReport
  }
)
