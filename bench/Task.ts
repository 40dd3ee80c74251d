/**
 * What the harness asks of a worker process, and what the worker answers. The baseline's worker must
 * not load Effect, so this module holds plain types only; the harness decodes answers (`Runner`).
 *
 * @since 0.1.0
 */

/**
 * Which client a worker runs.
 *
 * @since 0.1.0
 */
export type ClientName = "sdk" | "baseline"

/**
 * Where the emulator is and how to talk to it.
 *
 * @since 0.1.0
 */
export interface Target {
  readonly baseUrl: string
  readonly apiKey: string
  readonly workspace: string
  readonly userAgent: string
}

/**
 * The SDK's settings a `GetStatus` run can switch off one by one, to tell what each costs (`--ablation`):
 * its retry policy, its per-attempt timeout, the trace headers on API requests, or tracing altogether.
 * `platform client` is no SDK at all: the platform floor of `PlatformTasks.ts` (the same request through
 * `@effect/platform`'s `HttpClient` on `NodeHttpClient.layerUndici`, the same `Schema` decode).
 *
 * @since 0.1.0
 */
export type SdkVariant =
  | "default"
  | "no retry"
  | "no timeout"
  | "no trace headers"
  | "tracer off"
  | "all off"
  | "platform client"

/**
 * Every variant, in the order they are reported.
 *
 * @since 0.1.0
 */
export const sdkVariants: ReadonlyArray<SdkVariant> = [
  "default",
  "no retry",
  "no timeout",
  "no trace headers",
  "tracer off",
  "all off",
  "platform client"
]

/**
 * One measured workload. Each has an untimed warm-up inside the worker, so that the timed part runs on
 * warm code, and is timed from its first request to its last answer.
 *
 * @since 0.1.0
 */
export type Workload =
  | {
    readonly _tag: "GetStatus"
    readonly sessionId: string
    readonly count: number
    readonly warmup: number
    /** Only for the SDK; "default" unless given. */
    readonly variant?: SdkVariant | undefined
    /** Only for the SDK worker: the same work as a bare `@effect/platform` program (`PlatformTasks.ts`). */
    readonly platform?: boolean | undefined
  }
  | {
    readonly _tag: "StreamFiles"
    readonly sessionId: string
    readonly pageSize: number
    readonly expected: number
    readonly warmupSessionId: string
    /** Only for the SDK worker: the same work as a bare `@effect/platform` program (`PlatformTasks.ts`). */
    readonly platform?: boolean | undefined
  }
  | {
    /**
     * Opens a session, uploads the `files` files of `dir` (see `uploadPaths`) with `concurrency` in
     * flight, and closes it. The warm-up does the same with the first `warmupFiles` of `warmupDir`, in
     * a session of its own.
     */
    readonly _tag: "Upload"
    readonly dir: string
    readonly files: number
    readonly concurrency: number
    readonly warmupDir: string
    readonly warmupFiles: number
    /** Only for the SDK worker: the same work as a bare `@effect/platform` program (`PlatformTasks.ts`). */
    readonly platform?: boolean | undefined
  }
  | {
    /**
     * `Upload.files` of the `files` files of `dir` (or, without `dir`, of `files` in-memory bodies of
     * one byte each) with `concurrency` in flight, waited to ingestion on the SDK's default schedule. The
     * warm-up sends the first `warmupFiles` of `warmupDir` the same way, in a session of its own. The
     * emulator's request log is cleared after the warm-up, so that it holds the timed part's requests
     * only. SDK only (scenarios 9 and 10).
     */
    readonly _tag: "UploadWait"
    readonly dir?: string | undefined
    readonly files: number
    readonly concurrency: number
    readonly warmupDir: string
    readonly warmupFiles: number
  }

/**
 * The task a worker process is started with (as JSON in its first argument).
 *
 * @since 0.1.0
 */
export interface Task {
  readonly client: ClientName
  readonly target: Target
  readonly workload: Workload
}

/**
 * What a worker reports on its last line of output. `maxRssBytes` is the process's peak resident set
 * over its whole life; `rssBeforeBytes` the resident set just before the timed part started.
 *
 * @since 0.1.0
 */
export interface Measured {
  readonly elapsedMs: number
  /** The worker's CPU time (user and system) during the timed part. */
  readonly cpuMs: number
  readonly items: number
  readonly rssBeforeBytes: number
  readonly maxRssBytes: number
  /** When the timed part ended, in milliseconds since the epoch (`Date.now()`), to compare with the emulator's clock. */
  readonly endedAtMs?: number | undefined
}

/**
 * The marker in front of a worker's result line, so that stray output cannot be taken for it.
 *
 * @since 0.1.0
 */
export const resultMarker = "BENCH-RESULT "

/**
 * The paths of the files an `Upload` workload sends: `file-00000.bin`, `file-00001.bin`, … in `dir`.
 *
 * @since 0.1.0
 */
export const uploadPaths = (dir: string, files: number): Array<string> =>
  Array.from({ length: files }, (_, i) => `${dir}/${uploadName(i)}`)

/**
 * The name of the i-th file of an upload set.
 *
 * @since 0.1.0
 */
export const uploadName = (i: number): string => `file-${String(i).padStart(5, "0")}.bin`
