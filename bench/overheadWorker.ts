/**
 * The worker of `overhead.ts`: in one process, the SDK's `getStatus` loop (or `streamFiles` walk) of one
 * or more builds of the SDK beside the bare `@effect/platform` floor doing the same work, taking turns
 * round by round, each variant warm and run as one fiber loop per round (one `runPromise` per round, not
 * per call). Prints one marked JSON line with every round's CPU and wall time per call.
 *
 * The floor (issue 18): `HttpClient` on `NodeHttpClient.layerUndici` with the SDK's base URL and headers
 * mapped once, the same request, the status checked, `JSON.parse` and the same `Schema` decode
 * (`Models.SessionDetail` / `Models.SessionFilePage` of the current SDK), the tracer on as the SDK has it
 * (the platform's `http.client` span per request, trace headers propagated). A second floor adds what the
 * platform leaves to its users ("leave timeouts to Effect.timeout", `NodeHttpClient.layerUndici`): one
 * `Effect.timeoutFail` per request, the body read included, at the SDK's default timeout, so that the SDK's
 * share shows apart from the price of that idiom.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"
import type { Target } from "./Task.js"

/**
 * What the worker is asked to do.
 *
 * @since 0.1.0
 */
export interface OverheadTask {
  readonly target: Target
  readonly scenario: "getStatus" | "streamFiles"
  /** getStatus: the session to read. streamFiles: the seeded session to walk. */
  readonly sessionId: string
  readonly pageSize: number
  /** Calls per round (getStatus) or walks per round (streamFiles). */
  readonly count: number
  readonly warmup: number
  readonly rounds: number
  /** The SDK builds, by name: the directory holding the compiled `sdk/`. The first one gives the floor its `Models`. */
  readonly sdks: ReadonlyArray<{ readonly name: string; readonly dir: string }>
  /** Run only these variants (e.g. for a CPU profile of one). */
  readonly only?: ReadonlyArray<string> | undefined
}

// The default set: the floors and every build; the ablation of the first build only when asked by name.
const ablation = /, (no timeout|no retry|tracer off)$/

/**
 * The marker of the result line.
 *
 * @since 0.1.0
 */
export const overheadMarker = "OVERHEAD_RESULT "

interface Variant {
  readonly name: string
  /** One round: `count` calls or walks as one fiber; returns the number of items (calls or pages). */
  readonly round: (count: number) => Promise<number>
  readonly dispose: () => Promise<void>
}

const task: OverheadTask = JSON.parse(process.argv[2] ?? "")
const { target } = task
const headers = {
  authorization: `Bearer ${target.apiKey}`,
  accept: "application/json",
  "user-agent": target.userAgent
}
const apiBase = `${target.baseUrl}/api/v1`
const sessionPath = `/workspaces/${encodeURIComponent(target.workspace)}/upload_sessions/${
  encodeURIComponent(task.sessionId)
}`

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sdk = any
const load = (dir: string): Promise<Sdk> => import(pathToFileURL(`${dir}/sdk/index.js`).href)

// The SDK's default per-attempt timeout (`DeepsetClient`'s `timeout`).
const defaultTimeout = Duration.seconds(30)

const floor = (name: string, models: Sdk, tracer: boolean, timeout = false): Variant => {
  const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
  const client = runtime.runSync(HttpClient.HttpClient).pipe(
    HttpClient.mapRequestInput((request) =>
      HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, apiBase), headers)
    )
  )
  const decodeDetail = Schema.decodeUnknownEither(models.SessionDetail as Schema.Schema<unknown, unknown>)
  const decodePage = Schema.decodeUnknownEither(
    models.SessionFilePage as Schema.Schema<
      { readonly data: ReadonlyArray<{ readonly fileIngestionId: string }>; readonly hasMore: boolean },
      unknown
    >
  )
  const get = <A>(request: HttpClientRequest.HttpClientRequest, decode: (u: unknown) => Either.Either<A, unknown>) => {
    const attempt = Effect.flatMap(client.execute(request), (response) =>
      response.status !== 200
        ? Effect.die(`status ${response.status}`)
        : Effect.flatMap(response.text, (text) =>
          Either.match(decode(JSON.parse(text)), { onLeft: Effect.die, onRight: Effect.succeed })))
    return timeout
      ? Effect.timeoutFail(attempt, { duration: defaultTimeout, onTimeout: () => "timeout" as const })
      : attempt
  }
  const getStatus = (count: number) =>
    Effect.gen(function*() {
      for (let i = 0; i < count; i++) yield* get(HttpClientRequest.get(sessionPath), decodeDetail)
      return count
    })
  const walk = (count: number) =>
    Effect.gen(function*() {
      let pages = 0
      for (let i = 0; i < count; i++) {
        let after: string | undefined
        let files = 0
        while (true) {
          const request = HttpClientRequest.get(`${sessionPath}/files`, {
            urlParams: after === undefined ? { limit: task.pageSize } : { after, limit: task.pageSize }
          })
          const page = yield* get(request, decodePage)
          files += page.data.length
          if (!page.hasMore || page.data.length === 0) break
          after = page.data[page.data.length - 1]!.fileIngestionId
        }
        pages += Math.max(1, Math.ceil(files / task.pageSize))
      }
      return pages
    })
  const program = task.scenario === "getStatus" ? getStatus : walk
  return {
    name,
    round: (count) => runtime.runPromise(Effect.withTracerEnabled(program(count), tracer)),
    dispose: () => runtime.dispose()
  }
}

