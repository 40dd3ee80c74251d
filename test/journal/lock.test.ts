/**
 * One run per journal file: `makeFile` takes `<journal>.lock` (the pid inside) for its scope; a second run
 * while the holder runs fails with a `lock` error naming its pid; a lock whose process is gone, or that holds
 * no pid, is taken over; closing the scope removes the lock.
 */
import { UploadJournal } from "@effect-deepset/sdk"
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"

// A process that exits at once: its pid is then (for a while) one of a process that is gone.
const deadPid = Effect.promise(() =>
  new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" })
    child.on("exit", () => resolve(child.pid!))
  })
)

// A process that runs until killed.
const liveProcess = Effect.acquireRelease(
  Effect.sync(() => spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" })),
  (child: ChildProcess) => Effect.sync(() => child.kill("SIGKILL"))
)

const lockError = (path: string) => Effect.flip(Effect.scoped(UploadJournal.makeFile(path)))

describe("journal lock", () => {
  it.scoped("a second run on the same journal fails while the first holds it; the lock goes with the first's scope", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = `${dir}/run.jsonl`
      yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* UploadJournal.makeFile(path)
        assert.strictEqual((yield* fs.readFileString(`${path}.lock`)).trim(), String(process.pid))
        const error = yield* lockError(path)
        assert.strictEqual(error.operation, "lock")
        assert.include(error.message, `another run (pid ${process.pid}, this process) is using this journal`)
        // The first is untouched by the refusal.
        yield* first.append([UploadJournal.Closed.make({ sessionId: "s-1" })])
        assert.isTrue(yield* fs.exists(`${path}.lock`))
      }))
      assert.isFalse(yield* fs.exists(`${path}.lock`))
      const again = yield* Effect.scoped(Effect.flatMap(UploadJournal.makeFile(path), (journal) => journal.read))
      assert.strictEqual(again.records.length, 1)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("a lock held by another running process refuses the run with its pid, and is taken once it is gone", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = `${dir}/run.jsonl`
      const child = yield* liveProcess
      yield* fs.writeFileString(`${path}.lock`, `${child.pid}\n`)
      const error = yield* lockError(path)
      assert.strictEqual(error.operation, "lock")
      assert.include(error.message, `another run (pid ${child.pid}) is using this journal`)
      assert.isFalse(yield* fs.exists(path), "nothing opened")
      yield* fs.writeFileString(`${path}.lock`, `${yield* deadPid}\n`)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* UploadJournal.makeFile(path)
        assert.strictEqual((yield* fs.readFileString(`${path}.lock`)).trim(), String(process.pid))
      }))
      assert.isFalse(yield* fs.exists(`${path}.lock`))
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("a lock that holds no pid (cut while it was written) is taken over", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      for (const content of ["", "12ab", "-1\n"]) {
        const path = `${dir}/run-${content.length}.jsonl`
        yield* fs.writeFileString(`${path}.lock`, content)
        yield* Effect.scoped(UploadJournal.makeFile(path))
        assert.isFalse(yield* fs.exists(`${path}.lock`), JSON.stringify(content))
      }
    }).pipe(Effect.provide(NodeContext.layer)))
})
