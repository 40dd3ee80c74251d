/**
 * A local, stateful deepset Cloud upload-session API with its S3 presigned-POST side, for tests,
 * demos and laptops without a network.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { constTrue } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { createHash } from "node:crypto"
import * as Http from "node:http"
import type * as Fault from "./Fault.js"
import type { LoggedRequest, SessionInfo, StoredObject, WorkspaceFile } from "./Inspection.js"
import { FaultEngine } from "./internal/faults.js"
import { IdSource } from "./internal/ids.js"
import * as Inspect from "./internal/inspect.js"
import { RequestLog } from "./internal/requestLog.js"
import { type EmulatorRuntime, normaliseKey } from "./internal/runtime.js"
import * as Seed from "./internal/seed.js"
import { makeApp } from "./internal/server.js"
import { Store } from "./internal/store.js"
import * as TempStorage from "./internal/tempStorage.js"

/**
 * How to run the emulator. Every field is optional.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The port to listen on; 0 (the default) picks a free one. */
  readonly port?: number
  /** The interface to listen on, 127.0.0.1 by default. */
  readonly host?: string
  /** The API keys it accepts, with or without a "Bearer " prefix; `["emulator-key"]` by default. */
  readonly apiKeys?: ReadonlyArray<string>
  /** The organisation id at the start of every S3 key; derived from the seed by default. */
  readonly organizationId?: string
  /** How long each file's ingestion takes once its session is closed; 50 millis by default, 0 allowed. */
  readonly ingestionDelay?: Duration.DurationInput
  /** Seeds ids, the presigned-POST secret and fault rates; random (and reported) by default. */
  readonly seed?: number
  /** Fault rules in force from the start. */
  readonly faults?: ReadonlyArray<Fault.Rule>
  /**
   * Where uploads are written. By default `<tmp>/deepset-emulator-<uid>/<pid>-<random>/uploads` (an
   * `owner.pid` beside it), removed when the emulator stops; the folders of emulators that died
   * without stopping are removed at the next start. A given folder is kept. Files up to 256 KiB
   * wait in memory until someone asks for their path.
   */
  readonly storageDir?: string
  /** The most uploads (metadata files included) a session accepts; 10 000 by default. */
  readonly maxFilesPerSession?: number
  /** How long a session stays open; 24 hours by default. */
  readonly sessionTtl?: Duration.DurationInput
  /** The largest file the presigned policy allows, in bytes; 5 GiB (S3's limit for a POST) by default. */
  readonly maxFileSize?: number
  /** When given, the only workspaces that exist; any other name is 404. By default every name exists. */
  readonly workspaces?: ReadonlyArray<string>
  /** How many requests the log keeps (the oldest go first); 100 000 by default. */
  readonly requestLogLimit?: number
  /** Log a line per request (method, path, status, route) with `Effect.logInfo`. */
  readonly logRequests?: boolean
}

/**
 * A running emulator: where it listens, and what tests can read and steer.
 *
 * @since 0.1.0
 */
export interface Handle {
  /** The origin, e.g. `http://127.0.0.1:8787`; the API lives under `/api/v1`. */
  readonly apiUrl: string
  /** `apiUrl` + `/api/v1`, for clients configured with the versioned base. */
  readonly apiBaseUrl: string
  /** The S3 endpoint (the bucket URL) that presigned posts point at. */
  readonly s3Url: string
  /** The control API, `apiUrl` + `/_emulator`. */
  readonly controlUrl: string
  /** The first accepted API key. */
  readonly apiKey: string
  readonly apiKeys: ReadonlyArray<string>
  readonly organizationId: string
  readonly host: string
  readonly port: number
  readonly seed: number
  readonly storageDir: string
  /** The most uploads a session accepts. */
  readonly maxFilesPerSession: number
  /** The largest upload the presigned policy allows, in bytes. */
  readonly maxFileSize: number
  /** Replaces the fault rules. */
  readonly setFaults: (rules: ReadonlyArray<Fault.Rule>) => Effect.Effect<void>
  /** Appends fault rules after the current ones. */
  readonly addFaults: (rules: ReadonlyArray<Fault.Rule>) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** The rules in force, sequences showing only their unconsumed steps. */
  readonly faults: Effect.Effect<ReadonlyArray<Fault.Rule>>
  /** The API and S3 requests received, oldest first (control requests are not logged). */
  readonly requests: Effect.Effect<ReadonlyArray<LoggedRequest>>
  readonly clearRequests: Effect.Effect<void>
  /**
   * The objects stored, of one session or of all, in upload order. Objects still held in memory
   * are written out first, so that every `path` names a file.
   */
  readonly objects: (sessionId?: string) => Effect.Effect<ReadonlyArray<StoredObject>>
  /** The documents ingested into a workspace so far. */
  readonly workspaceIndex: (workspace: string) => Effect.Effect<ReadonlyArray<WorkspaceFile>>
  readonly sessions: Effect.Effect<ReadonlyArray<SessionInfo>>
  /** Forgets all sessions, objects, faults and requests, and deletes the files stored. */
  readonly reset: Effect.Effect<void>
  /**
   * Test and benchmark tooling the real API does not have: one session holding `files` documents
   * at once, without uploads (so beyond `maxFilesPerSession`) and without file I/O. The answer is
   * the session id. Also `POST /_emulator/seed`.
   */
  readonly seedSession: (options: SeedSessionOptions) => Effect.Effect<string, EmulatorSeedError>
}

