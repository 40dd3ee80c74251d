/**
 * Interruption with a consumer that takes its time over each event (a progress bar drawing, a pipeline
 * writing somewhere): `Upload.events` documents that a stream stopped early leaves at most `concurrency`
 * files stored without an event (the files in flight). The consumer's pace must not change that: files
 * whose events were emitted but not yet read when the stream stopped are lost to the caller's report just
 * the same. Companion of interruption.test.ts (same checks, the consumer slowed by a seeded number of
 * event-loop turns per event).
 *
 * Reproduce: pnpm vitest run test/reliability/interruptionSlowConsumer.test.ts
 */
import { Emulator } from "@effect-deepset/emulator"
import { Upload, type UploadEvent, UploadReport, type UploadSource } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as UploadChecks from "./support/UploadChecks.js"

const META = ".meta.json"
const documentOf = (name: string) => name.endsWith(META) ? name.slice(0, -META.length) : name

describe("interruption with a slow consumer", () => {
  it.layer(UploadChecks.layer())((it) => {
    it.effect.prop(
      "events emitted but not yet read when the stream stops still count: at most `concurrency` files unreported",
      [
        FastCheck.record({
          count: FastCheck.integer({ min: 5, max: 40 }),
          concurrency: FastCheck.integer({ min: 1, max: 4 }),
          turnsPerEvent: FastCheck.integer({ min: 1, max: 20 }),
          stopAfter: FastCheck.integer({ min: 2, max: 40 })
        }).noBias()
      ],
      ([{ concurrency, count, stopAfter, turnsPerEvent }]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* UploadChecks.freshStart
          const sources: Array<UploadSource.UploadSource> = Array.from({ length: count }, (_, i) => ({
            name: `slow-${i}.txt`,
            body: `content ${i}`
          }))
          const seen: Array<UploadEvent.UploadEvent> = []
          const upload = Stream.runForEach(
            Upload.events(sources, { concurrency, s3Retry: false }),
            (event) =>
              Effect.zipRight(
                Effect.repeatN(UploadChecks.tick, turnsPerEvent - 1),
                Effect.sync(() => seen.push(event))
              )
          )
          const { alive, fiber } = yield* UploadChecks.forkSupervised(upload)
          yield* UploadChecks.waitFor(Effect.zipWith(
            Fiber.poll(fiber),
            emulator.requests,
            (done, requests) => Option.isSome(done) || requests.length >= Math.min(stopAfter, count + 1)
          ))
          yield* Fiber.interrupt(fiber)
          assert.deepStrictEqual((yield* alive).map((f) => f.id()), [])
          yield* UploadChecks.assertSessionsClosed(undefined)
          const stored = new Set(yield* UploadChecks.storedNames)
          const report = UploadReport.fromEvents(seen)
          for (const file of report.files) assert.strictEqual(stored.has(file.name), file.status === "uploaded")
          const reported = new Set(report.files.map((f) => f.name))
          const unreported = [...new Set([...stored].map(documentOf))].filter((name) => !reported.has(name))
          assert.isAtMost(
            unreported.length,
            concurrency,
            `${unreported.length} files stored without an event reaching the consumer (concurrency ${concurrency})`
          )
        }),
      { fastCheck: { numRuns: 20, seed: 1124 } }
    )
  })
})
