/**
 * Building the client: base URLs, refusal of clear-text keys, configuration from the environment, and
 * the transfer client for requests that must not carry the key.
 */
import { DeepsetClient, UploadSessions } from "@effect-deepset/sdk"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { assertTag } from "../support/Assertions.js"
import { client, TEST_API_KEY, transports } from "../support/Clients.js"
import { ScriptedServer } from "../support/ScriptedServer.js"

const [fetchTransport] = transports
const build = (options: Partial<DeepsetClient.Options>) =>
  DeepsetClient.make({ apiKey: Redacted.make(TEST_API_KEY), ...options }).pipe(
    Effect.scoped,
    Effect.provide(fetchTransport.layer)
  )

describe("DeepsetClient base URL", () => {
  it.effect("defaults to production and appends /api/v1 exactly once", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* build({})).baseUrl, "https://api.cloud.deepset.ai/api/v1")
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
      const allowed = yield* build({ baseUrl: "http://deepset.internal", allowInsecureHttp: true })
      assert.strictEqual(allowed.baseUrl, "http://deepset.internal/api/v1")
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
      const client = yield* DeepsetClient.DeepsetClient.pipe(
        Effect.provide(
          DeepsetClient.layerConfig({ timeout: "3 seconds" }).pipe(
            Layer.provide(fetchTransport.layer),
            Layer.provide(withEnv({
              DEEPSET_API_KEY: TEST_API_KEY,
              DEEPSET_API_URL: "http://127.0.0.1:1234/api/v1",
              DEEPSET_WORKSPACE: "team"
            }))
          )
        )
      )
      assert.strictEqual(client.baseUrl, "http://127.0.0.1:1234/api/v1")
      assert.deepStrictEqual(client.workspace, Option.some("team"))
      assert.isTrue(Option.isSome(client.timeout))
    }))

  it.effect("defaults the URL, treats an empty workspace as unset, and needs the key", () =>
    Effect.gen(function*() {
      const client = yield* DeepsetClient.DeepsetClient.pipe(
        Effect.provide(
          DeepsetClient.layerConfig().pipe(
            Layer.provide(fetchTransport.layer),
            Layer.provide(withEnv({ DEEPSET_API_KEY: TEST_API_KEY, DEEPSET_WORKSPACE: "" }))
          )
        )
      )
      assert.strictEqual(client.baseUrl, "https://api.cloud.deepset.ai/api/v1")
      assert.isTrue(Option.isNone(client.workspace))
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
      it.effect("releasing the client stops its deadline watcher, even one started uninterruptibly", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.handle(() => ({ status: 200, body: { data: [], has_more: false, total: 0 } }))
          // The first call starts the watcher; as the acquire of a resource it runs uninterruptibly. If
          // the watcher inherited that, releasing the layer below would wait for it forever.
          const page = yield* Effect.scoped(Effect.acquireRelease(UploadSessions.list(), () => Effect.void)).pipe(
            Effect.provide(Layer.orDie(client(server.url, transport, { timeout: "1 minute" })))
          )
          assert.strictEqual(page.total, 0)
        }))

      it.effect("sends no key, no base URL and no trace context; the API client sends all three", () =>
        Effect.gen(function*() {
          const server = yield* ScriptedServer
          server.reset()
          server.handle(() => ({ status: 204 }))
          yield* Effect.gen(function*() {
            const client = yield* DeepsetClient.DeepsetClient
            yield* client.transfer.execute(HttpClientRequest.post(`${server.url}/bucket`)).pipe(
              Effect.withSpan("upload")
            )
            yield* client.http.execute(HttpClientRequest.get("/workspaces")).pipe(Effect.withSpan("api"))
          }).pipe(Effect.provide(Layer.orDie(client(server.url, transport))))
          const [upload, api] = server.requests
          assert.strictEqual(upload.path, "/bucket")
          assert.isUndefined(upload.headers["authorization"])
          assert.isUndefined(upload.headers["traceparent"])
          assert.isUndefined(upload.headers["b3"])
          assert.strictEqual(api.path, "/api/v1/workspaces")
          assert.strictEqual(api.headers["authorization"], `Bearer ${TEST_API_KEY}`)
          assert.isString(api.headers["traceparent"])
        }))
    })
  })
}
