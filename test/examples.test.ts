/**
 * Runs every example the way its header says (tsx with the source condition, no `DEEPSET_API_KEY`, so
 * on the in-process emulator) and checks what it printed: session ids, counts, failure reasons. An
 * example that rots fails here. The test file under examples/ runs through the examples' own vitest
 * config, as a user's test suite would.
 */
import { Emulator } from "@effect-deepset/emulator"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Command from "@effect/platform/Command"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url))

// Nothing of the caller's deepset settings reaches the examples, nor vitest's own variables the nested run.
const env = Object.fromEntries(
  Object.entries(process.env).filter((entry): entry is [string, string] =>
    entry[1] !== undefined && !entry[0].startsWith("DEEPSET_") && !entry[0].startsWith("VITEST")
  )
)

// Two at a time: each run compiles TypeScript and starts an emulator, and CI machines have two cores.
const slots = Effect.unsafeMakeSemaphore(2)

interface Run {
  readonly exitCode: number
  readonly stdout: string
  /** Everything printed, for assertion messages. */
  readonly output: string
}

const text = <E, R>(stream: Stream.Stream<Uint8Array, E, R>) => stream.pipe(Stream.decodeText(), Stream.mkString)

const run = (
  command: string,
  args: ReadonlyArray<string>,
  extraEnv: Record<string, string> = {}
): Effect.Effect<Run> =>
  Effect.gen(function*() {
    const process = yield* Command.make(command, ...args).pipe(
      Command.workingDirectory(root),
      Command.env({ ...env, ...extraEnv, NO_COLOR: "1" }, { extendEnv: false }),
      Command.start
    )
    const [stdout, stderr, exitCode] = yield* Effect.all(
      [text(process.stdout), text(process.stderr), process.exitCode],
      { concurrency: "unbounded" }
    )
    return { exitCode, stdout, output: `--- stdout\n${stdout}\n--- stderr\n${stderr}` }
  }).pipe(Effect.scoped, slots.withPermits(1), Effect.provide(NodeContext.layer), Effect.orDie)

const tsx = (file: string, extraEnv?: Record<string, string>) =>
  run(bin("tsx"), ["--conditions=source", `examples/${file}`], extraEnv)

/** Runs `examples/<file>` and checks that it succeeded on its in-process emulator. */
const example = (file: string) =>
  Effect.tap(tsx(file), (result) => {
    assert.strictEqual(result.exitCode, 0, result.output)
    assert.match(
      result.stdout.split("\n")[0]!,
      /^Target: in-process emulator at http:\/\/127\.0\.0\.1:\d+ /,
      result.output
    )
  })

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

/** The capture groups of `pattern` in `result`'s stdout; fails with the whole output when it does not match. */
const find = (result: Run, pattern: RegExp): ReadonlyArray<string> => {
  const found = pattern.exec(result.stdout)
  assert.isNotNull(found, `${pattern} not found in\n${result.output}`)
  return found!.slice(1)
}

/** How many times `pattern` (global) matches in `result`'s stdout. */
const count = (result: Run, pattern: RegExp): number => result.stdout.match(pattern)?.length ?? 0

const TIMEOUT = 180_000

