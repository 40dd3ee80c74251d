/**
 * The report of a bench run: the model, its markdown (`BENCHMARKS.md`) and its JSON (beside it).
 *
 * @since 0.1.0
 */
import type { Machine } from "./Machine.js"
import type { Summary } from "./Stats.js"

/**
 * One measured quantity of a scenario, for both clients.
 *
 * @since 0.1.0
 */
export interface Metric {
  readonly name: string
  readonly unit: "ms" | "s" | "files/s" | "MiB/s" | "MiB"
  readonly sdk: Summary
  readonly baseline: Summary | undefined
  /** SDK median / baseline median. */
  readonly ratio: number | undefined
  /** The least the work costs, as the scenario's `floor` names it (the platform's, the network's). */
  readonly floor?: Summary | undefined
  /** SDK median / floor median. */
  readonly floorRatio?: number | undefined
}

/**
 * @since 0.1.0
 */
export type Verdict = "met" | "missed" | "not judged" | "reported"

/**
 * One scenario's outcome. The first metric is its headline.
 *
 * @since 0.1.0
 */
export interface ScenarioReport {
  readonly id: number
  readonly title: string
  readonly goal: string
  readonly verdict: Verdict
  /** How the verdict was reached, e.g. `ratio 1.04 ≤ 1.10`. */
  readonly judgement: string
  readonly metrics: ReadonlyArray<Metric>
  /** What the metrics' `floor` is, e.g. `platform floor`; set when they have one. */
  readonly floor?: string | undefined
  /** An extra table (the concurrency sweep). */
  readonly table?: { readonly header: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<string>> }
  /** More tables, after `table` (scenario 9's concurrency sweep). */
  readonly tables?: ReadonlyArray<
    { readonly header: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<string>> }
  >
  readonly notes: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 */
export interface Report {
  readonly mode: "full" | "smoke"
  readonly machine: Machine
  readonly startedAt: string
  readonly durationSeconds: number
  readonly runs: number
  readonly warmupPairs: number
  /** Whether the machine was quiet enough (1-minute load below 0.5) at the start and the end. */
  readonly quiet: boolean
  readonly loadAverageAtEnd: ReadonlyArray<number>
  readonly scenarios: ReadonlyArray<ScenarioReport>
  /** Hand-written findings about the SDK's hot path (`bench/FINDINGS.md`), quoted verbatim. */
  readonly findings: string | undefined
}

/**
 * A number for a table: three significant digits, thousands grouped.
 *
 * @since 0.1.0
 */
export const formatNumber = (value: number): string => {
  if (!Number.isFinite(value)) return "–"
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/**
 * A difference with its sign: `+3.20`, `−0.04`.
 *
 * @since 0.1.0
 */
export const formatDelta = (value: number): string => `${value < 0 ? "−" : "+"}${formatNumber(Math.abs(value))}`

const formatValue = (value: number, unit: Metric["unit"]): string => `${formatNumber(value)} ${unit}`

const formatRatio = (ratio: number | undefined): string => ratio === undefined ? "–" : ratio.toFixed(3)

const range = (summary: Summary, unit: Metric["unit"]): string =>
  `${formatValue(summary.median, unit)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`

const verdictText = (verdict: Verdict): string =>
  verdict === "met" ? "**met**" : verdict === "missed" ? "**missed**" : verdict

const row = (cells: ReadonlyArray<string>): string =>
  `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => [
  row(header),
  row(header.map(() => "---")),
  ...rows.map(row)
]

/**
 * The headline table: one line per scenario.
 *
 * @since 0.1.0
 */
export const headline = (report: Report): Array<string> =>
  table(
    [
      "#",
      "scenario",
      "SDK (median)",
      "floor (median)",
      "SDK / floor",
      "baseline (median)",
      "SDK / baseline",
      "goal",
      "result"
    ],
    report.scenarios.map((scenario) => {
      const metric = scenario.metrics[0]
      return [
        String(scenario.id),
        scenario.title,
        metric === undefined ? "–" : formatValue(metric.sdk.median, metric.unit),
        metric?.floor === undefined
          ? "–"
          : `${formatValue(metric.floor.median, metric.unit)} (${scenario.floor ?? "floor"})`,
        formatRatio(metric?.floorRatio),
        metric?.baseline === undefined ? "–" : formatValue(metric.baseline.median, metric.unit),
        formatRatio(metric?.ratio),
        scenario.goal,
        `${verdictText(scenario.verdict)}${scenario.judgement === "" ? "" : ` (${scenario.judgement})`}`
      ]
    })
  )

/**
 * `BENCHMARKS.md`.
 *
 * @since 0.1.0
 */
export const markdown = (report: Report): string => {
  const { machine } = report
  const lines: Array<string> = [
    "# Benchmarks",
    "",
    "The SDK (`@effect-deepset/sdk` on `NodeHttpClient.layerUndici`, default retry policy and timeout) against a",
    "hand-written `undici` baseline that sends the same requests with the same headers, parses JSON without",
    "validation and builds the same multipart bodies. Both talk to the emulator, which runs in its own process",
    "with ingestion delay 0 and no faults. Every run is a fresh `node` process (compiled JavaScript, no loader),",
    "which warms up inside the process before its timed part; peak RSS is that process's",
    "`process.resourceUsage().maxRSS`. Ratios are SDK median / baseline median: below 1 for times means the SDK",
    "is faster, above 1 for rates means it is faster.",
    "",
    "Scenarios 1, 2 and 4 also run the same work as a bare `@effect/platform` program (`bench/PlatformTasks.ts`:",
    "the same client layer, requests, headers and `Schema` decode, one fiber, tracing as the SDK has it), taking",
    "turns with the SDK and the baseline: their goal is the SDK's client CPU against that platform floor, and the",
    "baseline is the reference. Scenarios 9 and 10 run the SDK alone, against the network's floor (latency",
    "injected by the emulator) and against the moment the emulator finished ingesting.",
    "",
    `Generated by \`pnpm bench${report.mode === "smoke" ? " --smoke" : ""}\` on ${report.startedAt} in ` +
    `${Math.round(report.durationSeconds)} s; ${report.runs} measured run(s) per client and scenario after ` +
    `${report.warmupPairs} discarded warm-up pair(s), SDK and baseline alternating.`,
    "",
    `**Machine:** ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
    `${machine.platform}. Load average at start ${machine.loadAverage.join(" / ")}, at end ` +
    `${report.loadAverageAtEnd.join(" / ")}.`,
    ""
  ]
  if (report.mode === "smoke") {
    lines.push("> Smoke run: tiny sizes, one run each; nothing here is judged or meant as a number.", "")
  } else if (!report.quiet) {
    lines.push(
      "> The machine was busy (1-minute load average at or above 0.5) during this run: the numbers are noisy,",
      "> and a final run on a quiet machine is pending.",
      ""
    )
  }
  lines.push(...headline(report), "")
  for (const scenario of report.scenarios) {
    lines.push(
      `## ${scenario.id}. ${scenario.title}`,
      "",
      `Goal: ${scenario.goal}. Result: ${verdictText(scenario.verdict)}`
    )
    if (scenario.judgement !== "") lines[lines.length - 1] += ` (${scenario.judgement})`
    lines[lines.length - 1] += "."
    lines.push("")
    if (scenario.metrics.length > 0) {
      const floor = scenario.floor
      lines.push(
        ...table(
          [
            "metric",
            "SDK median (min–max)",
            ...(floor === undefined ? [] : [`${floor} median (min–max)`, `SDK / ${floor}`]),
            "baseline median (min–max)",
            "SDK / baseline"
          ],
          scenario.metrics.map((metric) => [
            metric.name,
            range(metric.sdk, metric.unit),
            ...(floor === undefined ? [] : [
              metric.floor === undefined ? "–" : range(metric.floor, metric.unit),
              formatRatio(metric.floorRatio)
            ]),
            metric.baseline === undefined ? "–" : range(metric.baseline, metric.unit),
            formatRatio(metric.ratio)
          ])
        ),
        ""
      )
    }
    for (const extra of [scenario.table, ...(scenario.tables ?? [])]) {
      if (extra !== undefined) lines.push(...table(extra.header, extra.rows), "")
    }
    for (const note of scenario.notes) lines.push(note, "")
  }
  if (report.findings !== undefined) lines.push(report.findings.trim(), "")
  return lines.join("\n")
}

/**
 * `BENCHMARKS.json`: the report with every sample.
 *
 * @since 0.1.0
 */
export const json = (report: Report): string => `${JSON.stringify(report, null, 2)}\n`
