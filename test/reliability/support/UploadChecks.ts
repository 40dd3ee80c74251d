/**
 * What the nothing-lost, interruption and hostile-file tests share: an emulator with a client whose
 * requests are all recorded before they leave (so that S3 bodies can be scanned for the key), and the
 * checks that hold a report against what the emulator stores.
 *
 * The client has no S3 retry of its own choosing here: each test passes `s3Retry`.
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, type UploadReport, UploadSessions } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"

/** A key long and distinctive enough that finding it anywhere is a leak, never a coincidence. */
export const API_KEY = "dsk_live_LOST-helper-9c41e7a2b8d05f36"

/** Every request the SDK handed to the transport, API and S3 alike, in order. */
export class Sent
  extends Context.Tag("test/reliability/UploadChecks/Sent")<Sent, Array<HttpClientRequest.HttpClientRequest>>()
{}

/** The undici transport, with every request recorded before it leaves (a fresh layer per call, as above). */
const recordingTransport = () =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const sent = yield* Sent
      const client = yield* HttpClient.HttpClient
      return HttpClient.tapRequest(client, (request) => Effect.sync(() => void sent.push(request)))
    })
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

const decoder = new TextDecoder()

/** Where a key could travel in a request: URL, parameters, header values, and a body held in memory. */
const requestTexts = (request: HttpClientRequest.HttpClientRequest): ReadonlyArray<string> => {
  const texts = [request.url, JSON.stringify(request.urlParams), ...Object.values(request.headers)]
  if (request.body._tag === "Uint8Array") texts.push(decoder.decode(request.body.body))
  return texts
}

/** One turn of the event loop, so that sockets make progress; not a timer. */
export const tick: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Repeats `check` until it holds, giving the event loop a turn in between (no timer, no sleep). */
export const waitFor = <E, R>(check: Effect.Effect<boolean, E, R>): Effect.Effect<void, E, R> =>
  Effect.flatMap(check, (ok) => ok ? Effect.void : Effect.zipRight(tick, waitFor(check)))

/**
 * An emulator (test clock, no ingestion delay, the key above), a client for it over a recording undici
 * transport, and the platform services uploads need. A fresh layer per call: layers are memoised by
 * identity.
 */
export const layer = (options: Emulator.Options = {}) => {
  const client = Layer.unwrapEffect(Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    return DeepsetClient.layer({
      apiKey: Redacted.make(emulator.apiKey),
      baseUrl: emulator.apiUrl,
      workspace: "default",
      timeout: "20 seconds"
    }).pipe(Layer.provide(recordingTransport()))
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
    assert.strictEqual(request.body._tag, "Uint8Array", `the body of ${request.url} is in memory, so the scan sees it`)
    for (const text of requestTexts(request)) {
      if (text.includes(API_KEY)) assert.fail(`an S3 request carries the API key: ${request.url}`)
    }
  }
  // Each logged S3 request was sent by this client (the recording missed none).
  assert.isAtLeast(toS3.length, logged.length)
  return logged.length
})

/**
 * Forks `effect` under a supervisor that tracks every fiber it forks, however deep. `alive` answers those
 * still running: fibers leave the set as they end, so an empty answer once the fiber is done means that
 * nothing the effect started outlives it. The fiber itself is forked before the supervisor applies, so
 * that interrupting it leaves the caller free to look.
 */
export const forkSupervised = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor.track
    const fiber = yield* Effect.fork(Effect.supervised(effect, supervisor))
    const alive: Effect.Effect<ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>> = Effect.map(
      supervisor.value,
      (fibers) => fibers.filter((fiber) => fiber.unsafePoll() === null)
    )
    return { fiber, alive }
  })

/** Runs `effect` as {@link forkSupervised} does, to its end: its exit, and the fibers it left running. */
export const supervised = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<readonly [Exit.Exit<A, E>, ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>], never, R> =>
  Effect.gen(function*() {
    const { alive, fiber } = yield* forkSupervised(effect)
    const exit = yield* Fiber.await(fiber)
    return [exit, yield* alive] as const
  })

/**
 * Resets the emulator and makes one API call outside any supervised run, so that whatever the client
 * sets up at its first request (the transport's connection pool) is not counted among the fibers an
 * upload leaves behind. The request log is cleared afterwards.
 */
export const freshStart = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  yield* emulator.reset
  yield* UploadSessions.list({ limit: 1 })
  yield* emulator.clearRequests
  ;(yield* Sent).length = 0
})

/** The exit of an effect that must have been interrupted and nothing else. */
export const assertInterrupted = <A, E>(exit: Exit.Exit<A, E>): void => {
  assert.isTrue(Exit.isInterrupted(exit), `interrupted, not ${Exit.isSuccess(exit) ? "a success" : "a failure"}`)
}