describe.concurrent("examples", () => {
  it.live("session-lifecycle: by hand with UploadSessions, then with Upload.session", () =>
    Effect.gen(function*() {
      const result = yield* example("session-lifecycle.ts")
      const [byHand] = find(result, new RegExp(`\\[UploadSessions\\] created session (${UUID}), open until \\S+Z`))
      find(result, new RegExp(`\\[UploadSessions\\] uploaded 2 files and closed session ${byHand}`))
      find(result, new RegExp(`\\[UploadSessions\\] session ${byHand}: 2 finished, 0 failed`))
      const [scoped] = find(result, new RegExp(`\\[Upload.session\\] opened session (${UUID})`))
      assert.notStrictEqual(scoped, byHand)
      find(result, /\[Upload.session\] sent hello.txt \(26 bytes, with metadata\)/)
      find(result, /\[Upload.session\] sent faq.md \(\d+ bytes, with metadata\)/)
      find(result, new RegExp(`\\[Upload.session\\] session ${scoped}: 2 finished, 0 failed`))
    }), TIMEOUT)

  it.live(
    "upload-folder: the demo corpus with every progress event and the ingestion failures",
    () =>
      Effect.gen(function*() {
        const result = yield* example("upload-folder.ts")
        find(result, /Uploading 7 documents from examples\/data/)
        const [session] = find(result, new RegExp(`session (${UUID}) opened`))
        assert.strictEqual(count(result, /: uploaded \S+ \(\d+ bytes/g), 7, result.output)
        find(result, /uploaded onboarding.md \(436 bytes, with metadata\)/)
        find(result, new RegExp(`session ${session} closed: 7 of 7 files uploaded`))
        find(result, /ingestion 7\/7 \(2 failed\)/)
        find(result, new RegExp(`done waiting for session ${session}`))
        find(result, /ingested draft-notes.txt: FAILED \(EMPTY_FILE\)/)
        find(result, /ingested incident-2026-10-04.md: FAILED \(FAILED_TO_PARSE_META\)/)
        assert.strictEqual(count(result, /ingested \S+: FINISHED/g), 5, result.output)
        find(result, /Report: 7 uploaded, 0 not uploaded, 5 ingested/)
      }),
    TIMEOUT
  )

  it.live("failed-files: only the failed files of the session, with their reasons", () =>
    Effect.gen(function*() {
      const result = yield* example("failed-files.ts")
      const [session] = find(result, new RegExp(`Uploaded 3 files to session (${UUID})`))
      const failed = result.stdout.split("\n").filter((line) => line.startsWith("FAILED "))
      assert.deepStrictEqual(failed, [
        "FAILED placeholder.txt: EMPTY_FILE",
        "FAILED broken-meta.md: FAILED_TO_PARSE_META"
      ])
      find(result, new RegExp(`2 failed files in session ${session}`))
    }), TIMEOUT)

  it.live("expired-sessions: expired sessions only, newest first", () =>
    Effect.gen(function*() {
      const result = yield* example("expired-sessions.ts")
      const created = Array.from(result.stdout.matchAll(new RegExp(`created (${UUID}), expires`, "g")), (m) => m[1])
      assert.strictEqual(created.length, 3, result.output)
      const listed = Array.from(
        result.stdout.matchAll(new RegExp(`^  (${UUID})  created \\S+  (\\w+)$`, "gm")),
        (m) => [m[1], m[2]]
      )
      // The first one was closed before it expired: its status stays CLOSED.
      assert.deepStrictEqual(listed, [
        [created[2], "EXPIRED"],
        [created[1], "EXPIRED"],
        [created[0], "CLOSED"]
      ], result.output)
      find(result, /created 2 more sessions that are still open/)
      find(result, /3 expired sessions listed/)
    }), TIMEOUT)

  it.live(
    "errors-and-retries: retries visible, 404 caught by tag, a policy that gives up",
    () =>
      Effect.gen(function*() {
        const result = yield* example("errors-and-retries.ts")
        assert.strictEqual(
          count(result, /attempt failed: Rate limited \(429\) \(retry after 1s\): POST /g),
          1,
          result.output
        )
        assert.strictEqual(count(result, /attempt failed: Rate limited \(429\): POST /g), 1, result.output)
        find(result, new RegExp(`created session ${UUID}`))
        find(
          result,
          /attempt failed: Server error \(503\): GET \S+\/upload_sessions\/00000000-0000-4000-8000-000000000000/
        )
        find(result, /caught NotFoundError: GET \S+\/upload_sessions\/00000000-0000-4000-8000-000000000000/)
        // 1 attempt + 3 retries, all 503, then the typed error.
        assert.strictEqual(count(result, /attempt failed: Server error \(503\): GET \S+\?limit=5/g), 4, result.output)
        find(result, /gave up: ServerError 503/)
      }),
    TIMEOUT
  )

  it.live("pipeline: a generated stream of documents through Upload.events into the log", () =>
    Effect.gen(function*() {
      const result = yield* example("pipeline.ts")
      find(result, new RegExp(`pipeline=\\d+ms: session ${UUID} opened`))
      assert.strictEqual(count(result, /ticket-\d{4}\.md uploaded \(\d+ bytes\)/g), 12, result.output)
      assert.strictEqual(count(result, /ticket-\d{4}\.md FINISHED/g), 12, result.output)
      find(result, /pipeline=\d+ms: upload finished/)
      find(result, /Pipeline finished: 12 tickets uploaded, 12 ingested/)
    }), TIMEOUT)

  it.live(
    "in-memory-fetch: text, bytes and a stream uploaded with FetchHttpClient only, no FileSystem",
    () =>
      Effect.gen(function*() {
        const result = yield* example("in-memory-fetch.ts")
        find(result, /Uploading 3 documents from memory with FetchHttpClient \(no FileSystem\)/)
        find(result, /uploaded welcome\.md \(45 bytes, with metadata\): FINISHED/)
        find(result, /uploaded release-notes\.txt \(37 bytes, with metadata\): FINISHED/)
        find(result, /uploaded payments\.csv \(904 bytes, with metadata\): FINISHED/)
        find(result, /Report: 3 uploaded, 0 not uploaded, 3 ingested/)
      }),
    TIMEOUT
  )

  it.live("emulator-in-tests: the example test suite passes under its own vitest config", () =>
    Effect.gen(function*() {
      const result = yield* run(bin("vitest"), ["run", "--config", "examples/vitest.config.ts"])
      assert.strictEqual(result.exitCode, 0, result.output)
      find(result, /Tests\s+6 passed \(6\)/)
    }), TIMEOUT)

  // The other half of Target: with a key, the examples take their settings from the environment, as
  // deepset Cloud users' programs do. Here the "cloud" is an emulator this test starts.
  it.live(
    "with DEEPSET_API_KEY: the API and workspace from the environment, no emulator of its own",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({ ingestionDelay: 0 })
        const result = yield* tsx("failed-files.ts", {
          DEEPSET_API_KEY: emulator.apiKey,
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "from-env"
        })
        assert.strictEqual(result.exitCode, 0, result.output)
        assert.strictEqual(
          result.stdout.split("\n")[0],
          `Target: deepset Cloud API at ${emulator.apiBaseUrl}, workspace "from-env"`
        )
        const [session] = find(result, new RegExp(`2 failed files in session (${UUID})`))
        const sessions = yield* emulator.sessions
        assert.deepStrictEqual(sessions.map((s) => [s.sessionId, s.workspace]), [[session, "from-env"]])
      }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)),
    TIMEOUT
  )

  it.live("with DEEPSET_API_KEY but no DEEPSET_WORKSPACE: a clear error, nothing sent", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start()
      const result = yield* tsx("expired-sessions.ts", {
        DEEPSET_API_KEY: emulator.apiKey,
        DEEPSET_API_URL: emulator.apiUrl
      })
      assert.notStrictEqual(result.exitCode, 0, result.output)
      assert.include(result.output, "set DEEPSET_WORKSPACE too")
      assert.deepStrictEqual(yield* emulator.requests, [])
    }).pipe(Effect.scoped), TIMEOUT)
})
