/**
 * Where the CLI's connection settings come from: flags first, then the environment
 * (`DEEPSET_API_KEY`, `DEEPSET_API_URL`, `DEEPSET_WORKSPACE`, `DEEPSET_ALLOW_INSECURE_HTTP`). Nothing is
 * sent before they resolve.
 *
 * @since 0.1.0
 */
import * as DeepsetClient from "@effect-deepset/sdk/DeepsetClient"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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
  workspace: "DEEPSET_WORKSPACE",
  allowInsecureHttp: "DEEPSET_ALLOW_INSECURE_HTTP"
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
  /** `--allow-insecure-http`; absent or false defers to the environment. */
  readonly allowInsecureHttp?: boolean | undefined
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
  /** A plain-http URL to a host that is not loopback is allowed (the SDK's `allowInsecureHttp`). */
  readonly allowInsecureHttp: boolean
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
 * Whether plain http to a remote host is allowed: `--allow-insecure-http`, else
 * `DEEPSET_ALLOW_INSECURE_HTTP` (`true` or `1`; `false`, `0` or empty: no). Any other value is a problem
 * to report, not a silent no.
 *
 * @since 0.1.0
 */
export const allowInsecureHttp = (flag: boolean): Effect.Effect<Either.Either<boolean, string>> =>
  flag ? Effect.succeed(Either.right(true)) : nonEmpty(variables.allowInsecureHttp).pipe(
    Effect.map(Option.match({
      onNone: () => Either.right(false),
      onSome: (value) =>
        /^(true|1)$/i.test(value.trim())
          ? Either.right(true)
          : /^(false|0)$/i.test(value.trim())
          ? Either.right(false)
          : Either.left(`${variables.allowInsecureHttp} must be true, 1, false or 0, got "${value}".`)
    })),
    Effect.orElseSucceed(() => Either.right(false))
  )

// The SDK's own check of the base URL, so that the CLI refuses exactly what the client would; a URL
// refused only for being plain http is told in the CLI's terms (a flag, a variable), not the SDK's.
const urlProblem = (url: string, allowInsecure: boolean): Effect.Effect<Option.Option<string>> =>
  DeepsetClient.normalizeBaseUrl(url, { allowInsecureHttp: allowInsecure }).pipe(
    Effect.as(Option.none()),
    Effect.catchAll((error) =>
      Effect.map(
        Effect.either(DeepsetClient.normalizeBaseUrl(url, { allowInsecureHttp: true })),
        (allowed) =>
          Option.some(
            Either.isRight(allowed)
              ? `The API URL ${url} (--api-url or ${variables.apiUrl}) is plain http to a host that is not loopback, ` +
                `so the API key would travel in clear text: use https, or, on a trusted network, pass ` +
                `--allow-insecure-http or set ${variables.allowInsecureHttp}=1.`
              : `The API URL "${url}" (--api-url or ${variables.apiUrl}) ${error.description}.`
          )
      )
    )
  )

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
    const insecure = yield* allowInsecureHttp(flags.allowInsecureHttp === true)
    const problems: Array<string> = []
    if (Option.isNone(apiKey)) {
      problems.push(
        `${variables.apiKey} is not set: create an API key in deepset Cloud and export ${variables.apiKey}=<key>.`
      )
    }
    if (Option.isSome(apiUrl)) {
      const problem = yield* urlProblem(apiUrl.value, Either.getOrElse(insecure, () => false))
      if (Option.isSome(problem)) problems.push(problem.value)
    }
    if (Either.isLeft(insecure)) problems.push(insecure.left)
    if (Option.isNone(ws)) {
      problems.push(`No workspace: pass --workspace <name> or set ${variables.workspace}.`)
    }
    if (problems.length > 0 || Option.isNone(apiKey) || Option.isNone(ws) || Either.isLeft(insecure)) {
      return yield* new SettingsError({ message: problems.join("\n") })
    }
    return { apiKey: apiKey.value, apiUrl, workspace: ws.value, allowInsecureHttp: insecure.right }
  }
)

/**
 * The workspace the in-process emulator uses when none is given.
 *
 * @since 0.1.0
 */
export const emulatorWorkspace = "default"
