/**
 * The fault matrix: every operation and both streams (faulted mid-walk, on their second page) against
 * every fault the emulator injects, with the client's default retry policy and a 5-second per-attempt
 * timeout. Each pair ends one of two ways, and the test says which before it runs:
 *
 * - recovered within the retry budget, after exactly the attempts the faults cost, each retry no sooner
 *   than the backoff's floor, a hang's deadline or the server's `Retry-After` (checked on the emulator's
 *   `receivedAt`, which is virtual time: see `support/Drive.ts` for which clock each side reads);
 * - or failed with the one typed error of that fault once the budget is spent (or at once where a retry
 *   would be wrong), never a defect, an interruption or an untyped error.
 *
 * `create` is not idempotent: after a failure where the server may have acted it is not retried, and the
 * emulator never holds more than the one session the call opened. Every case also scans its errors, log
 * lines and spans for the API key.
 *
 * Reproduce: pnpm vitest run test/reliability/faultMatrix.test.ts
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, Errors, UploadSessions } from "@effect-deepset/sdk"
import * as Upload from "@effect-deepset/sdk/Upload"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { TEST_API_KEY } from "../support/Clients.js"
import * as Drive from "./support/Drive.js"
import * as Observe from "./support/Observe.js"

const TIMEOUT = Duration.seconds(5)
/** The default policy: four retries, so five attempts at most. */
const ATTEMPTS = 5
/** The default policy's first wait is 250 millis, jittered down to half of it at most. */
const BACKOFF_FLOOR_MILLIS = 125
const RETRY_AFTER_SECONDS = 2
/** Items the lists hold, and the streams' page size: pages of 2, 2 and 1. */
const ITEMS = 5
const PAGE_SIZE = 2

type ErrorTag = "RateLimitedError" | "ServerError" | "TransportError" | "TimeoutError" | "DecodeError"

/** Instance checks, so that a plain object with the right `_tag` does not pass for a typed error. */
const isError: Record<ErrorTag, (error: unknown) => boolean> = {
  RateLimitedError: (error) => error instanceof Errors.RateLimitedError,
  ServerError: (error) => error instanceof Errors.ServerError,
  TransportError: (error) => error instanceof Errors.TransportError,
  TimeoutError: (error) => error instanceof Errors.TimeoutError,
  DecodeError: (error) => error instanceof Errors.DecodeError
}

interface FaultCase {
  readonly name: string
  readonly fault: Fault.Fault
  /** The error a call fails with once retrying ends. */
  readonly error: ErrorTag
  /** Retried by idempotent calls. */
  readonly transient: boolean
  /** Retried by `create` too: the server provably did not act. */
  readonly unprocessed: boolean
  /** The operation took effect before the answer went wrong. */
  readonly acted: boolean
  /** Only the body of a success answer is damaged. */
  readonly damagedBody: boolean
  /** When the retry after this fault may come, at the earliest, given when the faulted request arrived. */
  readonly earliestRetry: (receivedAt: number) => number
}

const backoff = (receivedAt: number) => receivedAt + BACKOFF_FLOOR_MILLIS

const statusFault = (status: 500 | 502 | 503 | 504): FaultCase => ({
  name: String(status),
  fault: Fault.serverError(status),
  error: "ServerError",
  transient: true,
  // The emulator's 503 carries no Retry-After, so it does not prove that nothing happened.
  unprocessed: false,
  acted: false,
  damagedBody: false,
  earliestRetry: backoff
})

