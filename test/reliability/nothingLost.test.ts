/**
 * Nothing lost (issue 7, item 2): 1 000 files through `Upload.files` while S3 fails 20 % of requests
 * transiently and refuses 5 % of the files every time, over several fixed seeds (each seeds the
 * emulator's fault draws and the choice of the persistently refused files). After each run:
 *
 * - the emulator stores exactly the report's uploaded set (documents, and companions that reached S3),
 *   session by session, and every successful S3 POST is one stored object (nothing sent twice);
 * - the failed set is exactly the rest, and exactly the persistently refused files, each with the error
 *   of its fault after the whole retry budget;
 * - every session opened is closed, and the sessions are exactly the report's;
 * - the counts add up to the input (per file, per session);
 * - no S3 request carried the key: no `Authorization` header in the emulator's log, and the key nowhere
 *   in the URL, headers or body the SDK sent to S3;
 * - the transient faults did fire at about the rate asked (so the run proves something).
 *
 * Sized for a loaded 2-core machine (1 000 small in-memory files, immediate retries); no timing asserts.
 * Reproduce: pnpm vitest run test/reliability/nothingLost.test.ts
 */
import { Emulator, Fault, type Inspection } from "@effect-deepset/emulator"
import { Upload, type UploadReport, type UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schedule from "effect/Schedule"
import * as UploadChecks from "./support/UploadChecks.js"

const FILES = 1000
const TRANSIENT_RATE = 0.2
const PERSISTENT = FILES * 0.05
const SEEDS = [7, 2026, 424242]
// A run takes a few seconds on a quiet machine; four helpers share two cores, so the limit is generous.
// It bounds a hang, it is not a timing assertion.
const TIMEOUT = 240_000

// Retries without waiting: time is not what this test is about. Thirteen attempts per object make a
// transient fault that repeats until the budget is spent (0.2^13 per object) practically impossible.
const RETRIES = 12

// Four transient kinds share the 20 %: the rules are tried in order and the first that fires decides,
// so each fires with the rate r for which 1 - (1 - r)^4 = 0.2.
const transientKinds = [Fault.slowDown, Fault.requestTimeout, Fault.serverError(503), Fault.connectionReset]
const perKindRate = 1 - (1 - TRANSIENT_RATE) ** (1 / transientKinds.length)

// Persistent refusals of kinds that are retried, so that each refused file spends its whole budget and
// the test sees that a budget spent ends as a failure, not a loss or a hang. `tag` and `code` are what the
// report must say.
const persistentKinds = [
  { fault: Fault.serverError(500), tag: "S3Error", message: /500/ },
  { fault: Fault.slowDown, tag: "S3Error", message: /503 SlowDown/ },
  { fault: Fault.connectionReset, tag: "TransportError", message: /./ }
] as const

const name = (i: number) => `doc-${String(i).padStart(4, "0")}.txt`

// Small files of varied sizes (some empty), as text or bytes, every fifth one with metadata. All in memory,
// so that the key scan sees every S3 body whole.
const sources: ReadonlyArray<UploadSource.UploadSource> = Array.from({ length: FILES }, (_, i) => ({
  name: name(i),
  body: i % 2 === 0 ? `document ${i} `.repeat(i % 97) : new Uint8Array((i * 37) % 1500).fill(i % 251),
  meta: i % 5 === 0 ? { i, source: "nothing-lost" } : undefined
}))

/** The files S3 refuses every time under `seed`, in input order, with the kind of their refusal. */
const refused = (seed: number) => {
  const [chosen] = FastCheck.sample(
    FastCheck.shuffledSubarray(Array.from({ length: FILES }, (_, i) => i), {
      minLength: PERSISTENT,
      maxLength: PERSISTENT
    }),
    { seed, numRuns: 1 }
  )
  return chosen!.sort((a, b) => a - b).map((i, k) => ({
    name: name(i),
    kind: persistentKinds[k % persistentKinds.length]!
  }))
}

const s3Statuses = (requests: ReadonlyArray<Inspection.LoggedRequest>) => {
  const s3 = requests.filter((r) => r.route === "s3")
  return {
    total: s3.length,
    succeeded: s3.filter((r) => r.fault === undefined && r.status !== undefined && r.status < 300).length,
    faulted: s3.filter((r) => r.fault !== undefined).length
  }
}

describe("nothing lost under S3 faults", () => {
  for (const seed of SEEDS) {
    it.layer(UploadChecks.layer({ seed }))((it) => {
      it.effect(
        `seed ${seed}: the store is the report's uploaded set, the failed set exactly the refused files`,
        () =>
          Effect.gen(function*() {
            const emulator = yield* Emulator.Emulator
            const persistent = refused(seed)
            yield* emulator.setFaults([
              ...persistentKinds.map((kind) =>
                Fault.always("s3", kind.fault, {
                  match: persistent.filter((p) => p.kind === kind).map((p) => p.name)
                })
              ),
              ...transientKinds.map((fault) => Fault.withRate("s3", fault, perKindRate))
            ])

            const report: UploadReport.UploadReport = yield* Upload.files(sources, {
              maxFilesPerSession: 300,
              concurrency: 16,
              s3Retry: Schedule.recurs(RETRIES)
            })

            // The failed set is exactly the refused files, each failed with its fault's error.
            const failed = report.files.filter((f) => f.status === "failed")
            assert.deepStrictEqual(failed.map((f) => f.name), persistent.map((p) => p.name))
            failed.forEach((file, k) => {
              const { kind } = persistent[k]!
              assert.strictEqual(file.error?.tag, kind.tag, file.name)
              assert.match(file.error!.message, kind.message, file.name)
              assert.strictEqual(file.sessionId !== undefined, true, `${file.name} names its session`)
            })
            assert.strictEqual(report.uploaded, FILES - PERSISTENT)

            // The store is exactly the report's uploaded set, session by session; the counts add up.
            assert.deepStrictEqual(yield* UploadChecks.storedNames, UploadChecks.reportedObjects(report.files))
            yield* UploadChecks.assertCountsAddUp(report, FILES)
            const sessions = yield* UploadChecks.assertSessionsClosed(report)
            assert.isAtLeast(sessions.length, 4, "1 200 objects at 300 per session")

            // Every S3 request either stored one object or was faulted: nothing was stored twice, and the
            // refused files spent exactly their budget.
            const requests = yield* emulator.requests
            const { faulted, succeeded, total } = s3Statuses(requests)
            const stored = (yield* emulator.objects()).length
            assert.strictEqual(succeeded, stored, "one successful POST per stored object")
            assert.strictEqual(total, succeeded + faulted, "no S3 request failed for another reason")
            const refusals = PERSISTENT * (RETRIES + 1)
            const transientRate = (faulted - refusals) / (total - refusals)
            assert.isAbove(transientRate, 0.12, `transient faults fired (${transientRate})`)
            assert.isBelow(transientRate, 0.28, `transient faults fired (${transientRate})`)

            // No S3 request carried the key.
            assert.strictEqual(yield* UploadChecks.assertS3NeverSawTheKey, total)
          }),
        TIMEOUT
      )
    })
  }
})
