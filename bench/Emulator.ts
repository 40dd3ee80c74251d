/**
 * The emulator in its own process, so that client and server never share an event loop: ingestion delay
 * 0 unless given, no faults unless set through its control route, a fixed seed. Its control routes
 * (`/_emulator/…`) set up the data the scenarios read, inject latency and show what was requested.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/platform/Command"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { request } from "undici"
import * as Baseline from "./Baseline.js"
import { BenchError } from "./BenchError.js"
import type { Compiled } from "./Compile.js"
import type { EmulatorSettings } from "./EmulatorSettings.js"
import type { Target } from "./Task.js"

/**
 * A running emulator.
 *
 * @since 0.1.0
 */
export interface Emulator {
  /** The API target workers talk to. */
  readonly target: Target
  /** Creates a closed session holding `files` ingested documents; returns its id. */
  readonly seedSession: (files: number) => Effect.Effect<string, BenchError>
  /** Creates an open, empty session; returns its id. */
  readonly createSession: Effect.Effect<string, BenchError>
  /** Forgets every session, fault and logged request, and deletes every stored object. */
  readonly reset: Effect.Effect<void, BenchError>
  /** Replaces the fault rules, written as on the emulator's command line (e.g. `*:delay:20ms`). */
  readonly setFaults: (rules: ReadonlyArray<string>) => Effect.Effect<void, BenchError>
  /** How many requests of each route the emulator's log holds (since the last reset or clearing). */
  readonly requestCounts: Effect.Effect<Readonly<Record<string, number>>, BenchError>
  /** The sessions the emulator holds, as its inspection shows them. */
  readonly sessions: Effect.Effect<ReadonlyArray<SessionInfo>, BenchError>
}

/**
 * A session as the emulator's inspection (`GET /_emulator/sessions`) shows it, in the part the bench reads;
 * times in milliseconds on the emulator's clock (`Date.now()`).
 *
 * @since 0.1.0
 */
export const SessionInfo = Schema.Struct({
  sessionId: Schema.String,
  uploads: Schema.Number,
  /** When it was closed, i.e. when its ingestion started. */
  endedAt: Schema.optional(Schema.Number),
  /** When the last file of its ingestion settled. */
  ingestedAt: Schema.optional(Schema.Number)
})

/**
 * @since 0.1.0
 */
export type SessionInfo = typeof SessionInfo.Type

/**
 * How the emulator is started.
 *
 * @since 0.1.0
 */
export interface EmulatorOptions {
  readonly compiled: Compiled
  readonly apiKey: string
  readonly workspace: string
  readonly userAgent: string
  /** The emulator's limit of files per session. */
  readonly maxFilesPerSession: number
  /** How long ingesting each document takes; 0 (done at close) unless given. */
  readonly ingestionDelayMs?: number | undefined
}

