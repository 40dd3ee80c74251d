/**
 * The deepset Cloud client as a service: the configured API `HttpClient`, the default workspace, the
 * retry policy and the per-attempt timeout. It needs an `HttpClient.HttpClient` from outside, so the
 * application chooses the transport (`FetchHttpClient.layer`, `NodeHttpClient.layerUndici`, …).
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
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import { constTrue, identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import { ConfigurationError } from "./Errors.js"
import * as Deadlines from "./internal/deadlines.js"
import * as Execute from "./internal/execute.js"
import * as Retry from "./Retry.js"

/**
 * The production API.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "https://api.cloud.deepset.ai"

/**
 * The `User-Agent` sent unless `userAgent` says otherwise.
 *
 * @since 0.1.0
 */
export const DEFAULT_USER_AGENT = "@effect-deepset/sdk/0.1.0"

/**
 * The per-attempt timeout unless `timeout` says otherwise.
 *
 * @since 0.1.0
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

/**
 * How to build a client.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The API key. A key that already starts with `Bearer ` is sent as it is. */
  readonly apiKey: Redacted.Redacted<string>
  /** The API's base URL, with or without the `/api/v1` suffix. Default {@link DEFAULT_BASE_URL}. */
  readonly baseUrl?: string | URL | undefined
  /** The workspace operations use when the call does not name one. */
  readonly workspace?: string | undefined
  /** The retry policy of every call (`false`: no retries). Default `Retry.defaultPolicy`. */
  readonly retry?: Retry.Policy | false | undefined
  /** The limit of one attempt, response body included. `Duration.infinity` disables it. Default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** The `User-Agent` header. Default {@link DEFAULT_USER_AGENT}. */
  readonly userAgent?: string | undefined
  /** A last change to the API client, e.g. to add headers or tracing settings. It must not fail on statuses. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /** Allow a plain-http base URL to a host that is not loopback (the API key then travels in clear text). */
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * What the service holds.
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * The API client: base URL, bearer authorization, `Accept: application/json`, user agent, and the
   * trace context of the current span. It makes no `http.client` span: the operations' spans carry
   * `http.request.method`, `url.full` and `http.response.status_code`.
   */
  readonly http: HttpClient.HttpClient
  /**
   * The client given from outside, untouched by the API settings (no base URL, no `Authorization`)
   * and with trace-context propagation off: for requests that go elsewhere, like S3 presigned posts.
   */
  readonly transfer: HttpClient.HttpClient
  /** The normalised base URL, ending in `/api/v1`. */
  readonly baseUrl: string
  /** The default workspace. */
  readonly workspace: Option.Option<string>
  /** The retry policy of every call; none when retries are off. */
  readonly retry: Option.Option<Retry.Policy>
  /** The limit of one attempt; none when disabled. */
  readonly timeout: Option.Option<Duration.Duration>
  /** Replaces the API key in text that came back from a server (a proxy may echo request headers). */
  readonly redact: (text: string) => string
}

/**
 * The service tag.
 *
 * @since 0.1.0
 */
export class DeepsetClient extends Context.Tag("@effect-deepset/sdk/DeepsetClient")<DeepsetClient, Service>() {}

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" ||
  hostname.endsWith(".localhost") ||
  /^127(?:\.\d{1,3}){3}$/.test(hostname) ||
  hostname === "[::1]" ||
  hostname === "[::ffff:7f00:1]"

/**
 * Normalises a base URL to `<origin>[/<path>]/api/v1` and refuses one that would leak the API key.
 *
 * @since 0.1.0
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

/**
 * A request to the API: the base URL, the client's headers and, unless tracing or its propagation is
 * off, the trace context of the current span, in one copy of the request.
 */
const apiRequest = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  request: HttpClientRequest.HttpClientRequest,
  baseUrl: string,
  headers: Readonly<Record<string, string>>
): HttpClientRequest.HttpClientRequest => {
  const prefixed = HttpClientRequest.prependUrl(request, baseUrl)
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled) || !fiber.getFiberRef(HttpClient.currentTracerPropagation)) {
    return HttpClientRequest.setHeaders(prefixed, headers)
  }
  const span = Context.getOption(fiber.currentContext, Tracer.ParentSpan)
  return HttpClientRequest.setHeaders(
    prefixed,
    Option.isSome(span) && span.value._tag === "Span"
      ? { ...headers, ...HttpTraceContext.toHeaders(span.value) }
      : headers
  )
}

