/**
 * Scenario 8, the CLI's start: the bundled `deepset-upload` (`packages/cli/bundle.mjs`, built afresh into
 * the run's scratch folder) runs `--version`, `--help` and a usage error (not judged) in a new `node` process
 * each time, beside a bare `node -e 0`; and an upload of one file to the bench's emulator, timed from the
 * command's start to its first request reaching the API (through a recording proxy in this process). Goals of
 * issue 15:
 * `--version` and `--help` within 4× a bare node, the first request within 500 ms.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { spawn, spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { BenchError } from "./BenchError.js"
import type { ScenarioReport } from "./Report.js"
import { formatNumber } from "./Report.js"
import type { Context } from "./Scenarios.js"
import { judge, metric } from "./Scenarios.js"

/**
 * The goals: start within this multiple of a bare node, first request within these milliseconds.
 *
 * @since 0.1.0
 */
export const goals = { ratio: 4, firstRequestMs: 500 } as const

/**
 * Wall-clock milliseconds, on the clock of {@link recordingProxy}'s `first`.
 *
 * @since 0.1.0
 */
export const now = (): number => performance.timeOrigin + performance.now()

/**
 * Bundles the CLI as `pnpm build` does, into `dir/bundle`, with its package.json beside (for `--version`);
 * returns the path of its `bin.js`.
 *
 * @since 0.1.0
 */
export const bundle = (root: string, dir: string) =>
  Effect.try({
    try: () => {
      mkdirSync(dir, { recursive: true })
      copyFileSync(join(root, "packages/cli/package.json"), join(dir, "package.json"))
      const built = spawnSync(process.execPath, [join(root, "packages/cli/bundle.mjs"), join(dir, "bundle")], {
        cwd: root,
        encoding: "utf8"
      })
      if (built.status !== 0) throw new Error(built.stderr)
      return join(dir, "bundle", "bin.js")
    },
    catch: (cause) => new BenchError({ step: "bundle the CLI", detail: String(cause) })
  })

/** Wall time of one process from spawn to exit; fails on another exit code than `expected`. */
const timed = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env, expected = 0) =>
  Effect.try({
    try: () => {
      const started = now()
      const result = spawnSync(process.execPath, args, { env, encoding: "utf8" })
      const elapsed = now() - started
      if (result.status !== expected) throw new Error(`exit ${result.status}: ${result.stderr.slice(0, 500)}`)
      return elapsed
    },
    catch: (cause) => new BenchError({ step: `node ${args.join(" ")}`, detail: String(cause) })
  })

/**
 * A proxy to the API, in this process, that notes when the first request arrives ({@link now}) and counts
 * them; it forwards every request. Only API calls pass through it: the S3 uploads go to the URLs the API
 * hands out. Closed with the scope.
 *
 * @since 0.1.0
 */
export const recordingProxy = (target: string) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly first: () => number | undefined
      readonly requests: () => number
      readonly server: Http.Server
    }>(
      (resume) => {
        let first: number | undefined
        let requests = 0
        const upstream = new URL(target)
        const server = Http.createServer((request, response) => {
          first ??= now()
          requests++
          const forwarded = Http.request({
            host: upstream.hostname,
            port: upstream.port,
            path: request.url,
            method: request.method,
            headers: { ...request.headers, host: upstream.host }
          }, (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(response)
          })
          forwarded.on("error", () => response.destroy())
          request.pipe(forwarded)
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resume(
            Effect.succeed({ url: `http://127.0.0.1:${port}`, first: () => first, requests: () => requests, server })
          )
        })
      }
    ),
    ({ server }) => Effect.sync(() => server.close())
  )