const control = (base: string, path: string, body: unknown) =>
  Effect.tryPromise({
    try: async () => {
      const response = await request(`${base}/_emulator/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body)
      })
      const text = await response.body.text()
      if (response.statusCode >= 300) throw new Error(`${response.statusCode} ${text.slice(0, 300)}`)
      return text.length === 0 ? undefined : (JSON.parse(text) as unknown)
    },
    catch: (cause) => new BenchError({ step: `emulator control ${path}`, detail: String(cause) })
  })

const inspect = <A, I>(base: string, path: string, schema: Schema.Schema<A, I>) =>
  Effect.tryPromise({
    try: async () => {
      const response = await request(`${base}/_emulator/${path}`)
      const text = await response.body.text()
      if (response.statusCode >= 300) throw new Error(`${response.statusCode} ${text.slice(0, 300)}`)
      return JSON.parse(text) as unknown
    },
    catch: (cause) => new BenchError({ step: `emulator inspection ${path}`, detail: String(cause) })
  }).pipe(
    Effect.flatMap(Schema.decodeUnknown(schema)),
    Effect.mapError((error) =>
      error._tag === "BenchError"
        ? error
        : new BenchError({ step: `emulator inspection ${path}`, detail: error.message })
    )
  )

const LoggedRoutes = Schema.Array(Schema.Struct({ route: Schema.String }))

const urlPattern = /http:\/\/[^\s"']+/

const decodeSeeded = Schema.decodeUnknown(Schema.Struct({ session_id: Schema.String }))

/**
 * Starts the emulator (compiled from its sources, see `emulatorMain.ts`) and waits until it prints the
 * URL it listens on. The process is stopped when the scope closes.
 *
 * @since 0.1.0
 */
export const start = Effect.fn("Emulator.start")(function*(options: EmulatorOptions) {
  const settings: EmulatorSettings = {
    apiKey: options.apiKey,
    maxFilesPerSession: options.maxFilesPerSession,
    ingestionDelayMs: options.ingestionDelayMs ?? 0
  }
  const command = Command.make(process.execPath, options.compiled.script("emulatorMain"), JSON.stringify(settings))
  const proc = yield* Command.start(command).pipe(
    Effect.mapError((error) => new BenchError({ step: "start emulator", detail: String(error) }))
  )
  // Keep the last lines of stderr for a failure report, and drain it so the pipe never fills.
  let stderr = ""
  yield* proc.stderr.pipe(
    Stream.decodeText(),
    Stream.runForEach((chunk) => Effect.sync(() => (stderr = (stderr + chunk).slice(-4000)))),
    Effect.forkScoped
  )
  const lines = proc.stdout.pipe(Stream.decodeText(), Stream.splitLines)
  const url = yield* lines.pipe(
    Stream.map((line) => urlPattern.exec(line)?.[0]),
    Stream.filter((url): url is string => url !== undefined),
    Stream.runHead,
    Effect.flatten,
    Effect.timeout("60 seconds"),
    Effect.mapError(() =>
      new BenchError({ step: "start emulator", detail: `it printed no URL; stderr: ${stderr.trim() || "(empty)"}` })
    )
  )
  // The rest of stdout goes nowhere, but must be read.
  yield* proc.stdout.pipe(Stream.runDrain, Effect.ignore, Effect.forkScoped)
  const base = url.replace(/\/+$/, "")
  const target: Target = {
    baseUrl: base,
    apiKey: options.apiKey,
    workspace: options.workspace,
    userAgent: options.userAgent
  }
  const client = new Baseline.Client(target)
  yield* Effect.addFinalizer(() => Effect.promise(() => client.destroy()))

  // Without the seeding route, a session is filled the slow way: real S3 uploads of one byte each.
  const seedByUpload = (files: number) =>
    Effect.tryPromise({
      try: async () => {
        const session = await client.create("KEEP")
        const names = Array.from({ length: files }, (_, i) => `seed-${i}.txt`)
        const bytes = new Uint8Array([0x61])
        await Baseline.forEachConcurrent(names, 32, (name) => client.upload(session, { name, bytes }))
        await client.close(session.session_id)
        return session.session_id
      },
      catch: (cause) => new BenchError({ step: "seed by upload", detail: String(cause) })
    })
  const seedSession = (files: number) =>
    control(base, "seed", { workspace: options.workspace, files, close: true }).pipe(
      Effect.flatMap((answer) =>
        Effect.mapBoth(decodeSeeded(answer), {
          onFailure: (error) => new BenchError({ step: "emulator control seed", detail: error.message }),
          onSuccess: (seeded) => seeded.session_id
        })
      ),
      Effect.catchIf(
        (error) => error.detail.startsWith("Error: 404"),
        () => seedByUpload(files)
      )
    )
  const createSession = Effect.tryPromise({
    try: () => client.create("KEEP").then((session) => session.session_id),
    catch: (cause) => new BenchError({ step: "create session", detail: String(cause) })
  })
  const reset = Effect.asVoid(control(base, "reset", {}))
  const setFaults = (rules: ReadonlyArray<string>) => Effect.asVoid(control(base, "faults", rules))
  const requestCounts = Effect.map(inspect(base, "requests", LoggedRoutes), (logged) => {
    const counts: Record<string, number> = {}
    for (const { route } of logged) counts[route] = (counts[route] ?? 0) + 1
    return counts
  })
  const sessions = inspect(base, "sessions", Schema.Array(SessionInfo))
  return { target, seedSession, createSession, reset, setFaults, requestCounts, sessions } satisfies Emulator
})
