/**
 * The deepset Cloud client as a service of operations: `create`, `close`, `getStatus`, `getFiles`,
 * `list` and the streams `streamFiles` and `streamList`, built once over the configured `HttpClient`
 * (base URL, key, default workspace, retry policy, per-attempt timeout). It needs an
 * `HttpClient.HttpClient` from outside, so the application chooses the transport
 * (`FetchHttpClient.layer`, `NodeHttpClient.layerUndici`, …). The `UploadSessions` functions call the
 * service in context; a test can provide its own with `Layer.succeed(DeepsetClient.DeepsetClient, …)`.
 *
 * @example
 * ```ts
 * import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const Deepset = DeepsetClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * const program = UploadSessions.list({ limit: 10 }).pipe(Effect.provide(Deepset))
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Stream from "effect/Stream"
import { ConfigurationError } from "./Errors.js"
import type * as Errors from "./Errors.js"
import * as Operations from "./internal/operations.js"
import * as Transfer from "./internal/transfer.js"
import type * as Models from "./Models.js"
import * as Retry from "./Retry.js"
import type * as UploadSessions from "./UploadSessions.js"

/**
 * The production API.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.cloud.deepset.ai"

/**
 * The `User-Agent` sent unless `userAgent` says otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultUserAgent = "@effect-deepset/sdk/0.1.0"

/**
 * The per-attempt timeout unless `timeout` says otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(30)

/**
 * How to build a client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The API key. A key that already starts with `Bearer ` is sent as it is. */
  readonly apiKey: Redacted.Redacted<string>
  /** The API's base URL, with or without the `/api/v1` suffix. Default {@link defaultBaseUrl}. */
  readonly baseUrl?: string | URL | undefined
  /** The workspace operations use when the call does not name one. */
  readonly workspace?: string | undefined
  /** The retry policy of every call (`false`: no retries). Default `Retry.defaultPolicy`. */
  readonly retry?: Retry.Policy | false | undefined
  /** The limit of one attempt, response body included. `Duration.infinity` disables it. Default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** The `User-Agent` header. Default {@link defaultUserAgent}. */
  readonly userAgent?: string | undefined
  /** A last change to the API client, e.g. to add headers or tracing settings. It must not fail on statuses. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /** Allow a plain-http base URL to a host that is not loopback (the API key then travels in clear text). */
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * The operations of the client. Each checks its input before sending anything, runs in its own span
 * (`UploadSessions.<op>`, with one `http.client` child span per attempt and a `retry` event per retry),
 * and fails with exactly the errors it can meet. `workspaceName` falls back to the client's workspace.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Opens an upload session; retried only where the server provably did not act. */
  readonly create: (
    options?: UploadSessions.CreateOptions
  ) => Effect.Effect<Models.UploadSession, Errors.CreateError>
  /** Closes a session, which starts the ingestion of its files. */
  readonly close: (options: UploadSessions.SessionOptions) => Effect.Effect<void, Errors.CloseError>
  /** Reads a session's state. */
  readonly getStatus: (
    options: UploadSessions.SessionOptions
  ) => Effect.Effect<Models.SessionDetail, Errors.GetStatusError>
  /** Reads one page of a session's files. */
  readonly getFiles: (
    options: UploadSessions.GetFilesOptions
  ) => Effect.Effect<Models.Page<Models.SessionFile>, Errors.GetFilesError>
  /** Reads one page of the workspace's sessions. */
  readonly list: (
    options?: UploadSessions.ListOptions
  ) => Effect.Effect<Models.Page<Models.Session>, Errors.ListError>
  /** Every file of a session, page by page, lazily. */
  readonly streamFiles: (
    options: UploadSessions.StreamFilesOptions
  ) => Stream.Stream<Models.SessionFile, Errors.GetFilesError>
  /** Every session of the workspace, page by page, lazily. */
  readonly streamList: (
    options?: UploadSessions.StreamListOptions
  ) => Stream.Stream<Models.Session, Errors.ListError>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class DeepsetClient extends Context.Tag("@effect-deepset/sdk/DeepsetClient")<DeepsetClient, Service>() {}

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" ||
  hostname.endsWith(".localhost") ||
  /^127(?:\.\d{1,3}){3}$/.test(hostname) ||
  hostname === "[::1]" ||
  hostname === "[::ffff:7f00:1]"

/**
 * Normalizes a base URL to `<origin>[/<path>]/api/v1` and refuses one that would leak the API key.
 *
 * @since 0.1.0
 * @category utils
 */
export const normalizeBaseUrl = (
  input: string | URL,
  options: { readonly allowInsecureHttp?: boolean | undefined } = {}
): Effect.Effect<string, ConfigurationError> => {
  const fail = (description: string) => Effect.fail(new ConfigurationError({ option: "baseUrl", description }))
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return fail("is not a URL")
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return fail(`must be an http(s) URL, got ${url.protocol}`)
  }
  if (url.username !== "" || url.password !== "") {
    return fail("must not contain credentials: pass the API key as apiKey")
  }
  if (url.search !== "" || url.hash !== "") {
    return fail("must not contain a query or fragment")
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname) && options.allowInsecureHttp !== true) {
    return fail(
      `${url.origin} is plain http to a host that is not loopback, so the API key would travel in clear text; ` +
        "use https, or set allowInsecureHttp: true if the network is trusted"
    )
  }
  const path = url.pathname.replace(/\/+$/, "")
  return Effect.succeed(url.origin + (path.endsWith("/api/v1") ? path : `${path}/api/v1`))
}

