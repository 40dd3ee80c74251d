/**
 * The progress bar as a person sees it: the CLI on a pseudo-terminal uploads 300 small files and three
 * large ones to an emulator whose S3 answers every upload late, and every frame drawn is read back from
 * the screen. The fields must agree with each other frame to frame and, at the end, with what S3 holds.
 * Nothing is asserted about how long anything took.
 */
import { Emulator, Fault } from "@effect-deepset/emulator"
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Ansi from "../src/Ansi.js"
import * as Format from "../src/Format.js"
import * as CliProcess from "./support/CliProcess.js"
import * as Pty from "./support/Pty.js"

const KiB = 1024
const MiB = 1024 * KiB
const SMALL = 300
const LARGE = 3
const totalBytes = SMALL * KiB + LARGE * 8 * MiB

interface Frame {
  readonly label: string
  readonly files: number
  readonly totalFiles: number
  readonly bytes: string
  readonly totalBytes: string
  readonly eta: string
}

const unitBytes: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }
/** A size as `Format.bytes` shows it, back to a number (to its precision). */
const parseBytes = (text: string): number => {
  const [value, unit] = text.split(" ")
  return Number(value) * unitBytes[unit!]!
}
/** An ETA as shown, in seconds; `undefined` for "–". */
const parseEta = (text: string): number | undefined => {
  if (text === "–") return undefined
  if (text === "<1s") return 0.5
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text)!
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)
}

const framePattern =
  /^(Uploading|Uploaded) +[█░]+ {2}(\d+)\/(\d+) files {2}(\S+ \S+)\/(\S+ \S+) {2}\S+ \S+\/s {2}ETA (\S+)/

/** Every upload frame the screen shows: each is written after an erase of the line. */
const frames = (screen: string): Array<Frame> =>
  screen.split("\r\u001b[2K").flatMap((piece) => {
    const match = framePattern.exec(Ansi.strip(piece).split(/\r?\n/)[0]!)
    return match === null ? [] : [{
      label: match[1]!,
      files: Number(match[2]),
      totalFiles: Number(match[3]),
      bytes: match[4]!,
      totalBytes: match[5]!,
      eta: match[6]!
    }]
  })

