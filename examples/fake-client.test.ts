/**
 * Testing your own code against a fake `DeepsetClient`, with no server at all.
 *
 * The `UploadSessions` functions call the operations of the `DeepsetClient` service in context, so a
 * test can provide a service of its own with `Layer.succeed`: it answers what the test needs, records
 * what the code asked for, and fails the way the test says. (To test against the real wire, including
 * uploads, use the emulator instead: see emulator-in-tests.test.ts.)
 *
 * Run: pnpm vitest run --config examples/vitest.config.ts
 */
import { DeepsetClient, Errors, Models, UploadSessions } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

// --- The code under test: how many files of a session failed, or none when the session is unknown. ---

const failedFiles = (sessionId: string) =>
  UploadSessions.streamFiles({ sessionId, ingestionStatus: "FAILED" }).pipe(
    Stream.map((file) => file.name),
    Stream.runCollect,
    Effect.map((names) => [...names]),
    Effect.catchTag("NotFoundError", () => Effect.succeed(undefined))
  )

// --- The fake: only the operations the code uses; the others fail loudly if called. ---

const unused = (name: string) => () => Effect.dieMessage(`the code under test should not call ${name}`)

const fake = (files: Record<string, ReadonlyArray<Models.SessionFile>>, asked: Array<string>) =>
  Layer.succeed(
    DeepsetClient.DeepsetClient,
    DeepsetClient.DeepsetClient.of({
      create: unused("create"),
      close: unused("close"),
      getStatus: unused("getStatus"),
      getFiles: unused("getFiles"),
      list: unused("list"),
      streamList: () => Stream.dieMessage("the code under test should not call streamList"),
      streamFiles: ({ ingestionStatus, sessionId }) => {
        asked.push(`${sessionId}:${ingestionStatus}`)
        const found = files[sessionId]
        return found === undefined
          ? Stream.fail(new Errors.NotFoundError({ method: "GET", url: `fake://${sessionId}`, body: "" }))
          : Stream.fromIterable(found.filter((file) => file.ingestionStatus === ingestionStatus))
      }
    })
  )

const file = (name: string, ingestionStatus: Models.IngestionStatus) =>
  new Models.SessionFile({ name, ingestionStatus, fileIngestionId: name })

describe("failedFiles, against a fake DeepsetClient", () => {
  it.effect("lists the names of the failed files only", () =>
    Effect.gen(function*() {
      const asked: Array<string> = []
      const names = yield* failedFiles("s-1").pipe(
        Effect.provide(fake({ "s-1": [file("a.txt", "FINISHED"), file("b.txt", "FAILED")] }, asked))
      )
      assert.deepStrictEqual(names, ["b.txt"])
      assert.deepStrictEqual(asked, ["s-1:FAILED"])
    }))

  it.effect("an unknown session is no failure of the code, just no answer", () =>
    Effect.gen(function*() {
      const names = yield* failedFiles("nope").pipe(Effect.provide(fake({}, [])))
      assert.isUndefined(names)
    }))
})