/** One upload of one file through the proxy: milliseconds from spawn to the first request, and to the exit. */
const upload = (bin: string, folder: string, proxy: string, context: Context) =>
  Effect.scoped(Effect.gen(function*() {
    const recorder = yield* recordingProxy(proxy)
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DEEPSET_API_KEY: context.emulator.target.apiKey,
      DEEPSET_API_URL: recorder.url,
      DEEPSET_WORKSPACE: context.emulator.target.workspace
    }
    const started = now()
    const exit = yield* Effect.async<number>((resume) => {
      const child = spawn(process.execPath, [bin, folder, "--no-journal", "--json"], { env, stdio: "ignore" })
      child.on("exit", (code) => resume(Effect.succeed(code ?? 1)))
    })
    const ended = now()
    const first = recorder.first()
    if (exit !== 0 || first === undefined) {
      return yield* new BenchError({ step: "CLI upload", detail: `exit ${exit}, first request ${first}` })
    }
    return { firstRequest: first - started, total: ended - started }
  }))

/**
 * Runs scenario 8.
 *
 * @since 0.1.0
 */
export const cliStart = Effect.fn("CliStart.cliStart")(function*(context: Context, root: string, scratch: string) {
  const bin = yield* bundle(root, join(scratch, "cli"))
  const folder = join(scratch, "cli-upload")
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, "one.txt"), "one document\n")
  const runs = context.plan.cliStart.runs
  const bare: Array<number> = []
  const version: Array<number> = []
  const help: Array<number> = []
  const mistyped: Array<number> = []
  const firstRequest: Array<number> = []
  const total: Array<number> = []
  // One of each per round, alternated, so that a noisy moment hits all alike; a first round warms the disk cache.
  for (let round = -1; round < runs; round++) {
    const b = yield* timed(["-e", "0"])
    const v = yield* timed([bin, "--version"])
    const h = yield* timed([bin, "--help"], { ...process.env, NO_COLOR: "1" })
    // A usage error is answered by the CLI itself (the command tree, not the recorded help): exit code 2.
    const m = yield* timed([bin, folder, "--concurency", "4"], { ...process.env, NO_COLOR: "1" }, 2)
    const u = yield* upload(bin, folder, context.emulator.target.baseUrl, context)
    if (round < 0) continue
    bare.push(b)
    version.push(v)
    help.push(h)
    mistyped.push(m)
    firstRequest.push(u.firstRequest)
    total.push(u.total)
  }
  const versionMetric = metric("--version, process start to exit", "ms", version, bare)
  const helpMetric = metric("--help, process start to exit", "ms", help, bare)
  const firstMetric = metric("upload: start to the first API request", "ms", firstRequest, undefined)
  const met = (versionMetric.ratio ?? Infinity) <= goals.ratio && (helpMetric.ratio ?? Infinity) <= goals.ratio &&
    firstMetric.sdk.median <= goals.firstRequestMs
  return {
    id: 8,
    title: "CLI start: --version, --help, and an upload's first request",
    goal: `--version and --help ≤ ${goals.ratio}× node -e 0; first request ≤ ${goals.firstRequestMs} ms`,
    verdict: judge(context.plan, met),
    judgement: `--version ${formatNumber(versionMetric.ratio ?? Number.NaN)}×, --help ${
      formatNumber(helpMetric.ratio ?? Number.NaN)
    }× (node -e 0 ${formatNumber(versionMetric.baseline?.median ?? Number.NaN)} ms); first request ${
      formatNumber(firstMetric.sdk.median)
    } ms`,
    metrics: [
      versionMetric,
      helpMetric,
      metric("a usage error (--concurency 4), process start to exit", "ms", mistyped, bare),
      firstMetric,
      metric("upload of one file, start to exit", "ms", total, undefined)
    ],
    notes: [
      "The \"SDK\" column is the bundled CLI (`node bundle/bin.js`, built by `packages/cli/bundle.mjs` for the run), " +
      "the baseline a bare `node -e 0`; wall time from spawn to exit, one new process each, rounds alternated " +
      "after one discarded round. The upload sends one small file to the bench's emulator (`--no-journal " +
      "--json`), its API requests through a proxy in the bench process that notes the first one's arrival.",
      "`--help` is printed from the texts `bundle.mjs` recorded into `bin.js` (`HelpText`), without loading the " +
      "CLI; the usage error (not judged) loads the command tree, as every command but `--version` and help does."
    ]
  } satisfies ScenarioReport
})
