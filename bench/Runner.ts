/**
 * Runs one measured workload in a fresh worker process and reads its result: one process per run, so
 * that each run's peak resident set is its own and neither client inherits the other's heap or JIT.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { BenchError } from "./BenchError.js"
import type { Compiled } from "./Compile.js"
import type { Task } from "./Task.js"
import { resultMarker } from "./Task.js"

/**
 * A worker's result, as decoded from its output.
 *
 * @since 0.1.0
 */
export class Result extends Schema.Class<Result>("Result")({
  elapsedMs: Schema.Number,
  cpuMs: Schema.Number,
  items: Schema.Number,
  rssBeforeBytes: Schema.Number,
  maxRssBytes: Schema.Number,
  endedAtMs: Schema.optional(Schema.Number)
}) {}

const decodeResult = Schema.decodeUnknown(Schema.parseJson(Result))

/**
 * How to run workers.
 *
 * @since 0.1.0
 */
export interface RunnerOptions {
  readonly compiled: Compiled
  /** When set, each worker writes a V8 CPU profile into this directory. */
  readonly cpuProfileDir?: string | undefined
  /** When set, each worker writes a heap snapshot into this directory at the end of its timed part. */
  readonly heapSnapshotDir?: string | undefined
}

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.runFold("", (all, chunk) => all + chunk))

/**
 * Runs a compiled bench script in a new `node` process with one argument, and decodes the marked result
 * line it prints.
 *
 * @since 0.1.0
 */
export const runScript = Effect.fn("Runner.runScript")(function*(
  options: RunnerOptions,
  script: string,
  argument: string,
  label: string
) {
  const flags = options.cpuProfileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir]
  const command = Command.make(process.execPath, ...flags, options.compiled.script(script), argument).pipe(
    Command.env(options.heapSnapshotDir === undefined ? {} : { BENCH_HEAP_SNAPSHOT: options.heapSnapshotDir })
  )
  const { exitCode, stderr, stdout } = yield* Effect.scoped(
    Effect.gen(function*() {
      const proc = yield* Command.start(command)
      const [stdout, stderr] = yield* Effect.all([collect(proc.stdout), collect(proc.stderr)], { concurrency: 2 })
      return { stdout, stderr, exitCode: yield* proc.exitCode }
    })
  ).pipe(Effect.mapError((error) => new BenchError({ step: label, detail: String(error) })))
  const line = stdout.split("\n").find((l) => l.startsWith(resultMarker))
  if (exitCode !== 0 || line === undefined) {
    return yield* new BenchError({
      step: label,
      detail: `exit code ${exitCode}: ${(stderr || stdout).trim().slice(-2000)}`
    })
  }
  return yield* decodeResult(line.slice(resultMarker.length)).pipe(
    Effect.mapError((error) => new BenchError({ step: `${label} result`, detail: error.message }))
  )
})

/**
 * Runs one task in a worker process.
 *
 * @since 0.1.0
 */
export const runWorker = (options: RunnerOptions, task: Task) =>
  runScript(options, "worker", JSON.stringify(task), `worker ${task.client} ${task.workload._tag}`)

/**
 * How one scenario alternates its clients.
 *
 * @since 0.1.0
 */
export interface Alternation<E, R> {
  /** Measured pairs, after `warmup` discarded pairs. */
  readonly runs: number
  readonly warmup: number
  /** The task of one client's run. */
  readonly task: (client: Task["client"]) => Effect.Effect<Task, E, R>
  /** What to do before every run, e.g. reset the emulator. */
  readonly between?: Effect.Effect<void, E, R> | undefined
  /** How to run a task; a worker process by default. */
  readonly run?: ((task: Task) => Effect.Effect<Result, BenchError, CommandExecutor.CommandExecutor>) | undefined
}

/**
 * The measurements of one scenario: `runs` pairs after `warmup` discarded pairs, SDK and baseline in
 * alternating order (SDK first in even pairs, baseline first in odd ones) so that a drift of the machine
 * falls on both alike.
 *
 * @since 0.1.0
 */
export const alternate = <E, R>(options: RunnerOptions, alternation: Alternation<E, R>) =>
  Effect.gen(function*() {
    const run = alternation.run ?? ((task: Task) => runWorker(options, task))
    const sdk: Array<Result> = []
    const baseline: Array<Result> = []
    for (let pair = 0; pair < alternation.warmup + alternation.runs; pair++) {
      const order: ReadonlyArray<Task["client"]> = pair % 2 === 0 ? ["sdk", "baseline"] : ["baseline", "sdk"]
      for (const client of order) {
        if (alternation.between !== undefined) yield* alternation.between
        const result = yield* run(yield* alternation.task(client))
        if (pair >= alternation.warmup) (client === "sdk" ? sdk : baseline).push(result)
      }
    }
    return { sdk, baseline }
  }).pipe(Effect.withSpan("Runner.alternate"))