/**
 * What `seedSession` makes.
 *
 * @since 0.1.0
 */
export interface SeedSessionOptions {
  /** The workspace; `default` when absent. */
  readonly workspace?: string
  /** How many documents, 1 to 1 000 000; each holds one byte and is named `<namePrefix><i>.txt`, i from 0. */
  readonly files: number
  /** `file-` by default. */
  readonly namePrefix?: string
  /** Close the session, which starts ingestion (at `ingestionDelay` per document); true by default. */
  readonly close?: boolean
}

/**
 * `seedSession` was asked for something it cannot make: a count out of range, an unknown workspace.
 *
 * @since 0.1.0
 */
export class EmulatorSeedError extends Schema.TaggedError<EmulatorSeedError>()("EmulatorSeedError", {
  message: Schema.String
}) {}

/**
 * The emulator as a service, for `Layer`-based tests.
 *
 * @since 0.1.0
 */
export class Emulator extends Context.Tag("@effect-deepset/emulator/Emulator")<Emulator, Handle>() {}

/**
 * The emulator could not start: a bad option, a port in use, a storage folder that cannot be made.
 *
 * @since 0.1.0
 */
export class EmulatorStartError extends Schema.TaggedError<EmulatorStartError>()("EmulatorStartError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

const bucket = "deepset-emulator-uploads"

const invalid = (message: string) => new EmulatorStartError({ message })

const resolve = Effect.fnUntraced(function*(options: Options) {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) return yield* invalid(`port must be 0..65535, got ${port}`)
  const apiKeys = (options.apiKeys ?? ["emulator-key"]).map(normaliseKey)
  if (apiKeys.length === 0 || apiKeys.some((key) => key.length === 0 || /\s/.test(key))) {
    return yield* invalid("apiKeys must hold at least one key, none empty or containing spaces")
  }
  const maxFilesPerSession = options.maxFilesPerSession ?? 10_000
  if (!Number.isInteger(maxFilesPerSession) || maxFilesPerSession < 1) {
    return yield* invalid("maxFilesPerSession must be a positive integer")
  }
  const durations = {
    ingestionDelay: options.ingestionDelay ?? "50 millis",
    sessionTtl: options.sessionTtl ?? "24 hours"
  }
  const millis: Record<keyof typeof durations, number> = { ingestionDelay: 0, sessionTtl: 0 }
  for (const name of ["ingestionDelay", "sessionTtl"] as const) {
    const decoded = Duration.decodeUnknown(durations[name])
    if (decoded._tag === "None" || !Duration.isFinite(decoded.value)) {
      return yield* invalid(`${name} must be a finite duration`)
    }
    millis[name] = Duration.toMillis(decoded.value)
  }
  if (millis.sessionTtl <= 0) return yield* invalid("sessionTtl must be positive")
  const maxFileSize = options.maxFileSize ?? 5 * 1024 ** 3
  if (!Number.isInteger(maxFileSize) || maxFileSize < 0) {
    return yield* invalid("maxFileSize must be a whole number of bytes")
  }
  const seed = options.seed ?? (yield* Random.nextIntBetween(0, 2 ** 31))
  if (!Number.isSafeInteger(seed)) return yield* invalid("seed must be an integer")
  return {
    port,
    host: options.host ?? "127.0.0.1",
    apiKeys,
    seed,
    maxFilesPerSession,
    ingestionDelay: millis.ingestionDelay,
    sessionTtl: millis.sessionTtl,
    maxFileSize,
    organizationId: options.organizationId ?? new IdSource(seed ^ 0x0a9).uuid(),
    workspaces: options.workspaces === undefined ? undefined : new Set(options.workspaces),
    requestLogLimit: options.requestLogLimit ?? 100_000
  }
})

/** How to reach `host` in a URL: a wildcard address is reached on loopback, IPv6 goes in brackets. */
const urlHost = (host: string): string => {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host
  return reachable.includes(":") ? `[${reachable}]` : reachable
}