const faults: ReadonlyArray<FaultCase> = [
  {
    name: "429 Retry-After seconds",
    fault: Fault.tooManyRequests({ retryAfter: RETRY_AFTER_SECONDS, format: "seconds" }),
    error: "RateLimitedError",
    transient: true,
    unprocessed: true,
    acted: false,
    damagedBody: false,
    earliestRetry: (at) => at + RETRY_AFTER_SECONDS * 1000
  },
  {
    name: "429 Retry-After HTTP date",
    fault: Fault.tooManyRequests({ retryAfter: RETRY_AFTER_SECONDS, format: "date" }),
    error: "RateLimitedError",
    transient: true,
    unprocessed: true,
    acted: false,
    damagedBody: false,
    // The emulator rounds the date up to the next whole second, as an HTTP date has no millis.
    earliestRetry: (at) => Math.ceil((at + RETRY_AFTER_SECONDS * 1000) / 1000) * 1000
  },
  statusFault(500),
  statusFault(502),
  statusFault(503),
  statusFault(504),
  {
    name: "connection reset",
    fault: Fault.connectionReset,
    error: "TransportError",
    transient: true,
    unprocessed: false,
    acted: true,
    damagedBody: false,
    earliestRetry: backoff
  },
  {
    name: "hang past the timeout",
    fault: Fault.hang,
    error: "TimeoutError",
    transient: true,
    unprocessed: false,
    acted: true,
    damagedBody: false,
    earliestRetry: (at) => at + Duration.toMillis(TIMEOUT) + BACKOFF_FLOOR_MILLIS
  },
  {
    name: "malformed JSON",
    fault: Fault.malformedJson,
    error: "DecodeError",
    transient: false,
    unprocessed: false,
    acted: true,
    damagedBody: true,
    earliestRetry: backoff
  },
  {
    name: "truncated body",
    fault: Fault.truncatedBody,
    error: "TransportError",
    transient: true,
    unprocessed: false,
    acted: true,
    damagedBody: true,
    earliestRetry: backoff
  },
  {
    name: "200 with the wrong shape",
    fault: Fault.wrongShape,
    error: "DecodeError",
    transient: false,
    unprocessed: false,
    acted: true,
    damagedBody: true,
    earliestRetry: backoff
  }
]

type Client = DeepsetClient.DeepsetClient

/** What a subject set up before the faults, and what its run saw. */
interface Fixture {
  readonly sessionId: string
  readonly ids: ReadonlyArray<string>
  readonly seen: Array<string>
}

interface Subject {
  readonly name: string
  readonly route: "create" | "close" | "getStatus" | "getFiles" | "list"
  readonly idempotent: boolean
  /** Requests before the faulted one (streams fault their second page). */
  readonly skip: number
  /** Requests the call makes when nothing goes wrong. */
  readonly clean: number
  readonly setup: (emulator: Emulator.Handle) => Effect.Effect<Fixture, unknown, Client>
  readonly run: (fixture: Fixture) => Effect.Effect<unknown, Errors.ApiError | Errors.InvalidInputError, Client>
  /** Checks a successful result against the emulator's state. */
  readonly check: (result: unknown, fixture: Fixture, emulator: Emulator.Handle) => Effect.Effect<void>
}

const fixture = (sessionId: string, ids: ReadonlyArray<string> = []): Fixture => ({ sessionId, ids, seen: [] })

const oneSession = () => Effect.map(UploadSessions.create(), (session) => fixture(session.sessionId))

const sessions = () =>
  Effect.map(
    Effect.forEach(Array.from({ length: ITEMS }), () => UploadSessions.create()),
    (created) => fixture(created[0]!.sessionId, created.map((session) => session.sessionId))
  )

/** A closed session holding ITEMS ingested files, uploaded through the SDK's own workflow. */
const filledSession = (emulator: Emulator.Handle) =>
  Effect.gen(function*() {
    const report = yield* Upload.files(
      Array.from({ length: ITEMS }, (_, i) => ({ name: `doc-${i}.txt`, body: `document ${i}` }))
    ).pipe(Effect.provide(NodeFileSystem.layer))
    const sessionId = report.sessions[0]!.sessionId
    const objects = yield* emulator.objects(sessionId)
    return fixture(sessionId, objects.map((object) => object.fileIngestionId))
  })

