/**
 * `deepset-upload sessions list|status|files|close`: look at upload sessions and what became of their
 * files, and close the ones left open.
 *
 * @since 0.1.0
 */
import * as UploadSessions from "@effect-deepset/sdk/UploadSessions"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { PartlyFailed, UsageError } from "./CliError.js"
import type * as Connection from "./Connection.js"
import * as Flags from "./Flags.js"
import * as Output from "./Output.js"
import * as SessionsView from "./SessionsView.js"
import * as UploadCommand from "./UploadCommand.js"

const connection = {
  workspace: Flags.workspace,
  apiUrl: Flags.apiUrl,
  allowInsecureHttp: Flags.allowInsecureHttp,
  json: Flags.json
}

interface ConnectionFlags {
  readonly workspace: Option.Option<string>
  readonly apiUrl: Option.Option<string>
  readonly allowInsecureHttp: boolean
  readonly json: boolean
}

/**
 * Runs a sessions command: merges its flags with those given before `sessions` (its own win),
 * resolves the settings, connects, and prints `render`'s text or `json`'s document. When `failed`
 * counts failures in the value, the command exits with code 1 after printing it.
 */
const withConnection = <A, E, R>(
  flags: ConnectionFlags,
  fetch: Effect.Effect<A, E, R>,
  render: {
    readonly text: (value: A, output: Output.Output, connected: Connection.Connected) => string
    readonly json: (value: A) => unknown
    readonly failed?: (value: A) => number
  }
) =>
  Effect.gen(function*() {
    const root = yield* UploadCommand.command
    if (root.emulator) {
      return yield* new UsageError({
        message:
          "--emulator applies to uploads: the sessions commands need a running API (--api-url or DEEPSET_API_URL)."
      })
    }
    const merged = {
      workspace: Option.orElse(flags.workspace, () => root.workspace),
      apiUrl: Option.orElse(flags.apiUrl, () => root.apiUrl),
      allowInsecureHttp: flags.allowInsecureHttp || root.allowInsecureHttp,
      json: flags.json || root.json
    }
    const output = yield* Output.detect(merged.json)
    // Loaded once a command runs: the HTTP client (undici) is no part of parsing the command line.
    const connection: typeof Connection = yield* Effect.promise(() => import("./Connection.js"))
    const target = yield* connection.target({ ...merged, emulator: false })
    const [value, connected] = yield* Effect.scoped(
      connection.provide(target, (connected) => Effect.map(fetch, (value) => [value, connected] as const))
    )
    yield* output.mode === "json"
      ? Output.json(render.json(value))
      : Console.log(render.text(value, output, connected))
    const failed = render.failed?.(value) ?? 0
    if (failed > 0) return yield* new PartlyFailed({ failed })
  })

const invalid = (text: string) => ValidationError.invalidValue(HelpDoc.p(text))

const expired = Options.boolean("expired").pipe(Options.withDescription("Only sessions that have expired."))
const active = Options.boolean("active").pipe(Options.withDescription("Only sessions that have not expired."))

const isExpired = Options.all({ expired, active }).pipe(
  Options.mapEffect(({ active, expired }) =>
    expired && active
      ? Effect.fail(invalid("--expired and --active exclude each other; give one or neither."))
      : Effect.succeed(expired ? Option.some(true) : active ? Option.some(false) : Option.none<boolean>())
  )
)

const limit = Flags.integer("limit", { min: 1 }).pipe(
  Options.withAlias("n"),
  Options.withDescription("How many sessions to show, newest first."),
  Options.withDefault(20)
)

/**
 * `sessions list [--expired|--active] [--limit N]`: the newest sessions of the workspace.
 *
 * @since 0.1.0
 */
export const list = Command.make(
  "list",
  { isExpired, limit, ...connection },
  ({ isExpired, limit, ...flags }) =>
    withConnection(
      flags,
      UploadSessions.streamList({
        direction: "backward",
        pageSize: Math.min(limit, UploadSessions.defaultPageSize),
        isExpired: Option.getOrUndefined(isExpired)
      }).pipe(Stream.take(limit), Stream.runCollect, Effect.map(Chunk.toReadonlyArray)),
      {
        text: (sessions, output) => SessionsView.sessionTable(sessions, { limit, style: output.style }),
        json: SessionsView.sessionsJson
      }
    )
).pipe(Command.withDescription("List upload sessions, newest first."))