describe("the progress bar on a terminal", () => {
  it.scopedLive(
    "bytes move before files land, every frame is consistent, the ETA falls, and the end agrees with S3",
    () =>
      Effect.gen(function*() {
        // Every S3 upload waits half a second before the emulator reads it: a large file's first chunks are
        // out (counted) long before it lands, and the small files land at a steady pace.
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [{ route: "s3", fault: Fault.delay("500 millis") }]
        })
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        // Named to go first, so that they are in flight from the start.
        for (let i = 0; i < LARGE; i++) {
          yield* fs.writeFile(`${dir}/a-large-${i}.bin`, new Uint8Array(8 * MiB).fill(i + 1))
        }
        for (let i = 0; i < SMALL; i++) {
          yield* fs.writeFile(`${dir}/small-${String(i).padStart(3, "0")}.txt`, new Uint8Array(KiB).fill(65))
        }
        const { exitCode, screen } = yield* Pty.run([dir, "--concurrency", "16"], {
          TERM: "xterm-256color",
          COLUMNS: "120",
          DEEPSET_API_KEY: emulator.apiKey,
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "default"
        })
        assert.strictEqual(exitCode, 0, screen.slice(-3000))
        const all = frames(screen)
        assert.isAbove(all.length, 10, screen.slice(-3000))

        // Every frame: within its totals, which never change.
        for (const frame of all) {
          assert.strictEqual(frame.totalFiles, SMALL + LARGE)
          assert.strictEqual(frame.totalBytes, Format.bytes(totalBytes))
          assert.isAtMost(frame.files, frame.totalFiles)
          assert.isAtMost(parseBytes(frame.bytes), parseBytes(frame.totalBytes))
        }
        // Bytes on their way before any file landed: the large files' first chunks.
        assert.isTrue(
          all.some((frame) => frame.files === 0 && parseBytes(frame.bytes) > SMALL * KiB),
          all.slice(0, 20).map((f) => `${f.files} ${f.bytes}`).join("; ")
        )
        // Files only ever go up.
        for (let i = 1; i < all.length; i++) assert.isAtLeast(all[i]!.files, all[i - 1]!.files)

        // The later frames (the last third of those still uploading): a finite ETA, falling.
        const uploading = all.filter((frame) => frame.label === "Uploading" && frame.files < frame.totalFiles)
        const later = uploading.slice(Math.floor((uploading.length * 2) / 3))
        assert.isAbove(later.length, 3)
        const etas = later.map((frame) => parseEta(frame.eta))
        assert.isTrue(etas.every((eta) => eta !== undefined && Number.isFinite(eta)), later.map((f) => f.eta).join(" "))
        const seconds = etas as Array<number>
        assert.isBelow(seconds[seconds.length - 1]!, seconds[0]!, later.map((f) => f.eta).join(" "))
        const rises = seconds.filter((eta, i) => i > 0 && eta > seconds[i - 1]! + 1).length
        assert.isAtMost(rises, Math.floor(seconds.length / 4), later.map((f) => f.eta).join(" "))

        // The last frame and the summary say what S3 holds.
        const stored = yield* emulator.objects()
        const storedBytes = stored.reduce((sum, object) => sum + object.size, 0)
        assert.strictEqual(stored.length, SMALL + LARGE)
        assert.strictEqual(storedBytes, totalBytes)
        const last = all[all.length - 1]!
        assert.strictEqual(last.label, "Uploaded")
        assert.strictEqual(last.files, stored.length)
        assert.strictEqual(last.bytes, Format.bytes(storedBytes))
        assert.strictEqual(last.eta, "0ms")
        assert.include(
          Ansi.strip(screen),
          `Uploaded ${stored.length} of ${SMALL + LARGE} files (${Format.bytes(storedBytes)})`
        )
      }).pipe(Effect.provide(NodeContext.layer)),
    120_000
  )

  it.scopedLive(
    "off a terminal, and on one under NO_COLOR: a plain progress line every few seconds, no escape sequence",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.start({
          ingestionDelay: 0,
          faults: [{ route: "s3", fault: Fault.delay("300 millis") }]
        })
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped()
        for (let i = 0; i < 40; i++) yield* fs.writeFileString(`${dir}/doc-${i}.txt`, `document ${i}`)
        const env = {
          DEEPSET_API_KEY: emulator.apiKey,
          DEEPSET_API_URL: emulator.apiUrl,
          DEEPSET_WORKSPACE: "default"
        }
        // No journal: the two runs go at once over the same folder, and each sends every file.
        const args = [dir, "--concurrency", "2", "--no-journal"]
        const [piped, noColor] = yield* Effect.all([
          CliProcess.run(args, env),
          Pty.run(args, { ...env, TERM: "xterm-256color", NO_COLOR: "1" })
        ], { concurrency: "unbounded" })
        for (
          const [output, exitCode] of [[piped.stdout, piped.exitCode], [noColor.screen, noColor.exitCode]] as const
        ) {
          assert.strictEqual(exitCode, 0, output)
          assert.notInclude(output, "\u001b")
          const lines = output.split(/\r?\n/).filter((line) => line.startsWith("Uploading  "))
          assert.isAtLeast(lines.length, 1, output)
          for (const line of lines) {
            assert.match(
              line,
              /^Uploading {2}\d+\/40 files {2}\S+ \S+\/\S+ \S+ {2}\S+ \S+\/s {2}ETA \S+$/,
              JSON.stringify(line)
            )
          }
        }
      }).pipe(Effect.provide(NodeContext.layer)),
    120_000
  )
})
