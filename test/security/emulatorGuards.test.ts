/**
 * The emulator's own guard rails, through the SDK where the SDK can express the request, in plain HTTP
 * where it cannot (the SDK never sends a tampered form, an Authorization header to S3, or a post it
 * knows to be late).
 *
 * Proven in the emulator's own suite, not repeated here (plain HTTP, `pnpm vitest run <file> -t "<name>"`):
 * - 401 without a key, with an unknown or doubled key, on every operation:
 *   packages/emulator/test/Api.test.ts, "401 for a missing, unknown or doubled bearer key";
 * - a session of workspace A is 404 in workspace B: Api.test.ts, "a session of workspace A is 404";
 * - a tampered signature or policy, or another access key: packages/emulator/test/S3.test.ts,
 *   "rejects a tampered signature or policy with 403 SignatureDoesNotMatch";
 * - a post after the policy expired, or into a closed session: S3.test.ts, "rejects an upload after the
 *   policy expired";
 * - an Authorization header on S3: S3.test.ts, "rejects a request carrying an Authorization header";
 * - the file limit as a rule (on a small configured limit): S3.test.ts, "accepts at most maxFilesPerSession".
 *
 * Reproduce: pnpm vitest run test/security/emulatorGuards.test.ts
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, Errors, Upload, UploadErrors, UploadSessions } from "@effect-deepset/sdk"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Undici from "undici"
import type { CreatedSession } from "../../packages/emulator/test/helpers.js"
import { api, createSession, s3Code, sessionsPath, upload } from "../../packages/emulator/test/helpers.js"
import { TEST_API_KEY } from "../support/Clients.js"

const start = (options: Emulator.Options = {}) =>
  Emulator.start({ apiKeys: [TEST_API_KEY], ingestionDelay: 0, seed: 5, ...options })

const sdk = (emulator: Emulator.Handle, apiKey = TEST_API_KEY, workspace = "default") =>
  Layer.merge(
    DeepsetClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: emulator.apiUrl, workspace, retry: false }).pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.orDie
    ),
    NodeFileSystem.layer
  )

/**
 * A presigned POST with undici on a kept-alive pool and a body built by hand: filling a session with
 * 10 000 uploads costs a fraction of what fetch and FormData do.
 */
