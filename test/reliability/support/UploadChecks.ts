/**
 * What the nothing-lost, interruption and hostile-file tests share: an emulator with a client whose
 * requests are all recorded before they leave (so that S3 bodies can be scanned for the key), and the
 * checks that hold a report against what the emulator stores.
 *
 * The client has no S3 retry of its own choosing here: each test passes `s3Retry`.
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, type UploadReport } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import * as Observe from "./Observe.js"

/** A key long and distinctive enough that finding it anywhere is a leak, never a coincidence. */
export const API_KEY = "dsk_live_LOST-helper-9c41e7a2b8d05f36"

/** Every request the SDK handed to the transport, API and S3 alike, in order. */
export class Sent extends Context.Tag("test/reliability/UploadChecks/Sent")<Sent, Array<Observe.SentRequest>>() {}

/**
 * An emulator (test clock, no ingestion delay, the key above), a client for it over a recording undici
 * transport, and the platform services uploads need. A fresh layer per call: layers are memoised by
 * identity.
 */
export const layer = (options: Emulator.Options = {}) => {
  const client = Layer.unwrapEffect(Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const sent = yield* Sent
    return DeepsetClient.layer({
      apiKey: Redacted.make(emulator.apiKey),
      baseUrl: emulator.apiUrl,
      workspace: "default",
      timeout: "20 seconds"
    }).pipe(Layer.provide(Observe.recordingTransport(sent)))
  }))
  return Layer.mergeAll(client, NodeContext.layer).pipe(
    Layer.provideMerge(Layer.merge(Emulator.layerTest({ apiKeys: [API_KEY], ...options }), Layer.sync(Sent, () => [])))
  )
}

/**
 * What the report says S3 holds: every uploaded document, and every companion that reached S3 whether
 * its document did or not (companions go first).
 */
export const reportedObjects = (files: ReadonlyArray<UploadReport.FileReport>): Array<string> =>
  files.flatMap((f) => [
    ...(f.status === "uploaded" ? [f.name] : []),
    ...(f.metaUploaded === true ? [`${f.name}.meta.json`] : [])
  ]).sort()

/** The names stored in S3, sorted. */
export const storedNames = Effect.map(
  Effect.flatMap(Emulator.Emulator, (emulator) => emulator.objects()),
  (objects) => objects.map((o) => o.filename).sort()
)

/**
 * The report's counts add up to the input, per file and per session, and each session it names holds in
 * the emulator exactly the objects the report puts in it.
 */
export const assertCountsAddUp = (report: UploadReport.UploadReport, inputs: number) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    assert.strictEqual(report.total, inputs, "one report entry per input")
    assert.strictEqual(report.uploaded + report.failed, inputs)
    assert.deepStrictEqual(report.files.map((f) => f.index), Array.from({ length: inputs }, (_, i) => i))
    assert.strictEqual(report.sessions.reduce((n, s) => n + s.uploaded, 0), report.uploaded)
    const withSession = report.files.filter((f) => f.sessionId !== undefined).length
    assert.strictEqual(report.sessions.reduce((n, s) => n + s.files, 0), withSession)
    const objects = yield* emulator.objects()
    for (const session of report.sessions) {
      const expected = reportedObjects(report.files.filter((f) => f.sessionId === session.sessionId))
      const held = objects.filter((o) => o.sessionId === session.sessionId).map((o) => o.filename).sort()
      assert.deepStrictEqual(held, expected, `objects of session ${session.sessionId}`)
    }
  })

/** Every session the emulator knows is closed, and they are exactly the sessions the report names. */
export const assertSessionsClosed = (report: UploadReport.UploadReport | undefined) =>
  Effect.gen(function*() {
    const sessions = yield* Effect.flatMap(Emulator.Emulator, (emulator) => emulator.sessions)
    for (const session of sessions) assert.strictEqual(session.status, "CLOSED", `session ${session.sessionId}`)
    if (report !== undefined) {
      assert.deepStrictEqual(sessions.map((s) => s.sessionId).sort(), report.sessions.map((s) => s.sessionId).sort())
      assert.isTrue(report.sessions.every((s) => s.closed && s.closeError === undefined), "the report says closed")
    }
    return sessions
  })

/**
 * No S3 request carried the key: in the emulator's log none has an `Authorization` header or the key in
 * its path or query, and in what the SDK sent to S3 (URL, every header value, the whole body, which is in
 * memory for files up to 256 KiB) the key appears nowhere. Returns how many S3 requests were checked.
 */
export const assertS3NeverSawTheKey = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const sent = yield* Sent
  const logged = (yield* emulator.requests).filter((r) => r.route === "s3")
  for (const request of logged) {
    assert.isFalse(request.authorization, `S3 request ${request.id} is authorised`)
    assert.notInclude(request.headerNames, "authorization")
    assert.notInclude(request.path + request.search, API_KEY)
  }
  const toS3 = sent.filter((request) => request.url.startsWith(emulator.s3Url))
  for (const request of toS3) {
    assert.isUndefined(request.headers["authorization"])
    assert.isTrue(Observe.bodySeen(request), `the body of ${request.url} is in memory, so the scan sees it`)
    Observe.assertNoSecret(API_KEY, Observe.requestTexts(request), "an S3 request")
  }
  // Each logged S3 request was sent by this client (the recording missed none).
  assert.isAtLeast(toS3.length, logged.length)
  return logged.length
})

/**
 * Runs `effect` under a supervisor that tracks every fiber it forks, however deep, and answers its exit
 * with the fibers still running once it ended. Fibers are removed from the set as they end, so an
 * empty answer means nothing the effect started outlives it.
 */
export const supervised = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<readonly [Exit.Exit<A, E>, ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>], never, R> =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor.track
    const exit = yield* Effect.exit(Effect.supervised(effect, supervisor))
    const alive = (yield* supervisor.value).filter((fiber) => fiber.unsafePoll() === null)
    return [exit, alive] as const
  })

/** The exit of an effect that must have been interrupted and nothing else. */
export const assertInterrupted = <A, E>(exit: Exit.Exit<A, E>): void => {
  assert.isTrue(Exit.isInterrupted(exit), `interrupted, not ${Exit.isSuccess(exit) ? "a success" : "a failure"}`)
}
