import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Settings from "../src/Settings.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const noFlags: Settings.Flags = { apiUrl: Option.none(), workspace: Option.none() }

describe("Settings", () => {
  it.effect("reads the environment", () =>
    Effect.gen(function*() {
      const remote = yield* Settings.remote(noFlags).pipe(withEnv({
        DEEPSET_API_KEY: "secret-key-123456",
        DEEPSET_API_URL: "https://example.test",
        DEEPSET_WORKSPACE: "docs"
      }))
      assert.strictEqual(Redacted.value(remote.apiKey), "secret-key-123456")
      assert.deepStrictEqual(remote.apiUrl, Option.some("https://example.test"))
      assert.strictEqual(remote.workspace, "docs")
    }))

  it.effect("flags win over the environment", () =>
    Effect.gen(function*() {
      const remote = yield* Settings.remote({
        apiUrl: Option.some("http://127.0.0.1:9"),
        workspace: Option.some("flag")
      })
        .pipe(withEnv({ DEEPSET_API_KEY: "k", DEEPSET_API_URL: "https://env.test", DEEPSET_WORKSPACE: "env" }))
      assert.deepStrictEqual(remote.apiUrl, Option.some("http://127.0.0.1:9"))
      assert.strictEqual(remote.workspace, "flag")
    }))

  it.effect("a missing or blank key and workspace are named together; the key never appears", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Settings.remote(noFlags).pipe(withEnv({})))
      assert.include(missing.message, "DEEPSET_API_KEY is not set")
      assert.include(missing.message, "DEEPSET_WORKSPACE")
      const blank = yield* Effect.flip(
        Settings.remote(noFlags).pipe(withEnv({ DEEPSET_API_KEY: " ", DEEPSET_WORKSPACE: "w" }))
      )
      assert.include(blank.message, "DEEPSET_API_KEY is not set")
      assert.notInclude(blank.message, "DEEPSET_WORKSPACE")
      const badUrl = yield* Effect.flip(
        Settings.remote(noFlags).pipe(
          withEnv({ DEEPSET_API_KEY: "hunter2-key", DEEPSET_WORKSPACE: "w", DEEPSET_API_URL: "not a url" })
        )
      )
      assert.include(badUrl.message, `"not a url"`)
      assert.notInclude(badUrl.message, "hunter2-key")
    }))
})
