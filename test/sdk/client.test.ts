/**
 * Building the client: base URLs, refusal of clear-text keys, configuration from the environment, the
 * timeout that reaches every attempt, and the transfer client for requests that must not carry the key.
 */
import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Transfer from "../../packages/sdk/src/internal/transfer.js"
import { assertTag } from "../support/Assertions.js"
import { client, TEST_API_KEY, transports } from "../support/Clients.js"
import { ScriptedServer } from "../support/ScriptedServer.js"

const [fetchTransport] = transports

/**
 * A transport that answers every request with an empty page, without a network, and records where each
 * request went: what a client is configured with shows in the requests it sends.
 */
const recording = () => {
  const urls: Array<string> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, url) => {
      urls.push(url.toString())
      const body = JSON.stringify({ data: [], has_more: false, total: 0 })
      return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status: 200 })))
    })
  )
  return { urls, layer }
}

/** Where the client built from `options` sends `UploadSessions.list`. */
const listUrl = (options: Partial<DeepsetClient.Options>) => {
  const transport = recording()
  return UploadSessions.list({ workspaceName: "ws" }).pipe(
    Effect.provide(DeepsetClient.layer({ apiKey: Redacted.make(TEST_API_KEY), ...options })),
    Effect.provide(transport.layer),
    Effect.map(() => transport.urls[0])
  )
}

const build = (options: Partial<DeepsetClient.Options>) =>
  DeepsetClient.make({ apiKey: Redacted.make(TEST_API_KEY), ...options }).pipe(Effect.provide(fetchTransport.layer))

describe("DeepsetClient base URL", () => {
  it.effect("defaults to production and appends /api/v1 exactly once", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* listUrl({}), "https://api.cloud.deepset.ai/api/v1/workspaces/ws/upload_sessions")
      const cases: Array<[string, string]> = [
        ["https://api.cloud.deepset.ai", "https://api.cloud.deepset.ai/api/v1"],
        ["https://api.cloud.deepset.ai/", "https://api.cloud.deepset.ai/api/v1"],
        ["https://api.cloud.deepset.ai/api/v1", "https://api.cloud.deepset.ai/api/v1"],
        ["https://api.cloud.deepset.ai/api/v1/", "https://api.cloud.deepset.ai/api/v1"],
        ["https://proxy.example.com/deepset", "https://proxy.example.com/deepset/api/v1"],
        ["http://localhost:8080", "http://localhost:8080/api/v1"],
        ["http://127.0.0.1:9000/api/v1", "http://127.0.0.1:9000/api/v1"],
        ["http://[::1]:9000", "http://[::1]:9000/api/v1"]
      ]
      for (const [input, expected] of cases) {
        assert.strictEqual(yield* DeepsetClient.normalizeBaseUrl(input), expected, input)
      }
    }))

  it.effect("refuses plain http to a remote host unless allowed, with a clear error", () =>
    Effect.gen(function*() {
      const error = assertTag(
        yield* Effect.flip(build({ baseUrl: "http://api.cloud.deepset.ai" })),
        "ConfigurationError"
      )
      assert.strictEqual(error.option, "baseUrl")
      assert.include(error.message, "clear text")
      assert.include(error.message, "allowInsecureHttp")
      const allowed = yield* listUrl({ baseUrl: "http://deepset.internal", allowInsecureHttp: true })
      assert.strictEqual(allowed, "http://deepset.internal/api/v1/workspaces/ws/upload_sessions")
    }))

  it.effect("refuses URLs it cannot use safely", () =>
    Effect.gen(function*() {
      for (const baseUrl of ["not a url", "ftp://example.com", "https://user:pw@example.com", "https://x.com/?a=1"]) {
        const error = assertTag(yield* Effect.flip(build({ baseUrl })), "ConfigurationError")
        assert.notInclude(error.message, "pw")
      }
    }))

  it.effect("refuses an empty key, an empty workspace and a non-positive timeout", () =>
    Effect.gen(function*() {
      const options: Array<Partial<DeepsetClient.Options>> = [
        { apiKey: Redacted.make("  ") },
        { apiKey: Redacted.make("Bearer ") },
        { workspace: "" },
        { timeout: 0 }
      ]
      for (const option of options) {
        assertTag(yield* Effect.flip(build(option)), "ConfigurationError")
      }
    }))
})