const sdkVariant = (name: string, sdk: Sdk, options: Record<string, unknown> = {}, tracer = true): Variant => {
  const runtime = ManagedRuntime.make(
    (sdk.DeepsetClient.layer({
      apiKey: Redacted.make(target.apiKey),
      baseUrl: target.baseUrl,
      workspace: target.workspace,
      userAgent: target.userAgent,
      ...options
    }) as Layer.Layer<unknown, unknown, HttpClient.HttpClient>).pipe(Layer.provide(NodeHttpClient.layerUndici))
  )
  const getStatus = (count: number) =>
    Effect.gen(function*() {
      for (let i = 0; i < count; i++) yield* sdk.UploadSessions.getStatus({ sessionId: task.sessionId })
      return count
    })
  const walk = (count: number) =>
    Effect.gen(function*() {
      let pages = 0
      for (let i = 0; i < count; i++) {
        const files: number = yield* Stream.runCount(
          sdk.UploadSessions.streamFiles({ sessionId: task.sessionId, pageSize: task.pageSize })
        )
        pages += Math.max(1, Math.ceil(files / task.pageSize))
      }
      return pages
    })
  const program = task.scenario === "getStatus" ? getStatus : walk
  return {
    name,
    round: (count) =>
      runtime.runPromise(Effect.withTracerEnabled(program(count) as Effect.Effect<number, unknown, never>, tracer)),
    dispose: () => runtime.dispose()
  }
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const main = async () => {
  const sdks = await Promise.all(task.sdks.map(async ({ dir, name }) => ({ name, sdk: await load(dir) })))
  const models = sdks[0]!.sdk.Models
  const all: Array<Variant> = [
    floor("floor", models, true),
    floor("floor, tracer off", models, false),
    floor("floor + timeout", models, true, true),
    ...sdks.map(({ name, sdk }) => sdkVariant(`sdk ${name}`, sdk)),
    // The ablation of the first build: its per-attempt timeout, its retries, tracing, one at a time.
    sdkVariant(`sdk ${sdks[0]!.name}, no timeout`, sdks[0]!.sdk, { timeout: Duration.infinity }),
    sdkVariant(`sdk ${sdks[0]!.name}, no retry`, sdks[0]!.sdk, { retry: false }),
    sdkVariant(`sdk ${sdks[0]!.name}, tracer off`, sdks[0]!.sdk, {}, false)
  ]
  const variants = task.only === undefined
    ? all.filter((variant) => !ablation.test(variant.name) || variant.name.startsWith("floor"))
    : all.filter((variant) => task.only!.includes(variant.name))
  for (const variant of variants) await variant.round(task.warmup)
  const rounds: Array<Record<string, { cpuUs: number; wallUs: number }>> = []
  for (let round = 0; round < task.rounds; round++) {
    const results: Record<string, { cpuUs: number; wallUs: number }> = {}
    // Each round starts with another variant, so that none always runs right after the same one.
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length]!
      gc()
      const cpuBefore = process.cpuUsage()
      const start = performance.now()
      const items = await variant.round(task.count)
      const wallMs = performance.now() - start
      const cpu = process.cpuUsage(cpuBefore)
      results[variant.name] = { cpuUs: (cpu.user + cpu.system) / items, wallUs: (wallMs * 1000) / items }
    }
    rounds.push(results)
    process.stderr.write(
      `round ${round + 1}: ${
        Object.entries(results).map(([name, r]) => `${name} ${r.cpuUs.toFixed(0)} µs (wall ${r.wallUs.toFixed(0)})`)
          .join(", ")
      }\n`
    )
  }
  for (const variant of variants) await variant.dispose()
  process.stdout.write(`${overheadMarker}${JSON.stringify({ variants: variants.map((v) => v.name), rounds })}\n`)
}

await main()