/**
 * Starts the emulator; it serves until the scope closes, then drops open connections, stops
 * listening and removes its temporary storage. It runs on the `Clock` of the context it starts
 * in, so under `TestClock` sessions expire and ingestion advances with `TestClock.adjust`.
 *
 * @example
 * ```ts
 * import { Emulator } from "@effect-deepset/emulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const emulator = yield* Emulator.start({ ingestionDelay: 0 })
 *     const response = yield* Effect.promise(() =>
 *       fetch(`${emulator.apiUrl}/api/v1/workspaces/default/upload_sessions`, {
 *         method: "POST",
 *         headers: { authorization: `Bearer ${emulator.apiKey}` }
 *       })
 *     )
 *     console.log(response.status) // 201
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
export const start: (options?: Options) => Effect.Effect<Handle, EmulatorStartError, Scope.Scope> = Effect.fn(
  "Emulator.start"
)(function*(options: Options = {}) {
  const config = yield* resolve(options)
  const clock = yield* Effect.clock
  const fs = yield* FileSystem.FileSystem
  const storageDir = options.storageDir === undefined
    ? yield* TempStorage.makeScoped(fs)
    : yield* Effect.as(fs.makeDirectory(options.storageDir, { recursive: true }), options.storageDir)
  const faults = new FaultEngine(config.seed)
  faults.set(options.faults ?? [])
  const runtime: EmulatorRuntime = {
    store: new Store({
      seed: config.seed,
      ingestionDelay: config.ingestionDelay,
      sessionTtl: config.sessionTtl,
      maxFilesPerSession: config.maxFilesPerSession
    }),
    clock,
    faults,
    log: new RequestLog(config.requestLogLimit),
    fs,
    signer: {
      accessKeyId: "AKIAEMULATOREXAMPLE0",
      secret: createHash("sha256").update(`deepset-emulator-secret:${config.seed}`).digest("base64"),
      region: "eu-central-1",
      bucket
    },
    apiKeys: config.apiKeys,
    organizationId: config.organizationId,
    storageDir,
    maxFileSize: config.maxFileSize,
    workspaces: config.workspaces,
    logRequests: options.logRequests ?? false,
    urls: { origin: "", s3: "" },
    uploadCounter: 0,
    writingOut: yield* Effect.makeSemaphore(1)
  }
  const nodeServer = Http.createServer()
  const server = yield* NodeHttpServer.make(() => nodeServer, { port: config.port, host: config.host })
  // Added after the server, so it runs before the server's own release, which would otherwise
  // wait for hung requests and keep-alive connections.
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      nodeServer.close()
      nodeServer.closeAllConnections()
    })
  )
  const port = server.address._tag === "TcpAddress" ? server.address.port : config.port
  const origin = `http://${urlHost(config.host)}:${port}`
  runtime.urls = { origin, s3: `${origin}/s3/${bucket}` }
  // No span per request: nothing reads them, and making one (URL, headers, trace context) costs
  // more than answering most emulator routes.
  yield* server.serve(yield* makeApp(runtime)).pipe(
    HttpMiddleware.withTracerDisabledWhenEffect(constTrue)
  )
  return {
    apiUrl: origin,
    apiBaseUrl: `${origin}/api/v1`,
    s3Url: runtime.urls.s3,
    controlUrl: `${origin}/_emulator`,
    apiKey: config.apiKeys[0]!,
    apiKeys: config.apiKeys,
    organizationId: config.organizationId,
    host: config.host,
    port,
    seed: config.seed,
    storageDir,
    maxFilesPerSession: config.maxFilesPerSession,
    maxFileSize: config.maxFileSize,
    setFaults: (rules) => Effect.sync(() => faults.set(rules)),
    addFaults: (rules) => Effect.sync(() => faults.add(rules)),
    clearFaults: Effect.sync(() => faults.set([])),
    faults: Effect.sync(() => faults.current()),
    requests: Effect.sync(() => runtime.log.snapshot()),
    clearRequests: Effect.sync(() => runtime.log.clear()),
    objects: (sessionId) => Inspect.objects(runtime, sessionId),
    workspaceIndex: (workspace) => Inspect.workspaceFiles(runtime, workspace),
    sessions: Inspect.sessions(runtime),
    reset: Inspect.reset(runtime),
    seedSession: (options) =>
      Effect.mapError(
        Seed.seed(runtime, {
          workspace: options.workspace ?? "default",
          files: options.files,
          close: options.close ?? true,
          namePrefix: options.namePrefix ?? "file-"
        }),
        (message) => new EmulatorSeedError({ message })
      )
  } satisfies Handle
}, (effect) =>
  effect.pipe(
    Effect.catchTags({
      ServeError: (error) =>
        Effect.fail(
          new EmulatorStartError({ message: `cannot listen: ${String(error.cause)}`, cause: error.cause })
        ),
      SystemError: (error) =>
        Effect.fail(new EmulatorStartError({ message: `cannot prepare storage: ${error.message}`, cause: error })),
      BadArgument: (error) =>
        Effect.fail(new EmulatorStartError({ message: `cannot prepare storage: ${error.message}`, cause: error }))
    }),
    Effect.provide(NodeFileSystem.layer)
  ))

/**
 * The emulator as a layer: it serves for as long as the layer is in use.
 *
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<Emulator, EmulatorStartError> =>
  Layer.scoped(Emulator, start(options))

/**
 * `layer` with the settings tests usually want: ingestion that settles the moment a session is
 * closed, and a fixed seed so that ids repeat from run to run.
 *
 * @since 0.1.0
 */
export const layerTest = (options?: Options): Layer.Layer<Emulator, EmulatorStartError> =>
  layer({ ingestionDelay: 0, seed: 0, ...options })
