/**
 * The API key never reaches S3 and never shows in what an upload leaves behind, with S3 failing on the
 * way (transient faults that are retried, and files that fail for good).
 *
 * Proven elsewhere, not repeated here:
 * - every error type of the API renders without the key (message, `String`, JSON, inspection,
 *   `Cause.pretty`), even when the server echoes the key back, and API spans hold no key:
 *   test/sdk/secrets.test.ts;
 * - every error, log line and span of the fault matrix is scanned for the key, and every request it sends
 *   (S3 ones included) is checked on both sides of the wire: test/reliability/faultMatrix.test.ts;
 * - a non-https remote base URL is refused with a `ConfigurationError` (loopback excepted):
 *   test/sdk/client.test.ts, "refuses plain http to a remote host unless allowed".
 *
 * Reproduce: pnpm vitest run test/security/secrets.test.ts
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, UploadReport } from "@effect-deepset/sdk"
import type { UploadEvent } from "@effect-deepset/sdk"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { inspect } from "node:util"
import * as Drive from "../reliability/support/Drive.js"
import * as Observe from "../reliability/support/Observe.js"
import { TEST_API_KEY } from "../support/Clients.js"

const GOOD = 8
const BAD = 2

const sources = [
  ...Array.from({ length: GOOD }, (_, i) => ({ name: `doc-${i}.txt`, body: `document ${i}`, meta: { n: i } })),
  ...Array.from({ length: BAD }, (_, i) => ({ name: `bad-${i}.txt`, body: `doomed ${i}` }))
]

/** Every error an event carries. */
const errorsOf = (event: UploadEvent.UploadEvent): ReadonlyArray<unknown> => {
  switch (event._tag) {
    case "FileFailed":
    case "IngestionFailed":
      return [event.error]
    case "SessionClosed":
      return event.error === undefined ? [] : [event.error]
    default:
      return []
  }
}

describe("the API key and S3", () => {
  it.effect("no request to S3 carries the key, on the wire or in the emulator's log, under faults", () =>
    Effect.gen(function*() {
      const recorder = Observe.recorder()
      const sent: Array<Observe.SentRequest> = []
      const wire = Drive.wire()
      const { emulator, events } = yield* Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.start({ apiKeys: [TEST_API_KEY], ingestionDelay: 0, seed: 11 })
        yield* emulator.setFaults([
          // bad-* fail every time (rules are tried in order), the others meet one transient fault each.
          Fault.always("s3", Fault.serverError(500), { match: ["bad-*"] }),
          Fault.sequence("s3", [
            Fault.slowDown,
            Fault.serverError(503),
            Fault.connectionReset,
            Fault.requestTimeout,
            Fault.tooManyRequests({ retryAfter: 1 }),
            Fault.truncatedBody
          ])
        ])
        const client = DeepsetClient.layer({
          apiKey: Redacted.make(TEST_API_KEY),
          baseUrl: emulator.apiUrl,
          workspace: "default",
          timeout: "60 seconds"
        }).pipe(Layer.provide(Drive.tracked(wire, Observe.recordingTransport(sent))), Layer.orDie)
        const exit = yield* Drive.run(
          Upload.events(sources, { concurrency: 4, wait: true }).pipe(
            Stream.runCollect,
            Effect.provide(Layer.merge(client, NodeFileSystem.layer))
          ),
          { wire, held: Effect.succeed(0) }
        )
        if (Exit.isFailure(exit)) return assert.fail("the run itself failed")
        return { emulator: { s3Url: emulator.s3Url, log: yield* emulator.requests }, events: Chunk.toArray(exit.value) }
      })).pipe(
        recorder.instrument,
        // Real jitter, seeded: the same waits every run.
        Effect.withRandom(Random.make("secrets"))
      )

      // The run met the faults: the good files got through after retries, the bad ones failed for good.
      assert.strictEqual(events.at(-1)?._tag, "Done")
      const report = UploadReport.fromEvents(events)
      assert.strictEqual(report.uploaded, GOOD)
      assert.deepStrictEqual(
        report.files.filter((file) => file.status === "failed").map((file) => file.name).sort(),
        ["bad-0.txt", "bad-1.txt"]
      )

      // Every S3 request, as the emulator logged it and as the SDK sent it (form fields and bodies included).
      Observe.assertS3Clean({
        secret: TEST_API_KEY,
        s3Url: emulator.s3Url,
        logged: emulator.log,
        sent,
        atLeast: GOOD * 2 + BAD + 6
      })
      // API requests carry the key in their Authorization header and nowhere else.
      const apiSent = sent.filter((request) => !request.url.startsWith(emulator.s3Url))
      assert.isAbove(apiSent.length, 0)
      Observe.assertKeyOnlyInAuthorization(TEST_API_KEY, apiSent)

      // What the run left behind: every error of every event, the report, log lines and spans.
      const errors = events.flatMap(errorsOf)
      assert.isAtLeast(errors.length, BAD)
      for (const error of errors) Observe.assertNoSecret(TEST_API_KEY, Observe.renderings(error), "an upload error")
      Observe.assertNoSecret(TEST_API_KEY, [JSON.stringify(report), inspect(events, { depth: 12 })], "the events")
      Observe.assertNoSecret(TEST_API_KEY, recorder.texts(), "a log line or span")
      assert.isAbove(recorder.spans.length, 0)
    }))
})