const authorization = (apiKey: string): string => /^bearer\s/i.test(apiKey) ? apiKey : `Bearer ${apiKey}`

/**
 * Builds the service from options, on top of the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, ConfigurationError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const apiKey = Redacted.value(options.apiKey).trim()
    if (apiKey === "" || /^bearer\s*$/i.test(apiKey)) {
      return yield* new ConfigurationError({ option: "apiKey", description: "is empty" })
    }
    if (/[\r\n]/.test(apiKey)) {
      return yield* new ConfigurationError({ option: "apiKey", description: "contains a line break" })
    }
    const baseUrl = yield* normalizeBaseUrl(options.baseUrl ?? defaultBaseUrl, options)
    if (options.workspace !== undefined && options.workspace.trim() === "") {
      return yield* new ConfigurationError({ option: "workspace", description: "is empty" })
    }
    const timeout = Duration.decode(options.timeout ?? defaultTimeout)
    if (Duration.lessThanOrEqualTo(timeout, Duration.zero)) {
      return yield* new ConfigurationError({ option: "timeout", description: "must be positive" })
    }

    // Built once per client: every request gets the same three headers in one step.
    const headers = {
      authorization: authorization(apiKey),
      accept: "application/json",
      "user-agent": options.userAgent ?? defaultUserAgent
    }
    const outer = yield* HttpClient.HttpClient
    const http = outer.pipe(
      // Before any other mapping (a test client may prepend its own): the base URL and the headers. The
      // platform's `http.client` span of each attempt propagates the trace context.
      HttpClient.mapRequestInput((request) =>
        HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, baseUrl), headers)
      ),
      options.transformClient ?? identity
    )
    const bareKey = apiKey.replace(/^bearer\s+/i, "")
    // A key of a few characters would match ordinary text; such a key is not a secret worth hiding.
    const redact = bareKey.length < 8 ? identity<string> : (text: string) => text.replaceAll(bareKey, "[REDACTED]")
    const service = Operations.make({
      http,
      baseUrl,
      workspace: Option.fromNullable(options.workspace),
      retry: options.retry === false ? Option.none() : Option.some(options.retry ?? Retry.defaultPolicy),
      timeout: Duration.isFinite(timeout) ? timeout : undefined,
      redact
    })
    // Uploads post to S3 with the client given from outside: no base URL, no key, no trace context.
    return Transfer.attach(service, { client: HttpClient.withTracerPropagation(outer, false), redact })
  })

/**
 * The client as a layer.
 *
 * @example
 * ```ts
 * import { DeepsetClient } from "@effect-deepset/sdk"
 * import { FetchHttpClient } from "@effect/platform"
 * import * as Layer from "effect/Layer"
 * import * as Redacted from "effect/Redacted"
 *
 * const Deepset = DeepsetClient.layer({
 *   apiKey: Redacted.make(process.env.DEEPSET_API_KEY!),
 *   workspace: "default",
 *   timeout: "10 seconds"
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<DeepsetClient, ConfigurationError, HttpClient.HttpClient> =>
  Layer.effect(DeepsetClient, make(options))

/**
 * The options of {@link layerConfig}: each field a `Config` to read, or its value.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = { readonly [K in keyof Options]?: Options[K] | Config.Config<Options[K]> | undefined }

const fromEnvironment = {
  apiKey: Config.redacted("DEEPSET_API_KEY"),
  baseUrl: Config.withDefault(Config.string("DEEPSET_API_URL"), defaultBaseUrl),
  // An empty DEEPSET_WORKSPACE means unset.
  workspace: Config.string("DEEPSET_WORKSPACE").pipe(
    Config.option,
    Config.map((workspace) => Option.getOrUndefined(Option.filter(workspace, (name) => name.trim() !== "")))
  )
}

const asConfigs = (options: ConfigOptions): Record<string, Config.Config<unknown>> => {
  const configs: Record<string, Config.Config<unknown>> = {}
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) configs[key] = Config.isConfig(value) ? value : Config.succeed(value)
  }
  return configs
}

/**
 * The client as a layer whose options are read from `Config`s, one per field (a plain value is taken as
 * it is). Unless given, the key
 * is `DEEPSET_API_KEY` (required, redacted), the base URL `DEEPSET_API_URL` (default
 * {@link defaultBaseUrl}) and the workspace `DEEPSET_WORKSPACE` (optional; empty means unset).
 *
 * @example
 * ```ts
 * import { DeepsetClient } from "@effect-deepset/sdk"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import * as Config from "effect/Config"
 * import * as Layer from "effect/Layer"
 *
 * const Deepset = DeepsetClient.layerConfig({
 *   workspace: Config.string("MY_WORKSPACE"),
 *   timeout: Config.succeed("10 seconds")
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<DeepsetClient, ConfigError.ConfigError | ConfigurationError, HttpClient.HttpClient> =>
  Layer.effect(
    DeepsetClient,
    Effect.flatMap(Config.all({ ...fromEnvironment, ...asConfigs(options) }), (settings) => make(settings as Options))
  )
