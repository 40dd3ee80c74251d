import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { fileURLToPath } from "node:url"
import { request } from "./helpers.js"

/**
 * The temporary storage of emulators that die without stopping: real child processes under a
 * temporary folder of the test's own (TMPDIR), one killed with SIGKILL, then a new start or
 * `--clean` that removes what the dead one left, and never what a running one holds.
 */
const root = NodePath.resolve(NodePath.dirname(fileURLToPath(import.meta.url)), "../../..")
const bin = NodePath.join(root, "packages/emulator/src/bin.ts")
const uid = String(process.getuid?.() ?? "user")

const args = (tmp: string, extra: ReadonlyArray<string>) => ({
  argv: [process.execPath, ["--import", "tsx", "--conditions=source", bin, ...extra]] as const,
  options: {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"] as Array<"ignore" | "pipe">,
    env: { ...process.env, TMPDIR: tmp }
  }
})

interface Running {
  readonly child: ChildProcess.ChildProcess
  readonly apiUrl: string
  readonly exited: Promise<unknown>
}

/** Starts `deepset-emulator` with TMPDIR set, waits for its banner; stopped with SIGINT when the scope closes. */
const spawnEmulator = (tmp: string) =>
  Effect.acquireRelease(
    Effect.async<Running, Error>((resume) => {
      const { argv, options } = args(tmp, ["--port", "0", "--seed", "1"])
      const child = ChildProcess.spawn(argv[0], [...argv[1]], options)
      const exited = new Promise((done) => child.on("exit", done))
      let out = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8")
        const url = /export DEEPSET_API_URL=(\S+)/.exec(out)
        if (url !== null) resume(Effect.succeed({ child, apiUrl: url[1]!, exited }))
      })
      child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
      child.on("exit", (code) => resume(Effect.fail(new Error(`exited with ${code}: ${out}`))))
    }),
    ({ child, exited }) =>
      Effect.promise(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT")
        return exited
      })
  )

const kill9 = (running: Running) =>
  Effect.promise(() => {
    running.child.kill("SIGKILL")
    return running.exited
  })

const runClean = (tmp: string) =>
  Effect.async<{ readonly code: number | null; readonly out: string }>((resume) => {
    const { argv, options } = args(tmp, ["--clean"])
    const child = ChildProcess.spawn(argv[0], [...argv[1]], options)
    let out = ""
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.on("exit", (code) => resume(Effect.succeed({ code, out })))
  })

const tempDir = Effect.acquireRelease(
  Effect.sync(() => NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "emulator-storage-test-"))),
  (dir) => Effect.sync(() => NodeFs.rmSync(dir, { recursive: true, force: true }))
)

/** The storage folders under the per-user root, by owner pid. */
const folders = (tmp: string): Map<number, string> => {
  const under = NodePath.join(tmp, `deepset-emulator-${uid}`)
  const out = new Map<number, string>()
  if (!NodeFs.existsSync(under)) return out
  for (const name of NodeFs.readdirSync(under)) {
    const folder = NodePath.join(under, name)
    out.set(Number(NodeFs.readFileSync(NodePath.join(folder, "owner.pid"), "utf8").trim()), folder)
  }
  return out
}

/** A file large enough (over 256 KiB) to be written to the storage folder as it arrives. */
const postLargeFile = (apiUrl: string) => {
  const form = new FormData()
  form.append("file", new Blob([new Uint8Array(300 * 1024).fill(65)]), "large.txt")
  return request(`${apiUrl}/api/v1/workspaces/default/files`, {
    method: "POST",
    headers: { authorization: "Bearer emulator-key" },
    body: form
  })
}

describe("the emulator's temporary storage", () => {
  it.scopedLive(
    "an emulator killed with SIGKILL leaves its folder behind, and the next start removes it",
    () =>
      Effect.gen(function*() {
        const tmp = yield* tempDir
        const dead = yield* spawnEmulator(tmp)
        assert.strictEqual((yield* postLargeFile(dead.apiUrl)).status, 201)
        const left = folders(tmp).get(dead.child.pid!)
        assert.isDefined(left)
        assert.deepStrictEqual(NodeFs.readdirSync(left!).sort(), ["owner.pid", "uploads"])
        assert.deepStrictEqual(NodeFs.readdirSync(NodePath.join(left!, "uploads")), ["1"])
        yield* kill9(dead)
        assert.isTrue(NodeFs.existsSync(left!), "a killed emulator cannot clean up")

        const next = yield* spawnEmulator(tmp)
        assert.isFalse(NodeFs.existsSync(left!), "the next start removes the dead emulator's folder")
        assert.deepStrictEqual([...folders(tmp).keys()], [next.child.pid])
        // Stopped normally, it removes its own.
        next.child.kill("SIGINT")
        yield* Effect.promise(() => next.exited)
        assert.deepStrictEqual([...folders(tmp).keys()], [])
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "--clean removes the folders of dead emulators and keeps those of running ones",
    () =>
      Effect.gen(function*() {
        const tmp = yield* tempDir
        const alive = yield* spawnEmulator(tmp)
        const dead = yield* spawnEmulator(tmp)
        yield* kill9(dead)
        const before = folders(tmp)
        assert.deepStrictEqual([...before.keys()].sort(), [alive.child.pid, dead.child.pid].sort())

        const cleaned = yield* runClean(tmp)
        assert.strictEqual(cleaned.code, 0, cleaned.out)
        assert.include(cleaned.out, `removed  ${before.get(dead.child.pid!)}`)
        assert.include(cleaned.out, `kept     ${before.get(alive.child.pid!)} (emulator ${alive.child.pid} still runs)`)
        assert.deepStrictEqual([...folders(tmp).keys()], [alive.child.pid])
        // The running emulator still serves and stores.
        assert.strictEqual((yield* postLargeFile(alive.apiUrl)).status, 201)
      }),
    { timeout: 60_000 }
  )
})
