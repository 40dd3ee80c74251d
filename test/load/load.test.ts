/**
 * Load, on loopback only: 200 clients, each with its own connection pool, run a mix of getStatus, list,
 * getFiles and small uploads against one emulator for 10 seconds (wall clock: it is a soak, so it runs
 * live). Asserted: no request failed (the clients do not retry, so nothing is hidden), every request the
 * emulator logged was answered with a success, the file descriptors and sockets of the process are back
 * to what they were once the clients are closed, and the emulator still answers. Nothing is asserted
 * about time or throughput: a loaded machine only does fewer rounds.
 *
 * Reproduce: pnpm vitest run test/load/load.test.ts
 */
import { Emulator } from "@effect-deepset/emulator"
import { DeepsetClient, Upload, UploadSessions } from "@effect-deepset/sdk"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { readdirSync, readlinkSync } from "node:fs"
import { TEST_API_KEY } from "../support/Clients.js"

const CLIENTS = 200
const WINDOW_MILLIS = 10_000

/** The open file descriptors of this process, by what they point at (sockets show as `socket:[…]`). */
const descriptors = (): { readonly all: number; readonly sockets: number } => {
  let all = 0
  let sockets = 0
  for (const fd of readdirSync("/proc/self/fd")) {
    all++
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) sockets++
    } catch {
      // The descriptor readdir itself used is gone by now.
    }
  }
  return { all, sockets }
}

/** One turn of the event loop, so that closing sockets finish; not a sleep. */
const tick = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Lets closed connections finish closing on both ends: turns of the event loop until the count is back. */
const settled = (baseline: { readonly all: number; readonly sockets: number }) =>
  Effect.gen(function*() {
    let now = descriptors()
    for (let turn = 0; turn < 100_000 && (now.all > baseline.all || now.sockets > baseline.sockets); turn++) {
      yield* tick
      now = descriptors()
    }
    return now
  })

const clientLayer = (emulator: Emulator.Handle) =>
  Layer.merge(
    DeepsetClient.layer({
      apiKey: Redacted.make(TEST_API_KEY),
      baseUrl: emulator.apiUrl,
      workspace: "default",
      retry: false,
      // Generous: a loaded machine serving 200 clients from one event loop is slow, not failing.
      timeout: "2 minutes"
    }).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie),
    NodeFileSystem.layer
  )

describe("load", () => {
  it.scopedLive(
    "200 clients for 10 seconds: no failed request, no leaked descriptor, and the emulator still answers",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ apiKeys: [TEST_API_KEY], ingestionDelay: 0, seed: 3 })
        // Before any client: what the process holds with the emulator listening and nothing connected.
        const baseline = descriptors()
        const fixture = yield* Effect.scoped(
          Effect.gen(function*() {
            const report = yield* Upload.files(
              Array.from({ length: 5 }, (_, i) => ({ name: `seed-${i}.txt`, body: `seed ${i}` }))
            )
            return report.sessions[0]!.sessionId
          }).pipe(Effect.provide(clientLayer(emulator)))
        )
        yield* emulator.clearRequests

        const end = (yield* Clock.currentTimeMillis) + WINDOW_MILLIS
        const client = (id: number) =>
          Effect.gen(function*() {
            let rounds = 0
            while ((yield* Clock.currentTimeMillis) < end) {
              switch ((id + rounds) % 4) {
                case 0:
                  yield* UploadSessions.getStatus({ sessionId: fixture })
                  break
                case 1:
                  yield* UploadSessions.list({ limit: 5 })
                  break
                case 2:
                  yield* UploadSessions.getFiles({ sessionId: fixture, limit: 5 })
                  break
                default: {
                  const report = yield* Upload.files([{ name: `c${id}-${rounds}.txt`, body: `client ${id}` }])
                  if (!report.ok) return yield* Effect.fail(`upload of client ${id} failed: ${JSON.stringify(report)}`)
                }
              }
              rounds++
            }
            return rounds
          }).pipe(Effect.provide(clientLayer(emulator)), Effect.exit)

        const exits = yield* Effect.forEach(Array.from({ length: CLIENTS }, (_, i) => i), client, {
          concurrency: "unbounded"
        })
        const failures = exits.filter(Exit.isFailure)
        assert.deepStrictEqual(failures.slice(0, 3).map((exit) => Cause.pretty(exit.cause)), [], "no client failed")
        const rounds = exits.reduce((n, exit) => n + (Exit.isSuccess(exit) ? exit.value : 0), 0)
        assert.isAtLeast(rounds, CLIENTS, "every client made at least one round")

        // Every request the emulator saw was answered, and with a success.
        const log = yield* emulator.requests
        assert.isAtLeast(log.length, rounds)
        const unanswered = log.filter((request) => request.status === undefined || request.status >= 300)
        assert.deepStrictEqual(unanswered.slice(0, 5), [], "requests without a successful answer")

        // The clients are closed (each closed its pool with its layer): descriptors and sockets are back.
        const after = yield* settled(baseline)
        assert.isAtMost(after.sockets, baseline.sockets, "sockets left open")
        assert.isAtMost(after.all, baseline.all, "file descriptors left open")

        // And the emulator still answers, to a new client.
        const status = yield* UploadSessions.getStatus({ sessionId: fixture }).pipe(
          Effect.provide(clientLayer(emulator)),
          Effect.scoped
        )
        assert.strictEqual(status.sessionId, fixture)
      }),
    { timeout: 240_000 }
  )
})