const rawUpload = (pool: Undici.Pool, session: CreatedSession, name: string) =>
  Effect.promise(async () => {
    const boundary = "----emulator-guards-boundary"
    const fields = Object.entries(session.aws_prefixed_request_config.fields).map(([field, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${value}\r\n`
    )
    const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`
    const url = new URL(session.aws_prefixed_request_config.url)
    const response = await pool.request({
      method: "POST",
      path: url.pathname,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body: fields.join("") + file
    })
    await response.body.text()
    return response.statusCode
  })

type Call = Effect.Effect<unknown, Errors.ApiError | Errors.InvalidInputError, DeepsetClient.DeepsetClient>

const isolation = (emulator: Emulator.Handle) =>
  Effect.gen(function*() {
    const mine = yield* Upload.session({ workspaceName: "A" })
    yield* mine.send({ name: "secret.txt", body: "for A only" })
    const sessionId = mine.sessionId
    const workspaceName = "B"
    const calls: ReadonlyArray<Call> = [
      UploadSessions.getStatus({ workspaceName, sessionId }),
      UploadSessions.getFiles({ workspaceName, sessionId }),
      UploadSessions.close({ workspaceName, sessionId })
    ]
    for (const call of calls) assert.instanceOf(yield* Effect.flip(call), Errors.NotFoundError)
    assert.strictEqual((yield* UploadSessions.list({ workspaceName })).total, 0)
    const inA = yield* UploadSessions.getFiles({ workspaceName: "A", sessionId })
    assert.deepStrictEqual(inA.data.map((file) => file.name), ["secret.txt"])
    assert.strictEqual((yield* emulator.sessions)[0]?.status, "OPEN")
  })

describe("the emulator's guard rails", () => {
  it.scoped("401: no key in plain HTTP, and a wrong key through the SDK on every operation; nothing is made", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const bare = yield* api(emulator, sessionsPath("default"), { authorization: null })
      assert.strictEqual(bare.status, 401)
      assert.strictEqual(bare.headers.get("www-authenticate"), "Bearer")
      const real = yield* UploadSessions.create().pipe(Effect.provide(sdk(emulator)))
      const calls: ReadonlyArray<Call> = [
        UploadSessions.create(),
        UploadSessions.close({ sessionId: real.sessionId }),
        UploadSessions.getStatus({ sessionId: real.sessionId }),
        UploadSessions.getFiles({ sessionId: real.sessionId }),
        UploadSessions.list()
      ]
      for (const call of calls) {
        const error = yield* Effect.flip(call).pipe(Effect.provide(sdk(emulator, "dsk_live_WRONG-KEY")))
        assert.instanceOf(error, Errors.AuthenticationError)
        if (error instanceof Errors.AuthenticationError) assert.strictEqual(error.status, 401)
      }
      const sessions = yield* emulator.sessions
      assert.deepStrictEqual(sessions.map((s) => [s.sessionId, s.status]), [[real.sessionId, "OPEN"]])
    }))

  it.scoped("workspace isolation through the SDK: another workspace neither sees, lists, reads nor closes a session", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      yield* isolation(emulator).pipe(Effect.scoped, Effect.provide(sdk(emulator)))
    }))

  it.scoped("expiry: a post a millisecond before it is stored, one at it is refused; the SDK does not even send", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const session = yield* createSession(emulator)
      yield* TestClock.adjust(24 * 60 * 60 * 1000 - 1)
      assert.strictEqual((yield* upload(session, "just-in-time.txt", "a")).status, 204)
      yield* TestClock.adjust(1)
      const late = yield* upload(session, "late.txt", "a")
      assert.deepStrictEqual([late.status, s3Code(late)], [403, "AccessDenied"])
      assert.match(late.text, /Policy expired/)
      assert.deepStrictEqual((yield* emulator.objects()).map((o) => o.filename), ["just-in-time.txt"])

      // Through the SDK: a session past its expiry fails the send itself, and nothing reaches S3.
      yield* Effect.gen(function*() {
        const opened = yield* Upload.session()
        yield* TestClock.adjust("24 hours")
        yield* emulator.clearRequests
        const error = yield* Effect.flip(opened.send({ name: "too-late.txt", body: "x" }))
        assert.instanceOf(error, UploadErrors.SessionExpiredError)
        assert.lengthOf((yield* emulator.requests).filter((r) => r.route === "s3"), 0)
      }).pipe(Effect.scoped, Effect.provide(sdk(emulator)))
    }))

  it.scoped(
    "the 10 000-file limit, filled for real: the next upload is refused, a replacement is not",
    () =>
      Effect.gen(function*() {
        const emulator = yield* start()
        assert.strictEqual(emulator.maxFilesPerSession, 10_000)
        const session = yield* createSession(emulator)
        const pool = yield* Effect.acquireRelease(
          Effect.sync(() =>
            new Undici.Pool(new URL(session.aws_prefixed_request_config.url).origin, { connections: 8 })
          ),
          (pool) => Effect.promise(() => pool.close())
        )
        const statuses = yield* Effect.forEach(
          Array.from({ length: 10_000 }, (_, i) => `f-${i}.txt`),
          (name) => rawUpload(pool, session, name),
          { concurrency: 8 }
        )
        assert.deepStrictEqual([...new Set(statuses)], [204])
        const over = yield* upload(session, "one-too-many.txt", "x")
        assert.deepStrictEqual([over.status, s3Code(over)], [403, "AccessDenied"])
        assert.match(over.text, /10000 files/)
        assert.strictEqual((yield* upload(session, "f-0.txt", "again")).status, 204)
        const stored = yield* emulator.sessions
        assert.strictEqual(stored[0]?.uploads, 10_000)
      }),
    { timeout: 240_000 }
  ) // 10 000 real uploads: ~25 s on a loaded 2-core machine; a bound, not a timing assert
})