describe("DeepsetClient.layerConfig", () => {
  const withEnv = (env: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("reads the key, the URL and the workspace from the environment", () =>
    Effect.gen(function*() {
      const transport = recording()
      yield* UploadSessions.list().pipe(
        Effect.provide(
          DeepsetClient.layerConfig().pipe(
            Layer.provide(transport.layer),
            Layer.provide(withEnv({
              DEEPSET_API_KEY: TEST_API_KEY,
              DEEPSET_API_URL: "http://127.0.0.1:1234/api/v1",
              DEEPSET_WORKSPACE: "team"
            }))
          )
        )
      )
      assert.deepStrictEqual(transport.urls, ["http://127.0.0.1:1234/api/v1/workspaces/team/upload_sessions"])
    }))

  it.effect("takes a Config or a value per field, the fields not given from the environment", () =>
    Effect.gen(function*() {
      const transport = recording()
      yield* UploadSessions.list().pipe(
        Effect.provide(
          DeepsetClient.layerConfig({
            workspace: Config.string("MY_WORKSPACE"),
            baseUrl: "http://127.0.0.1:4321"
          }).pipe(
            Layer.provide(transport.layer),
            Layer.provide(withEnv({ DEEPSET_API_KEY: TEST_API_KEY, MY_WORKSPACE: "mine", DEEPSET_WORKSPACE: "team" }))
          )
        )
      )
      assert.deepStrictEqual(transport.urls, ["http://127.0.0.1:4321/api/v1/workspaces/mine/upload_sessions"])
    }))

  it.effect("defaults the URL, treats an empty workspace as unset, and needs the key", () =>
    Effect.gen(function*() {
      const transport = recording()
      const layer = DeepsetClient.layerConfig().pipe(
        Layer.provide(transport.layer),
        Layer.provide(withEnv({ DEEPSET_API_KEY: TEST_API_KEY, DEEPSET_WORKSPACE: "" }))
      )
      yield* UploadSessions.list({ workspaceName: "ws" }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(transport.urls, ["https://api.cloud.deepset.ai/api/v1/workspaces/ws/upload_sessions"])
      const unset = assertTag(
        yield* Effect.flip(UploadSessions.list().pipe(Effect.provide(layer))),
        "InvalidInputError"
      )
      assert.strictEqual(unset.field, "workspaceName")
      const missing = yield* Effect.flip(
        DeepsetClient.DeepsetClient.pipe(
          Effect.provide(
            DeepsetClient.layerConfig().pipe(Layer.provide(fetchTransport.layer), Layer.provide(withEnv({})))
          )
        )
      )
      assert.include(String(missing), "DEEPSET_API_KEY")
    }))
})

for (const transport of transports) {
  describe(`DeepsetClient over ${transport.name}`, () => {
    it.layer(ScriptedServer.layer)((it) => {
      it.effect("the timeout given reaches every attempt, and the answer's body is within it", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.script({ _tag: "Hang" }, { _tag: "Stall", status: 200 })
          const layer = Layer.orDie(client(server.url, transport, { timeout: "7 seconds" }))
          for (let attempt = 1; attempt <= 2; attempt++) {
            const call = yield* Effect.fork(Effect.flip(UploadSessions.list().pipe(Effect.provide(layer))))
            yield* server.awaitRequests(attempt)
            yield* TestClock.adjust("6999 millis")
            yield* TestClock.adjust("1 millis")
            const error = assertTag(yield* Fiber.join(call), "TimeoutError")
            assert.strictEqual(Duration.toMillis(error.timeout), 7_000)
          }
        }))

      it.effect("sends no key, no base URL and no trace context; the API client sends all three", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.handle(({ method }) =>
            method === "GET" ? { status: 200, body: { data: [], has_more: false, total: 0 } } : { status: 204 }
          )
          yield* Effect.gen(function*() {
            const transfer = yield* Transfer.of(yield* DeepsetClient.DeepsetClient)
            yield* transfer.client.execute(HttpClientRequest.post(`${server.url}/bucket`)).pipe(
              Effect.withSpan("upload")
            )
            yield* UploadSessions.list().pipe(Effect.withSpan("api"))
          }).pipe(Effect.provide(Layer.orDie(client(server.url, transport))))
          const [upload, api] = server.requests
          assert.strictEqual(upload.path, "/bucket")
          assert.isUndefined(upload.headers["authorization"])
          assert.isUndefined(upload.headers["traceparent"])
          assert.isUndefined(upload.headers["b3"])
          assert.strictEqual(api.path, "/api/v1/workspaces/default/upload_sessions")
          assert.strictEqual(api.headers["authorization"], `Bearer ${TEST_API_KEY}`)
          assert.isString(api.headers["traceparent"])
        }))
    })
  })
}
