/**
 * Workspace names and session ids holding `../`, `%2F`, `/`, `?`, `#`, spaces, backslashes or unicode
 * cannot change the route. For every operation the emulator's log shows the path the SDK sent: exactly
 * the route's segments, each of which decodes back to the id as given, with no query; the answer is a
 * 404 (`NotFoundError`), or the SDK refuses the id before sending anything (`InvalidInputError`, for
 * blank and dot segments). A real session in another workspace, whose id the hostile values are built
 * from, is never reached: it stays open and no other session appears.
 *
 * Reproduce: pnpm vitest run test/security/hostileIds.test.ts
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, Errors, UploadSessions } from "@effect-deepset/sdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { TEST_API_KEY } from "../support/Clients.js"

const VICTIM = "victim"

const emulator = Emulator.layerTest({ apiKeys: [TEST_API_KEY], workspaces: ["default", VICTIM] })

const clientLayer = Layer.unwrapEffect(Effect.map(Emulator.Emulator, (handle) =>
  DeepsetClient.layer({
    apiKey: Redacted.make(TEST_API_KEY),
    baseUrl: handle.apiUrl,
    workspace: "default",
    retry: false
  }))).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie)

/** The victim: one open session in another workspace, made once per file. */
let victimId: string | undefined
const victim = Effect.gen(function*() {
  if (victimId === undefined) victimId = (yield* UploadSessions.create({ workspaceName: VICTIM })).sessionId
  return victimId
})

const pieces = [
  "../",
  "..",
  ".",
  "%2F",
  "%2f",
  "%2e%2e",
  "/",
  "\\",
  "?",
  "#",
  " ",
  "%",
  "%00",
  "&limit=1",
  "é",
  "Ω",
  "🙂",
  "\u202e",
  VICTIM,
  "default",
  "upload_sessions",
  "files"
] as const

/** A value built from `pieces` (and the victim's id), holding at least one character an id should not. */
const hostile = FastCheck.array(
  FastCheck.oneof(FastCheck.constantFrom(...pieces), FastCheck.constant("<victim-id>")),
  { minLength: 1, maxLength: 6 }
).map((parts) => parts.join("")).filter((value) => /[^A-Za-z0-9_<>-]/.test(value))

type Outcome = { readonly _tag: "NotFound"; readonly path: string; readonly search: string } | {
  readonly _tag: "Refused"
}

describe("hostile ids", () => {
  it.layer(Layer.provideMerge(clientLayer, emulator))((it) => {
    it.effect.prop(
      "cannot change the route: encoded in their own segment, answered 404, the other workspace untouched",
      [hostile, hostile, FastCheck.constantFrom("workspace", "session", "both")],
      ([workspaceTemplate, sessionTemplate, which]) =>
        Effect.gen(function*() {
          const handle = yield* Emulator.Emulator
          const victimSession = yield* victim
          const fill = (template: string) => template.replaceAll("<victim-id>", victimSession)
          const workspaceName = which === "session" ? VICTIM : fill(workspaceTemplate)
          const sessionId = which === "workspace" ? victimSession : fill(sessionTemplate)

          const calls = [
            ["getStatus", UploadSessions.getStatus({ workspaceName, sessionId }), [workspaceName, sessionId]],
            ["getFiles", UploadSessions.getFiles({ workspaceName, sessionId }), [workspaceName, sessionId, "files"]],
            ["close", UploadSessions.close({ workspaceName, sessionId }), [workspaceName, sessionId]],
            ...(which === "session" ? [] : [
              ["list", UploadSessions.list({ workspaceName }), [workspaceName]],
              ["create", UploadSessions.create({ workspaceName }), [workspaceName]]
            ] as const)
          ] as const

          for (const [name, call, segments] of calls) {
            yield* handle.clearRequests
            const exit = yield* Effect.exit(call as Effect.Effect<unknown, Errors.ApiError>)
            const log = yield* handle.requests
            const outcome: Outcome = Exit.isFailure(exit) && Cause.isFailType(exit.cause) &&
                exit.cause.error instanceof Errors.InvalidInputError
              ? { _tag: "Refused" }
              : { _tag: "NotFound", path: log[0]?.path ?? "", search: log[0]?.search ?? "" }
            const label = `${name}(${JSON.stringify(workspaceName)}, ${JSON.stringify(sessionId)})`
            if (outcome._tag === "Refused") {
              // Only what cannot be a path segment is refused, and then nothing is sent.
              assert.isTrue(
                segments.some((segment) => segment.trim() === "" || segment === "." || segment === ".."),
                `${label} was refused`
              )
              assert.strictEqual(log.length, 0, `${label} was refused yet sent`)
              continue
            }
            if (Exit.isSuccess(exit) || !Cause.isFailType(exit.cause)) {
              return assert.fail(`${label} reached a resource: ${Exit.isSuccess(exit) ? "success" : "defect"}`)
            }
            assert.instanceOf(exit.cause.error, Errors.NotFoundError, label)
            assert.strictEqual(log.length, 1, label)
            assert.strictEqual(log[0]?.status, 404, label)
            // The path is the route's own, every id encoded inside its segment, and nothing became a query.
            const parts = outcome.path.split("/")
            const expected = segments.length === 1
              ? ["", "api", "v1", "workspaces", "*", "upload_sessions"]
              : ["", "api", "v1", "workspaces", "*", "upload_sessions", "*", ...segments.slice(2)]
            assert.deepStrictEqual(parts.map((part, i) => expected[i] === "*" ? "*" : part), expected, label)
            assert.strictEqual(decodeURIComponent(parts[4]!), workspaceName, label)
            if (segments.length > 1) assert.strictEqual(decodeURIComponent(parts[6]!), sessionId, label)
            assert.strictEqual(outcome.search, "", label)
          }

          // The victim was not reached: still open, and no session was made anywhere.
          const sessions = yield* handle.sessions
          assert.deepStrictEqual(sessions.map((s) => [s.workspace, s.sessionId, s.status]), [
            [VICTIM, victimSession, "OPEN"]
          ])
        }),
      { fastCheck: { seed: 20261124, numRuns: 60 } }
    )
  })
})
