import { Emulator } from "@effect-deepset/emulator"
import { Upload } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as NodePath from "node:path"
import * as Harness from "../upload/harness.js"

// Debian's interpreter, where .ci/run installs python3-aiohttp and python3-httpx (a `python3` on PATH may
// be another one without them). A missing module fails this test: it never skips.
const python = "/usr/bin/python3"
const script = NodePath.join(import.meta.dirname, "official_wire.py")

const runScript = (args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number | null; readonly out: string; readonly err: string }>((resume) => {
    const child = ChildProcess.spawn(python, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
    child.on("error", (error) => resume(Effect.succeed({ code: -1, out, err: String(error) })))
    child.on("exit", (code) => resume(Effect.succeed({ code, out, err })))
  })

describe("the official client's wire against the emulator", () => {
  it.layer(Harness.layer({ ingestionDelay: 0 }))((it) => {
    it.effect(
      "the same names through the official wire and through the SDK end as the same document names; its direct upload of 5 files lands",
      () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const run = yield* runScript([emulator.apiUrl, emulator.apiKey, Harness.workspace])
          assert.strictEqual(run.code, 0, `${python} ${script} failed: ${run.err}${run.out}`)
          const official = JSON.parse(run.out.trim()) as {
            uploaded: Array<string>
            documents: Array<string>
            direct: { uploaded: Array<string>; ids: Record<string, string>; listed: Array<string> }
          }
          // The official client's create body was taken, flag included.
          const sessions = yield* emulator.sessions
          assert.isTrue(sessions[0]!.parallelProcessingEnabled)
          assert.deepStrictEqual([...official.documents].sort(), [...official.uploaded].sort())

          // The direct upload of 5 files landed: in the workspace index at once, outside any session.
          const index = yield* emulator.workspaceIndex(Harness.workspace)
          const direct = index.filter((file) => file.sessionId === "")
          assert.deepStrictEqual(direct.map((f) => f.name).sort(), [...official.direct.uploaded].sort())
          assert.deepStrictEqual(
            direct.map((f) => [f.name, f.fileIngestionId]).sort(),
            Object.entries(official.direct.ids).sort()
          )
          // The listing it walked held them beside the session's documents.
          assert.deepStrictEqual(
            [...official.direct.listed].sort(),
            [...official.direct.uploaded, ...official.documents].sort()
          )
          const uploads = (yield* emulator.requests).filter((r) => r.route === "uploadFile")
          assert.deepStrictEqual(uploads.map((r) => [r.status, r.query["write_mode"]]), [
            ...official.direct.uploaded.map(() => [201, "KEEP"]),
            [409, "FAIL"]
          ])

          const report = yield* Harness.clockMoving(
            Upload.files(official.uploaded.map((name) => ({ name, body: name })), { wait: true })
          )
          const sdkSession = report.sessions[0]!.sessionId
          const sdkDocuments = (yield* emulator.objects(sdkSession)).map((o) => o.filename).sort()
          assert.deepStrictEqual(sdkDocuments, [...official.documents].sort())
          assert.deepStrictEqual(report.files.map((f) => f.name).sort(), sdkDocuments)
          // Both clients put the same bytes into the keys.
          const keysOf = (id: string) =>
            Effect.map(emulator.objects(id), (objects) => objects.map((o) => o.key.split("/").pop()).sort())
          assert.deepStrictEqual(yield* keysOf(sdkSession), yield* keysOf(sessions[0]!.sessionId))
        }),
      { timeout: 60_000 }
    )
  })
})