const subjects: ReadonlyArray<Subject> = [
  {
    name: "create",
    route: "create",
    idempotent: false,
    skip: 0,
    clean: 1,
    setup: () => Effect.succeed(fixture("")),
    run: () => UploadSessions.create({ writeMode: "KEEP" }),
    check: (result, _, emulator) =>
      Effect.map(emulator.sessions, (all) => {
        assert.deepStrictEqual(all.map((s) => s.sessionId), [(result as { sessionId: string }).sessionId])
      })
  },
  {
    name: "close",
    route: "close",
    idempotent: true,
    skip: 0,
    clean: 1,
    setup: oneSession,
    run: ({ sessionId }) => UploadSessions.close({ sessionId }),
    check: (_, { sessionId }, emulator) =>
      Effect.map(emulator.sessions, (all) => {
        assert.strictEqual(all.find((s) => s.sessionId === sessionId)?.status, "CLOSED")
      })
  },
  {
    name: "getStatus",
    route: "getStatus",
    idempotent: true,
    skip: 0,
    clean: 1,
    setup: oneSession,
    run: ({ sessionId }) => UploadSessions.getStatus({ sessionId }),
    check: (result, { sessionId }) =>
      Effect.sync(() => assert.strictEqual((result as { sessionId: string }).sessionId, sessionId))
  },
  {
    name: "getFiles",
    route: "getFiles",
    idempotent: true,
    skip: 0,
    clean: 1,
    setup: filledSession,
    run: ({ sessionId }) => UploadSessions.getFiles({ sessionId, limit: PAGE_SIZE }),
    check: (result, { ids }) =>
      Effect.sync(() => {
        const page = result as { data: ReadonlyArray<{ fileIngestionId?: string }>; total: number }
        assert.strictEqual(page.total, ITEMS)
        assert.deepStrictEqual(page.data.map((file) => file.fileIngestionId), ids.slice(0, PAGE_SIZE))
      })
  },
  {
    name: "list",
    route: "list",
    idempotent: true,
    skip: 0,
    clean: 1,
    setup: sessions,
    run: () => UploadSessions.list({ limit: PAGE_SIZE }),
    check: (result, { ids }) =>
      Effect.sync(() => {
        const page = result as { data: ReadonlyArray<{ sessionId: string }>; total: number }
        assert.strictEqual(page.total, ITEMS)
        assert.deepStrictEqual(page.data.map((session) => session.sessionId), ids.slice(0, PAGE_SIZE))
      })
  },
  {
    name: "streamFiles mid-walk",
    route: "getFiles",
    idempotent: true,
    skip: 1,
    clean: 3,
    setup: filledSession,
    run: ({ seen, sessionId }) =>
      Stream.runForEach(
        UploadSessions.streamFiles({ sessionId, pageSize: PAGE_SIZE }),
        (file) => Effect.sync(() => seen.push(file.fileIngestionId ?? "?"))
      ),
    check: (_, { ids, seen }) => Effect.sync(() => assert.deepStrictEqual(seen, ids))
  },
  {
    name: "streamList mid-walk",
    route: "list",
    idempotent: true,
    skip: 1,
    clean: 3,
    setup: sessions,
    run: ({ seen }) =>
      Stream.runForEach(
        UploadSessions.streamList({ pageSize: PAGE_SIZE }),
        (session) => Effect.sync(() => seen.push(session.sessionId))
      ),
    check: (_, { ids, seen }) => Effect.sync(() => assert.deepStrictEqual(seen, ids))
  }
]

interface Scenario {
  readonly label: string
  /** Faulted answers in a row, starting at the subject's faulted request. */
  readonly faults: number
  readonly outcome:
    | { readonly _tag: "Recovered"; readonly attempts: number }
    | { readonly _tag: "Failed"; readonly attempts: number }
}

const scenarios = (subject: Subject, fault: FaultCase): ReadonlyArray<Scenario> => {
  if (subject.name === "close" && fault.damagedBody) {
    // close reads no body: a 2xx whose body is damaged is still the server saying "closed".
    return [{
      label: "succeeds: the answer has no body to read",
      faults: 1,
      outcome: { _tag: "Recovered", attempts: 1 }
    }]
  }
  const retried = subject.idempotent ? fault.transient : fault.unprocessed
  if (!retried) {
    return [{ label: `fails at once with ${fault.error}`, faults: 1, outcome: { _tag: "Failed", attempts: 1 } }]
  }
  return [
    { label: "recovers after two faulted attempts", faults: 2, outcome: { _tag: "Recovered", attempts: 3 } },
    {
      label: `fails with ${fault.error} once the budget is spent`,
      faults: ATTEMPTS + 1,
      outcome: { _tag: "Failed", attempts: ATTEMPTS }
    }
  ]
}

const clientLayer = (emulator: Emulator.Handle, wire: Drive.Wire, sent: Array<Observe.SentRequest>) =>
  DeepsetClient.layer({
    apiKey: Redacted.make(TEST_API_KEY),
    baseUrl: emulator.apiUrl,
    workspace: "default",
    timeout: TIMEOUT
  }).pipe(Layer.provide(Drive.tracked(wire, Observe.recordingTransport(sent))), Layer.orDie)