const authorization = (apiKey: string): string => /^bearer\s/i.test(apiKey) ? apiKey : `Bearer ${apiKey}`

/**
 * Builds the service from options, on top of the `HttpClient` in context. The scope bounds the
 * client's one background fiber, which enforces the per-attempt timeouts.
 *
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<Service, ConfigurationError, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const apiKey = Redacted.value(options.apiKey).trim()
    if (apiKey === "" || /^bearer\s*$/i.test(apiKey)) {
      return yield* new ConfigurationError({ option: "apiKey", description: "is empty" })
    }
    if (/[\r\n]/.test(apiKey)) {
      return yield* new ConfigurationError({ option: "apiKey", description: "contains a line break" })
    }
    const baseUrl = yield* normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL, options)
    if (options.workspace !== undefined && options.workspace.trim() === "") {
      return yield* new ConfigurationError({ option: "workspace", description: "is empty" })
    }
    const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
    if (Duration.lessThanOrEqualTo(timeout, Duration.zero)) {
      return yield* new ConfigurationError({ option: "timeout", description: "must be positive" })
    }

    // Built once per client: every request gets the same three headers in one step.
    const headers = {
      authorization: authorization(apiKey),
      accept: "application/json",
      "user-agent": options.userAgent ?? DEFAULT_USER_AGENT
    }
    const outer = yield* HttpClient.HttpClient
    const http = outer.pipe(
      // One mapping per request, before any other (test clients prepend too): the base URL, the headers
      // and the trace context. The API client makes no `http.client` span of its own: each operation's
      // span carries the HTTP attributes, and the request propagates that span.
      HttpClient.mapRequestInputEffect((request) =>
        Effect.withFiberRuntime((fiber) => Effect.succeed(apiRequest(fiber, request, baseUrl, headers)))
      ),
      HttpClient.withTracerDisabledWhen(constTrue),
      options.transformClient ?? identity
    )
    const bareKey = apiKey.replace(/^bearer\s+/i, "")
    const service = DeepsetClient.of({
      http,
      transfer: HttpClient.withTracerPropagation(outer, false),
      baseUrl,
      workspace: Option.fromNullable(options.workspace),
      retry: options.retry === false ? Option.none() : Option.some(options.retry ?? Retry.defaultPolicy),
      timeout: Duration.isFinite(timeout) ? Option.some(timeout) : Option.none(),
      // A key of a few characters would match ordinary text; such a key is not a secret worth hiding.
      redact: bareKey.length < 8 ? identity : (text) => text.replaceAll(bareKey, "[REDACTED]")
    })
    if (Duration.isFinite(timeout)) {
      Execute.register(service, { scoped: HttpClient.withScope(http), deadlines: yield* Deadlines.make(timeout) })
    }
    return service
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
 */
export const layer = (options: Options): Layer.Layer<DeepsetClient, ConfigurationError, HttpClient.HttpClient> =>
  Layer.scoped(DeepsetClient, make(options))

/**
 * The settings {@link layerConfig} reads: `DEEPSET_API_KEY` (required, redacted), `DEEPSET_API_URL`
 * (default {@link DEFAULT_BASE_URL}) and `DEEPSET_WORKSPACE` (optional; empty means unset).
 *
 * @since 0.1.0
 */
export const config: Config.Config<Pick<Options, "apiKey" | "baseUrl" | "workspace">> = Config.all({
  apiKey: Config.redacted("DEEPSET_API_KEY"),
  baseUrl: Config.withDefault(Config.string("DEEPSET_API_URL"), DEFAULT_BASE_URL),
  workspace: Config.map(
    Config.option(Config.string("DEEPSET_WORKSPACE")),
    Option.getOrUndefined
  )
}).pipe(
  Config.map(({ workspace, ...rest }) =>
    workspace === undefined || workspace.trim() === "" ? rest : { ...rest, workspace }
  )
)

/**
 * The client as a layer configured from the environment (see {@link config}); the other options are
 * given in code.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  options: Omit<Options, "apiKey" | "baseUrl" | "workspace"> = {}
): Layer.Layer<DeepsetClient, ConfigError.ConfigError | ConfigurationError, HttpClient.HttpClient> =>
  Layer.scoped(DeepsetClient, Effect.flatMap(config, (settings) => make({ ...options, ...settings })))
