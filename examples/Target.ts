/**
 * Where the examples run, decided once for all of them:
 *
 * - `DEEPSET_API_KEY` set: deepset Cloud, configured from the environment as any application would be
 *   (`DeepsetClient.layerConfig`: `DEEPSET_API_KEY`, `DEEPSET_WORKSPACE`, optionally `DEEPSET_API_URL`);
 * - otherwise: an emulator of deepset Cloud started inside this process, gone when the program ends.
 *
 * `Target.layer()` provides the `DeepsetClient` the SDK needs plus a `Target` service that tells which
 * one it is, so that an example can reach the emulator's handle (fault injection, what it stored)
 * when there is one. It prints one line saying where the example runs.
 *
 * In your own program you would write only the deepset Cloud half:
 *
 * ```ts
 * const Deepset = DeepsetClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient } from "@effect-deepset/sdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/** Where an example runs; `emulator` holds the emulator's handle when it runs on one. */
export class Target extends Context.Tag("examples/Target")<Target, {
  readonly name: "deepset Cloud" | "emulator"
  readonly emulator: Option.Option<Emulator.Handle>
}>() {}

/** The workspace examples use on the emulator (any name exists there). */
export const emulatorWorkspace = "default"

export interface Options {
  /** Client settings other than the connection (retry policy, timeout, …), for both targets. */
  readonly client?: Omit<DeepsetClient.Options, "apiKey" | "baseUrl" | "workspace">
  /** How to run the emulator when there is no key (e.g. a short `sessionTtl`). */
  readonly emulator?: Emulator.Options
  /** The HTTP client of the `DeepsetClient`; default undici (`NodeHttpClient.layerUndici`). */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient>
}

const nonEmpty = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

const cloud = (options: Options) =>
  Effect.gen(function*() {
    const workspace = yield* nonEmpty("DEEPSET_WORKSPACE")
    if (Option.isNone(workspace)) {
      return yield* Effect.fail(
        new Error("DEEPSET_API_KEY is set, so the examples run against deepset Cloud: set DEEPSET_WORKSPACE too")
      )
    }
    const apiUrl = yield* Config.withDefault(Config.string("DEEPSET_API_URL"), DeepsetClient.defaultBaseUrl).pipe(
      Effect.flatMap((url) => DeepsetClient.normalizeBaseUrl(url))
    )
    yield* Console.log(`Target: deepset Cloud API at ${apiUrl}, workspace "${workspace.value}"`)
    return Target.of({ name: "deepset Cloud", emulator: Option.none() })
  }).pipe(
    Layer.effect(Target),
    Layer.provideMerge(DeepsetClient.layerConfig(options.client))
  )

const emulator = (options: Options) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    // Scoped to the layer: the emulator serves exactly as long as the program that uses it.
    const handle = yield* Emulator.start(options.emulator)
    yield* Console.log(`Target: in-process emulator at ${handle.apiUrl} (set DEEPSET_API_KEY to use deepset Cloud)`)
    return Layer.merge(
      Layer.succeed(Target, Target.of({ name: "emulator", emulator: Option.some(handle) })),
      DeepsetClient.layer({
        ...options.client,
        apiKey: Redacted.make(handle.apiKey),
        baseUrl: handle.apiUrl,
        workspace: emulatorWorkspace
      })
    )
  }))

/**
 * The `DeepsetClient` and the `Target`: deepset Cloud when `DEEPSET_API_KEY` is set, an in-process
 * emulator otherwise. HTTP goes through undici, or the `httpClient` given.
 */
export const layer = (options: Options = {}) =>
  Layer.unwrapEffect(
    Effect.map(nonEmpty("DEEPSET_API_KEY"), (key) => Option.isSome(key) ? cloud(options) : emulator(options))
  ).pipe(Layer.provide(options.httpClient ?? NodeHttpClient.layerUndici))
