/**
 * Where the CLI's connection settings come from: flags first, then the environment
 * (`DEEPSET_API_KEY`, `DEEPSET_API_URL`, `DEEPSET_WORKSPACE`). Nothing is sent before they resolve.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * The environment variables the CLI reads.
 *
 * @since 0.1.0
 */
export const variables = {
  apiKey: "DEEPSET_API_KEY",
  apiUrl: "DEEPSET_API_URL",
  workspace: "DEEPSET_WORKSPACE"
} as const

/**
 * The settings are missing or malformed; the command stopped before sending anything (exit code 2).
 * The message names the variable or flag to fix and never contains the key.
 *
 * @since 0.1.0
 */
export class SettingsError extends Schema.TaggedError<SettingsError>()("SettingsError", {
  message: Schema.String
}) {}

/**
 * The connection flags a command was given; each wins over its environment variable.
 *
 * @since 0.1.0
 */
export interface Flags {
  readonly apiUrl: Option.Option<string>
  readonly workspace: Option.Option<string>
}

/**
 * Settings for talking to deepset Cloud (or another server speaking its API).
 *
 * @since 0.1.0
 */
export interface Remote {
  readonly apiKey: Redacted.Redacted<string>
  /** `None` means the SDK's default, `https://api.cloud.deepset.ai`. */
  readonly apiUrl: Option.Option<string>
  readonly workspace: string
}

const nonEmpty = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => value.trim().length > 0))
  )

const orElseEnv = (flag: Option.Option<string>, name: string) =>
  Option.isSome(flag) ? Effect.succeed(flag) : nonEmpty(name)

/**
 * The workspace from `--workspace`, else `DEEPSET_WORKSPACE`.
 *
 * @since 0.1.0
 */
export const workspace = (flag: Option.Option<string>): Effect.Effect<Option.Option<string>> =>
  orElseEnv(flag, variables.workspace).pipe(Effect.orElseSucceed(Option.none))

/**
 * Resolves the settings for a real server. Every problem is reported at once, so a user fixes
 * their setup in one go rather than one variable per run.
 *
 * @since 0.1.0
 */
export const remote: (flags: Flags) => Effect.Effect<Remote, SettingsError> = Effect.fn("Settings.remote")(
  function*(flags: Flags) {
    const apiKey = yield* Config.redacted(variables.apiKey).pipe(
      Config.option,
      Config.map(Option.filter((key) => Redacted.value(key).trim().length > 0)),
      Effect.orElseSucceed(Option.none)
    )
    const apiUrl = yield* orElseEnv(flags.apiUrl, variables.apiUrl).pipe(Effect.orElseSucceed(Option.none))
    const ws = yield* workspace(flags.workspace)
    const problems: Array<string> = []
    if (Option.isNone(apiKey)) {
      problems.push(
        `${variables.apiKey} is not set: create an API key in deepset Cloud and export ${variables.apiKey}=<key>.`
      )
    }
    if (Option.isSome(apiUrl) && !URL.canParse(apiUrl.value)) {
      problems.push(`The API URL "${apiUrl.value}" (--api-url or ${variables.apiUrl}) is not a URL.`)
    }
    if (Option.isNone(ws)) {
      problems.push(`No workspace: pass --workspace <name> or set ${variables.workspace}.`)
    }
    if (problems.length > 0 || Option.isNone(apiKey) || Option.isNone(ws)) {
      return yield* new SettingsError({ message: problems.join("\n") })
    }
    return { apiKey: apiKey.value, apiUrl, workspace: ws.value }
  }
)

/**
 * The workspace the in-process emulator uses when none is given.
 *
 * @since 0.1.0
 */
export const emulatorWorkspace = "default"