const runCase = (subject: Subject, fault: FaultCase, scenario: Scenario) =>
  Effect.gen(function*() {
    const recorder = Observe.recorder()
    const wire = Drive.wire()
    const sent: Array<Observe.SentRequest> = []
    const failure = yield* Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.start({ apiKeys: [TEST_API_KEY], ingestionDelay: 0, seed: 7 })
      return yield* Effect.gen(function*() {
        const data = yield* subject.setup(emulator)
        // The uploads of a setup: the key reached no S3 request, on either side of the wire.
        Observe.assertS3Clean({ secret: TEST_API_KEY, s3Url: emulator.s3Url, logged: yield* emulator.requests, sent })
        yield* emulator.setFaults([
          Fault.sequence(subject.route, [
            ...Array.from({ length: subject.skip }, () => Fault.pass),
            ...Array.from({ length: scenario.faults }, () => fault.fault)
          ])
        ])
        yield* emulator.clearRequests
        const sessionsBefore = (yield* emulator.sessions).length
        const exit = yield* Drive.run(subject.run(data), {
          wire,
          held: Effect.map(emulator.requests, (log) => log.filter((r) => r.fault === "Hang").length)
        })

        const everything = yield* emulator.requests
        // Time moved only when it had to: no request timed out but those the server held for good.
        assert.strictEqual(
          wire.abortedUnanswered,
          everything.filter((request) => request.fault === "Hang").length,
          "requests that timed out, against requests the server held"
        )
        const log = everything.filter((request) => request.route === subject.route)
        const attempts = scenario.outcome.attempts
        const faulted = log.slice(subject.skip, subject.skip + attempts)
        assert.strictEqual(faulted.length, attempts, "attempts of the faulted request")
        // Every retry came no sooner than the backoff, the deadline of a hang, or the server's Retry-After.
        for (let i = 1; i < faulted.length; i++) {
          assert.isAtLeast(faulted[i]!.receivedAt, fault.earliestRetry(faulted[i - 1]!.receivedAt), `retry ${i}`)
        }

        let error: unknown = undefined
        if (scenario.outcome._tag === "Recovered") {
          if (Exit.isFailure(exit)) assert.fail(`expected recovery, got ${Cause.pretty(exit.cause)}`)
          assert.strictEqual(log.length, subject.clean + attempts - 1, "requests of the whole call")
          yield* subject.check(Exit.isSuccess(exit) ? exit.value : undefined, data, emulator)
        } else {
          assert.strictEqual(log.length, subject.skip + attempts, "requests of the whole call")
          if (Exit.isSuccess(exit)) return assert.fail("expected a typed failure, got success")
          // Exactly one typed failure: no defect, no interruption, nothing untyped beside it.
          assert.isTrue(Cause.isFailType(exit.cause), `a single typed failure, got ${Cause.pretty(exit.cause)}`)
          error = Cause.isFailType(exit.cause) ? exit.cause.error : undefined
          assert.isTrue(isError[fault.error](error), `expected ${fault.error}, got ${String(error)}`)
          if (error instanceof Errors.ServerError && fault.fault._tag === "ServerError") {
            assert.strictEqual(error.status, fault.fault.status)
          }
          if (error instanceof Errors.RateLimitedError) {
            assert.isTrue(Option.isSome(error.retryAfter), "the Retry-After travels with the error")
          }
          // A stream fails where the fault struck: the first page was delivered, nothing after it.
          if (subject.skip > 0) assert.deepStrictEqual(data.seen, data.ids.slice(0, PAGE_SIZE))
        }

        if (!subject.idempotent) {
          // No duplicate: the one session a create may have opened, never one per attempt.
          const opened = (yield* emulator.sessions).length - sessionsBefore
          const expected = scenario.outcome._tag === "Recovered" || fault.acted ? 1 : 0
          assert.strictEqual(opened, expected, "sessions opened by the call")
        }
        return error
      }).pipe(Effect.provide(clientLayer(emulator, wire, sent)))
    })).pipe(
      recorder.instrument,
      // Real jitter (fractional waits, which once made the SDK's deadline watcher spin), seeded per case.
      Effect.withRandom(Random.make(`${subject.name}/${fault.name}/${scenario.label}`))
    )

    if (failure !== undefined) {
      Observe.assertNoSecret(TEST_API_KEY, Observe.renderings(failure), "the error")
    }
    const apiSent = sent.filter((request) => request.url.includes("/api/v1/workspaces/"))
    assert.isAbove(apiSent.length, 0, "API requests were recorded")
    Observe.assertKeyOnlyInAuthorization(TEST_API_KEY, apiSent)
    Observe.assertNoSecret(TEST_API_KEY, recorder.texts(), "a log line or span")
    assert.isAbove(recorder.spans.length, 0, "spans were recorded")
  })

for (const subject of subjects) {
  describe(`fault matrix: ${subject.name}`, () => {
    for (const fault of faults) {
      for (const scenario of scenarios(subject, fault)) {
        it.effect(`${fault.name}: ${scenario.label}`, () => runCase(subject, fault, scenario))
      }
    }
  })
}
