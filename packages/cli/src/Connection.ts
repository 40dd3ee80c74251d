/**
 * How a command reaches an API: deepset Cloud (or any server at `--api-url`) with the resolved
 * settings, or an emulator started in this process for `--emulator`. Either way the command gets a
 * `DeepsetClient` and a description of where it is connected.
 *
 * @since 0.1.0
 */
import type * as Emulator from "@effect-deepset/emulator/Emulator"
import * as DeepsetClient from "@effect-deepset/sdk/DeepsetClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Settings from "./Settings.js"

/**
 * Where to connect: a remote API with its settings, or the in-process emulator with a workspace.
 *
 * @since 0.1.0
 */
export type Target =
  | { readonly _tag: "Remote"; readonly settings: Settings.Remote }
  | { readonly _tag: "Emulator"; readonly workspace: string }

/**
 * Where a command ended up connected, for the line that tells the user.
 *
 * @since 0.1.0
 */
export interface Connected {
  readonly kind: "remote" | "emulator"
  /** The API's origin or base URL as configured (no credentials). */
  readonly apiUrl: string
  readonly workspace: string
}

/**
 * Chooses the target from the flags: `--emulator` wins and needs no key; otherwise the settings must
 * resolve (flags, then environment), and nothing is sent when they do not.
 *
 * @since 0.1.0
 */
export const target = (
  flags: Settings.Flags & { readonly emulator: boolean }
): Effect.Effect<Target, Settings.SettingsError> =>
  flags.emulator
    ? Effect.map(Settings.workspace(flags.workspace), (workspace) => ({
      _tag: "Emulator" as const,
      workspace: Option.getOrElse(workspace, () => Settings.emulatorWorkspace)
    }))
    : Effect.map(Settings.remote(flags), (settings) => ({ _tag: "Remote" as const, settings }))

/**
 * Provides a `DeepsetClient` for the target to `use`. For the emulator, the server lives exactly as
 * long as the returned effect's scope.
 *
 * @since 0.1.0
 */
export const provide = <A, E, R>(
  target: Target,
  use: (connected: Connected) => Effect.Effect<A, E, R>
): Effect.Effect<
  A,
  E | Settings.SettingsError | Emulator.EmulatorStartError,
  Exclude<R, DeepsetClient.DeepsetClient> | Scope.Scope
> =>
  Effect.gen(function*() {
    const { connected, options } = target._tag === "Remote"
      ? {
        connected: {
          kind: "remote" as const,
          apiUrl: Option.getOrElse(target.settings.apiUrl, () => DeepsetClient.defaultBaseUrl),
          workspace: target.settings.workspace
        },
        options: {
          apiKey: target.settings.apiKey,
          baseUrl: Option.getOrUndefined(target.settings.apiUrl),
          workspace: target.settings.workspace,
          allowInsecureHttp: target.settings.allowInsecureHttp
        }
      }
      : yield* Effect.map(startEmulator, (handle) => ({
        connected: { kind: "emulator" as const, apiUrl: handle.apiUrl, workspace: target.workspace },
        options: { apiKey: Redacted.make(handle.apiKey), baseUrl: handle.apiUrl, workspace: target.workspace }
      }))
    const client = DeepsetClient.layer(options).pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.mapError((error) =>
        new Settings.SettingsError({ message: `${settingName(error.option)}: ${error.description}` })
      )
    )
    return yield* Effect.provide(use(connected), client)
  })

// Loaded only for `--emulator`: the bundled CLI keeps the emulator in a chunk that no other command reads.
const startEmulator = Effect.flatMap(
  Effect.promise(() => import("@effect-deepset/emulator/Emulator")),
  (emulator) => emulator.start()
)

const settingName = (option: string): string => {
  switch (option) {
    case "apiKey":
      return Settings.variables.apiKey
    case "baseUrl":
      return `--api-url / ${Settings.variables.apiUrl}`
    case "workspace":
      return `--workspace / ${Settings.variables.workspace}`
    default:
      return option
  }
}