const sessionId = Args.text({ name: "session-id" }).pipe(Args.withDescription("The session's id (a UUID)."))

/**
 * `sessions status <id>`: a session's expiry and ingestion counts.
 *
 * @since 0.1.0
 */
export const status = Command.make(
  "status",
  { sessionId, ...connection },
  ({ sessionId, ...flags }) =>
    withConnection(flags, UploadSessions.getStatus({ sessionId }), {
      text: (detail, output) => SessionsView.sessionDetail(detail, output.style),
      json: SessionsView.detailJson
    })
).pipe(Command.withDescription("Show a session's expiry and ingestion counts."))

const ingestionStatus = Flags.choice("status", ["PENDING", "FAILED", "FINISHED"]).pipe(
  Options.withDescription("Only files in this ingestion state."),
  Options.optional
)

/**
 * `sessions files <id> [--status PENDING|FAILED|FINISHED]`: every file of a session with its state.
 *
 * @since 0.1.0
 */
export const files = Command.make(
  "files",
  { sessionId, ingestionStatus, ...connection },
  ({ ingestionStatus, sessionId, ...flags }) =>
    withConnection(
      flags,
      UploadSessions.streamFiles({ sessionId, ingestionStatus: Option.getOrUndefined(ingestionStatus) }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      ),
      {
        text: (files, output) => SessionsView.fileTable(files, output.style),
        json: SessionsView.filesJson
      }
    )
).pipe(
  Command.withDescription("List a session's files with their ingestion state and failure reason.")
)

const closeSessionId = Args.text({ name: "session-id" }).pipe(
  Args.withDescription("The session's id (a UUID). Or --all-open instead."),
  Args.optional
)

const allOpen = Options.boolean("all-open").pipe(
  Options.withDescription(
    "Close every open session of the workspace that has not expired, e.g. those a killed upload left open."
  )
)

// The sessions --all-open closes: open and not expired. A deployment that does not send a session's
// status leaves no way to tell a closed one, and closing it again changes nothing, so it is included.
const openSessions = UploadSessions.streamList({ isExpired: false }).pipe(
  Stream.filter((session) => session.status === undefined || session.status === "OPEN"),
  Stream.map((session) => session.sessionId),
  Stream.runCollect,
  Effect.map(Chunk.toReadonlyArray)
)

const closeEach = (sessionIds: ReadonlyArray<string>) =>
  Effect.forEach(
    sessionIds,
    (sessionId) =>
      UploadSessions.close({ sessionId }).pipe(
        Effect.match({
          onSuccess: (): SessionsView.Closed => ({ sessionId }),
          onFailure: (error): SessionsView.Closed => ({ sessionId, error })
        })
      ),
    { concurrency: 4 }
  )

/**
 * `sessions close <id>` or `sessions close --all-open`: closes sessions, which starts the ingestion
 * of their files, and says which it closed and which it could not (exit code 1 if any).
 *
 * @since 0.1.0
 */
export const close = Command.make(
  "close",
  { sessionId: closeSessionId, allOpen, ...connection },
  ({ allOpen, sessionId, ...flags }) =>
    Option.isSome(sessionId) === allOpen
      ? Effect.fail(
        new UsageError({
          message: allOpen
            ? "Give a session id or --all-open, not both."
            : "Which session? Give its id (deepset-upload sessions close <session-id>) or --all-open."
        })
      )
      : withConnection(
        flags,
        Option.match(sessionId, {
          onNone: () => Effect.flatMap(openSessions, closeEach),
          onSome: (id) => closeEach([id])
        }),
        {
          text: (closed, output, connected) =>
            SessionsView.closedText(closed, { style: output.style, workspace: connected.workspace, allOpen }),
          json: SessionsView.closedJson,
          failed: (closed) => closed.filter((session) => session.error !== undefined).length
        }
      )
).pipe(
  Command.withDescription(
    "Close a session, or with --all-open every open session of the workspace; closing starts the ingestion " +
      "of the files sent to it."
  )
)

/**
 * `sessions`: the group of the commands above.
 *
 * @since 0.1.0
 */
export const command = Command.make("sessions").pipe(
  Command.withDescription("Inspect upload sessions and their files; close the ones left open."),
  Command.withSubcommands([list, status, files, close])
)
