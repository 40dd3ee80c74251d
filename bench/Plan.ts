/**
 * The sizes and repetitions of a bench run: the full plan the issue sets, and the smoke plan CI runs so
 * that the benchmarks never rot (tiny sizes, one run, no goals judged).
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export interface Plan {
  readonly mode: "full" | "smoke"
  /** Measured SDK/baseline pairs per scenario. */
  readonly runs: number
  /** Discarded pairs before them. */
  readonly warmupPairs: number
  readonly getStatus: { readonly count: number; readonly warmup: number }
  readonly stream: {
    readonly pageSize: number
    readonly files: number
    readonly largeFiles: number
    readonly warmupFiles: number
  }
  /**
   * Scenario 4. Upload runs are long and every worker warms up in its own process (its first
   * `warmupFiles` files go to a session of their own), so they skip the discarded pair.
   */
  readonly upload: {
    readonly files: number
    readonly fileBytes: number
    readonly concurrency: number
    readonly warmupFiles: number
    readonly warmupPairs: number
  }
  readonly largeUpload: { readonly bytes: number; readonly runs: number; readonly warmupPairs: number }
  readonly sweep: {
    readonly concurrencies: ReadonlyArray<number>
    readonly files: number
    readonly runs: number
  }
  /**
   * Scenario 9: `Upload.files` waited to ingestion with the emulator's `delay` on every request, for each
   * latency and file set, and a concurrency sweep at the first latency.
   */
  readonly latency: {
    readonly latenciesMs: ReadonlyArray<number>
    readonly sets: ReadonlyArray<{ readonly files: number; readonly fileBytes: number }>
    readonly runs: number
    readonly warmupFiles: number
    readonly sweep: { readonly concurrencies: ReadonlyArray<number>; readonly runs: number }
  }
  /** Scenario 10: sessions of these sizes uploaded and waited on, each document ingested in `ingestionDelayMs`. */
  readonly wait: { readonly sessions: ReadonlyArray<number>; readonly ingestionDelayMs: number; readonly runs: number }
  readonly coldStart: { readonly runs: number }
  /** Scenario 8: rounds of `node -e 0`, `--version`, `--help` and a one-file upload by the bundled CLI. */
  readonly cliStart: { readonly runs: number }
  /** Scenario 11: rounds of the bundled CLI and `Upload.files` on `files` files, and on one. */
  readonly cliShare: { readonly files: number; readonly fileBytes: number; readonly runs: number }
  /** Scenario 12: one `--json-lines` run of the bundled CLI per size (empty files); `bigSize` with `--big`. */
  readonly runMemory: { readonly sizes: ReadonlyArray<number>; readonly bigSize: number }
}

const KiB = 1024
const MiB = 1024 * KiB

/**
 * What the issue asks for, sized to finish in under ten minutes on two cores. Every worker warms up
 * in its own process on a thousand calls or files before its timed part, so that both clients are
 * measured with their hot paths compiled (a cold SDK worker spends twice the CPU per file).
 *
 * @since 0.1.0
 */
export const full: Plan = {
  mode: "full",
  runs: 5,
  warmupPairs: 1,
  getStatus: { count: 2_000, warmup: 1_000 },
  stream: { pageSize: 100, files: 10_000, largeFiles: 100_000, warmupFiles: 2_000 },
  upload: { files: 2_000, fileBytes: 4 * KiB, concurrency: 16, warmupFiles: 1_000, warmupPairs: 0 },
  largeUpload: { bytes: 1024 * MiB, runs: 5, warmupPairs: 0 },
  sweep: { concurrencies: [1, 4, 8, 16, 32, 64], files: 2_000, runs: 3 },
  latency: {
    latenciesMs: [20, 100],
    sets: [{ files: 2_000, fileBytes: 4 * KiB }, { files: 50, fileBytes: 2 * MiB }],
    runs: 2,
    warmupFiles: 200,
    sweep: { concurrencies: [8, 16, 32, 64], runs: 2 }
  },
  wait: { sessions: [10, 1_000, 10_000], ingestionDelayMs: 2, runs: 2 },
  coldStart: { runs: 7 },
  cliStart: { runs: 10 },
  cliShare: { files: 2_000, fileBytes: 4 * KiB, runs: 3 },
  runMemory: { sizes: [10_000, 100_000], bigSize: 1_000_000 }
}

/**
 * Tiny sizes and one run, for CI: it proves every scenario still runs end to end, and judges nothing.
 *
 * @since 0.1.0
 */
export const smoke: Plan = {
  mode: "smoke",
  runs: 1,
  warmupPairs: 0,
  getStatus: { count: 20, warmup: 2 },
  stream: { pageSize: 10, files: 50, largeFiles: 120, warmupFiles: 10 },
  upload: { files: 20, fileBytes: 4 * KiB, concurrency: 4, warmupFiles: 2, warmupPairs: 0 },
  largeUpload: { bytes: 2 * MiB, runs: 1, warmupPairs: 0 },
  sweep: { concurrencies: [1, 4], files: 10, runs: 1 },
  latency: {
    latenciesMs: [20],
    sets: [{ files: 20, fileBytes: 4 * KiB }, { files: 2, fileBytes: 64 * KiB }],
    runs: 1,
    warmupFiles: 0,
    sweep: { concurrencies: [4, 8], runs: 1 }
  },
  wait: { sessions: [3, 20], ingestionDelayMs: 2, runs: 1 },
  coldStart: { runs: 1 },
  cliStart: { runs: 1 },
  cliShare: { files: 20, fileBytes: 4 * KiB, runs: 1 },
  runMemory: { sizes: [50, 200], bigSize: 1_000 }
}

/**
 * A plan with `runs` measured pairs everywhere and no warm-up pair, for profiling a scenario.
 *
 * @since 0.1.0
 */
export const withRuns = (plan: Plan, runs: number): Plan => ({
  ...plan,
  runs,
  warmupPairs: 0,
  upload: { ...plan.upload, warmupPairs: 0 },
  largeUpload: { ...plan.largeUpload, runs, warmupPairs: 0 },
  sweep: { ...plan.sweep, runs },
  latency: { ...plan.latency, runs, sweep: { ...plan.latency.sweep, runs } },
  wait: { ...plan.wait, runs },
  coldStart: { runs },
  cliStart: { runs },
  cliShare: { ...plan.cliShare, runs }
})
