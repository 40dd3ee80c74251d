/**
 * Pointing the SDK at the emulator in your own tests, with `@effect/vitest`.
 *
 * `Emulator.layerTest()` starts an emulator for the test file (ingestion settles the moment a session
 * closes; ids repeat from run to run), and a `DeepsetClient` layer built from its handle points the
 * SDK at it. The code under test runs unchanged; the tests read what the emulator stored, inject
 * faults, and move time with `TestClock`: the emulator runs on the clock of the layer it was built in,
 * so under `TestClock` sessions expire when the test says so.
 *
 * Run: pnpm vitest run --config examples/vitest.config.ts
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, UploadSessions } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

// --- The code under test: your application's own functions, written against the SDK only. ---

interface Note {
  readonly title: string
  readonly text: string
  readonly author: string
}

/** Archives notes into deepset Cloud, one document per note, and waits until they are ingested. */
const archiveNotes = (notes: ReadonlyArray<Note>) =>
  Upload.files(
    notes.map((note) => ({ name: `${note.title}.md`, body: note.text, meta: { author: note.author } })),
    { writeMode: "OVERWRITE", wait: true }
  )

/** The ids of the workspace's expired sessions. */
const expiredSessionIds = UploadSessions.streamList({ isExpired: true }).pipe(
  Stream.map((session) => session.sessionId),
  Stream.runCollect,
  Effect.map(Chunk.toReadonlyArray)
)

// --- The test setup: an emulator, and the SDK pointed at it. ---

const workspace = "notes"

/** A `DeepsetClient` for the emulator in context (its URL and key are only known once it runs). */
const clientForEmulator = (options: Omit<DeepsetClient.Options, "apiKey" | "baseUrl" | "workspace">) =>
  Layer.unwrapEffect(Effect.map(Emulator.Emulator, (emulator) =>
    DeepsetClient.layer({
      ...options,
      apiKey: Redacted.make(emulator.apiKey),
      baseUrl: emulator.apiUrl,
      workspace
    }))).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** The emulator, a client for it, and the platform services uploads use (the file system). */
const onEmulator = (options: Omit<DeepsetClient.Options, "apiKey" | "baseUrl" | "workspace">) =>
  Layer.mergeAll(clientForEmulator(options), NodeContext.layer).pipe(Layer.provideMerge(Emulator.layerTest()))

const notes: ReadonlyArray<Note> = [
  { title: "standup-2026-11-02", text: "Shipped the upload CLI.", author: "ada" },
  { title: "retro-q3", text: "Fewer meetings, more demos.", author: "grace" }
]

// Under TestClock no time passes unless a test says so, so retries (which back off) are off here.
layer(onEmulator({ retry: false }))("on the test clock", (it) => {
  it.effect("sees a session expire 24 hours after it was opened", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const session = yield* UploadSessions.create()

      yield* TestClock.adjust("23 hours")
      assert.deepStrictEqual(yield* expiredSessionIds, [])

      yield* TestClock.adjust("2 hours")
      assert.deepStrictEqual(yield* expiredSessionIds, [session.sessionId])
    }))

  it.effect("fails with a typed ServerError while the API is down", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.setFaults([Fault.always("list", Fault.serverError(503))])

      const error = yield* Effect.flip(expiredSessionIds).pipe(Effect.ensuring(emulator.clearFaults))

      assert.strictEqual(error._tag, "ServerError")
    }))
})

// Waits pass here as they do in production: a waited upload reads the session's status a quarter second
// after closing it, and retries wait between attempts (250 ms and up).
layer(onEmulator({}), { excludeTestServices: true })("on the live clock", (it) => {
  it.effect("archives every note, with its metadata, into the workspace", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset

      const report = yield* archiveNotes(notes)

      assert.isTrue(report.ok)
      assert.strictEqual(report.uploaded, 2)
      const stored = yield* emulator.workspaceIndex(workspace)
      assert.deepStrictEqual(
        stored.map((file) => [file.name, file.meta]),
        [["standup-2026-11-02.md", { author: "ada" }], ["retro-q3.md", { author: "grace" }]]
      )
    }))

  it.effect("archives through S3 throttling: each throttled upload is retried", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      yield* emulator.setFaults([Fault.times("s3", Fault.slowDown, 2)])

      const report = yield* archiveNotes(notes)

      assert.isTrue(report.ok)
      const s3 = (yield* emulator.requests).filter((request) => request.route === "s3")
      assert.strictEqual(s3.filter((request) => request.status === 503).length, 2)
      assert.strictEqual(s3.filter((request) => request.status === 204).length, 4) // 2 documents, 2 companions
    }))
})
