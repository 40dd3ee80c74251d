/**
 * Hostile file names (issue 7, item 4), through `Upload.files` and `Upload.paths` to the emulator: each
 * name becomes a safe S3 key or is refused with a typed error, and a refusal of sources given as an
 * iterable comes before anything is sent. A safe key, by API.md's rules, is the session's prefix
 * (`<org>/<workspace>/<session>/`) and the base name only: no separator, no `.`/`..`, none of
 * `\ # % " ' | < > { } ` ^ [ ] ~`, no control character, NFC, at most 255 bytes (265 for a `.meta.json`
 * companion), so that the key fits S3's 1 024.
 *
 * test/upload/fileName.test.ts holds the properties of the sanitizer on its own (no unsafe character,
 * idempotent, safe names kept, base name only). This file extends them end to end: for random hostile names,
 * the emulator stores each under exactly its safe name and a safe key, or the report says why not;
 * and NFC and NFD spellings of any name are one name.
 *
 * Unreadable files, directories given as files and files that change size mid-upload: hostileFilesDisk.test.ts.
 * Reproduce: pnpm vitest run test/security/hostileFiles.test.ts
 */
import { Emulator, type Inspection } from "@effect-deepset/emulator"
import { Upload, type UploadReport, type UploadSource } from "@effect-deepset/sdk"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as FileName from "../../packages/sdk/src/internal/fileName.js"
import * as UploadChecks from "../reliability/support/UploadChecks.js"

// What API.md forbids in a stored name, written out independently of the SDK's own pattern.
// eslint-disable-next-line no-control-regex
const forbidden = /[/\\#%"'|<>{}`^[\]~\u0000-\u001f\u007f-\u009f]/
const utf8 = (text: string) => new TextEncoder().encode(text).length

/** Every stored object's key is its session's prefix and a safe base name, percent-encoded. */
const assertSafeKeys = (objects: ReadonlyArray<Inspection.StoredObject>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    for (const object of objects) {
      const { filename, key } = object
      assert.notMatch(filename, forbidden, JSON.stringify(filename))
      assert.notInclude([".", "..", ""], filename)
      assert.strictEqual(filename, filename.normalize("NFC"))
      // 255 bytes for a name; its companion adds `.meta.json`.
      assert.isAtMost(utf8(filename), filename.endsWith(".meta.json") ? 265 : 255)
      assert.isAtMost(utf8(key), 1024)
      const segments = key.split("/")
      assert.strictEqual(segments.length, 4, `key ${JSON.stringify(key)} has the session prefix and one name`)
      assert.strictEqual(segments[0], emulator.organizationId)
      assert.strictEqual(segments[2], object.sessionId)
      // The key holds the name as it went over the wire, percent-encoded (docs/contract.md).
      assert.strictEqual(segments[3], FileName.wireName(filename))
    }
  })

const uploadedNames = (report: UploadReport.UploadReport) =>
  report.files.filter((f) => f.status === "uploaded").map((f) => f.name).sort()

// Names that have a safe form, and the form API.md's rules give them (worked out by hand, not by the SDK).
const safeTable: ReadonlyArray<readonly [input: string, stored: string]> = [
  ["../../etc/passwd", "passwd"],
  ["a/../../b", "b"],
  ["..\\..\\windows\\system.ini", "system.ini"],
  ["/absolute/path/report.pdf", "report.pdf"],
  ["tab\there\u0000nul\u007fdel\u0085nel.md", "tab_here_nul_del_nel.md"],
  ["esc\u001b[31mred\u001b[0m.txt", "esc__31mred__0m.txt"],
  ["line\r\nbreak.txt", "line__break.txt"],
  ["a#b%c\"d'e|f<g>h{i}j`k^l[m]n~o.txt", "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o.txt"],
  ["%2e%2e%2fescape.txt", "_2e_2e_2fescape.txt"],
  ["nfd-cafe\u0301.txt", "nfd-caf\u00e9.txt"],
  ["  spaced  name .txt", "  spaced  name .txt"],
  ["日本語 ファイル 😀.txt", "日本語 ファイル 😀.txt"],
  ["y".repeat(255), "y".repeat(255)]
]

// Names without a safe form, or a second spelling of a name taken already, and what the error says.
const refusedTable: ReadonlyArray<readonly [input: string, tag: string, reason: RegExp]> = [
  ["", "InvalidFileNameError", /the name is empty/],
  ["x".repeat(1000), "InvalidFileNameError", /1000 bytes long/],
  ["漢".repeat(1000), "InvalidFileNameError", /3000 bytes long/],
  ["folder/", "InvalidFileNameError", /no base name/],
  ["a/..", "InvalidFileNameError", /names a directory/],
  ["../..", "InvalidFileNameError", /names a directory/],
  [".", "InvalidFileNameError", /names a directory/],
  ["sneaky.txt.meta.json", "InvalidFileNameError", /reserved for metadata companions/],
  ["nfc-caf\u00e9.txt", "FileNameConflictError", /would both be stored as "nfc-café.txt"/]
]
// The first spelling of the conflicting name, which is accepted.
const twin = "nfc-cafe\u0301.txt"

// Characters that matter in names: separators, every forbidden character, dots, combining marks and
// precomposed letters, control characters, astral and lone surrogates, and anything else.
const hostileChar = FastCheck.oneof(
  FastCheck.constantFrom(
    ..."/\\#%\"'|<>{}`^[]~..\u0000\u0007\u001b\u001f\u007f\u0085 e\u0301\u00e9A\u030a\u00c5漢😀\ud800"
  ),
  FastCheck.string({ minLength: 1, maxLength: 1, unit: "binary" })
)
const hostileName = FastCheck.array(hostileChar, { maxLength: 30 }).map((chars) => chars.join(""))

const bodyOf = (name: string) => `body of ${JSON.stringify(name)}`

describe("hostile file names", () => {
  it.layer(UploadChecks.layer())((it) => {
    it.effect("traversal, control and unsafe characters, unicode: each stored under a safe key in its session", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* UploadChecks.freshStart
        const report = yield* Upload.files(safeTable.map(([name]) => ({ name, body: bodyOf(name), meta: { name } })), {
          maxFilesPerSession: 10
        })
        assert.deepStrictEqual(report.files.map((f) => [f.input, f.name, f.status]), [
          ...safeTable.map(([input, stored]) => [input, stored, "uploaded"])
        ])
        const objects = yield* emulator.objects()
        yield* assertSafeKeys(objects)
        assert.deepStrictEqual(
          objects.map((o) => o.filename).sort(),
          safeTable.flatMap(([, stored]) => [stored, `${stored}.meta.json`]).sort()
        )
        // Each document's bytes are its own, and its companion names the input it came from.
        for (const [input, stored] of safeTable) {
          const meta = objects.find((o) => o.filename === `${stored}.meta.json`)
          assert.deepStrictEqual(JSON.parse(meta?.meta ?? "null"), { name: input })
          assert.strictEqual(objects.find((o) => o.filename === stored)?.size, utf8(bodyOf(input)))
        }
        yield* UploadChecks.assertSessionsClosed(report)
        yield* UploadChecks.assertS3NeverSawTheKey
      }))

    it.effect("names with no safe form, and a second spelling of one name, are refused before anything is sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* UploadChecks.freshStart
        const inputs = [
          { name: "fine.txt", body: "fine" },
          { name: twin, body: "first" },
          ...refusedTable.map(([name]) => ({
            name,
            body: "never sent"
          }))
        ]
        const error = yield* Effect.flip(Upload.files(inputs))
        assert.strictEqual(error._tag, "InvalidSourcesError")
        if (error._tag === "InvalidSourcesError") {
          assert.deepStrictEqual(error.errors.map((e) => e._tag), refusedTable.map(([, tag]) => tag))
          error.errors.forEach((e, i) => assert.match(e.message, refusedTable[i]![2]))
          assert.match(error.message, /^Nothing was uploaded, 9 problems with the inputs: /)
        }
        assert.deepStrictEqual(yield* emulator.requests, [], "nothing reached the emulator")
        assert.deepStrictEqual(yield* emulator.sessions, [])
      }))

    it.effect("as a stream, each refused name fails alone with its typed error, and the others still go", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* UploadChecks.freshStart
        const good = safeTable.slice(0, 6)
        const inputs: Array<UploadSource.UploadSource> = [
          ...good.map(([name]) => ({ name, body: bodyOf(name) })),
          { name: twin, body: "first" },
          ...refusedTable.map(([name]) => ({ name, body: "never sent" }))
        ]
        const report = yield* Upload.files(Stream.fromIterable(inputs))
        assert.strictEqual(report.total, inputs.length)
        const failed = report.files.filter((f) => f.status === "failed")
        assert.deepStrictEqual(failed.map((f) => f.error?.tag), refusedTable.map(([, tag]) => tag))
        failed.forEach((f, i) => {
          assert.match(f.error!.message, refusedTable[i]![2])
          assert.strictEqual(f.input, refusedTable[i]![0])
          assert.isUndefined(f.sessionId, "a refused name never reaches a session")
        })
        const expected = [...good.map(([, stored]) => stored), twin.normalize("NFC")].sort()
        assert.deepStrictEqual(uploadedNames(report), expected)
        const objects = yield* emulator.objects()
        yield* assertSafeKeys(objects)
        assert.deepStrictEqual(objects.map((o) => o.filename).sort(), expected)
        yield* UploadChecks.assertSessionsClosed(report)
      }))

    it.effect.prop(
      "any name: stored under exactly its safe name and a safe key, or refused with the reason",
      [FastCheck.array(hostileName, { minLength: 1, maxLength: 8 })],
      ([names]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          yield* UploadChecks.freshStart
          const report = yield* Upload.files(Stream.fromIterable(names.map((name) => ({ name, body: "x" }))))
          assert.strictEqual(report.total, names.length)
          const taken = new Set<string>()
          const stored: Array<string> = []
          report.files.forEach((file, i) => {
            const safe = FileName.safeName(names[i]!)
            assert.strictEqual(file.input, names[i])
            if (Either.isLeft(safe)) {
              assert.strictEqual(file.error?.tag, "InvalidFileNameError")
              assert.include(file.error!.message, safe.left)
            } else if (FileName.isMetaName(safe.right)) {
              assert.strictEqual(file.error?.tag, "InvalidFileNameError")
            } else if (taken.has(safe.right)) {
              assert.strictEqual(file.error?.tag, "FileNameConflictError")
            } else {
              taken.add(safe.right)
              assert.strictEqual(file.status, "uploaded", file.error?.message)
              assert.strictEqual(file.name, safe.right)
              stored.push(safe.right)
            }
          })
          const objects = yield* emulator.objects()
          yield* assertSafeKeys(objects)
          assert.deepStrictEqual(objects.map((o) => o.filename).sort(), stored.sort())
        }),
      { fastCheck: { numRuns: 40, seed: 20261124 }, timeout: 120_000 }
    )
  })

  it.prop("two spellings of a name (NFC and NFD) are one name, or both have none", [hostileName], ([name]) => {
    const nfc = FileName.safeName(name.normalize("NFC"))
    const nfd = FileName.safeName(name.normalize("NFD"))
    assert.strictEqual(Either.isRight(nfc), Either.isRight(nfd))
    if (Either.isRight(nfc) && Either.isRight(nfd)) assert.strictEqual(nfd.right, nfc.right)
  }, { fastCheck: { seed: 1124 } })
})

describe("hostile file names on disk (Upload.paths)", () => {
  it.layer(UploadChecks.layer())((it) => {
    // A file name on disk may hold anything but `/` and NUL; these are all legal on Linux.
    const onDisk: ReadonlyArray<readonly [file: string, stored: string]> = [
      ["tab\there.txt", "tab_here.txt"],
      ["new\nline.txt", "new_line.txt"],
      ["esc\u001b[2Jclear.txt", "esc__2Jclear.txt"],
      ["hash#percent%.txt", "hash_percent_.txt"],
      ["quote\"s'.txt", "quote_s_.txt"],
      ["pipe|lt<gt>.txt", "pipe_lt_gt_.txt"],
      ["brace{}`^[]~.txt", "brace_______.txt"],
      ["back\\slash.txt", "slash.txt"],
      ["\u007fdel.txt", "_del.txt"],
      ["nfd-cafe\u0301.txt", "nfd-caf\u00e9.txt"],
      ["-leading-dash.txt", "-leading-dash.txt"]
    ]

    it.scoped("a folder of hostile names: each file stored under its safe name, its companion beside it", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* fs.makeTempDirectoryScoped()
        for (const [file] of onDisk) yield* fs.writeFileString(path.join(dir, file), `bytes of ${file}`)
        yield* fs.writeFileString(path.join(dir, "tab\there.txt.meta.json"), "{\"k\": 1}")
        // The same folder reached through a detour, and a file named through `..`: the path is not the name.
        yield* fs.makeDirectory(path.join(dir, "sub"))
        const report = yield* Upload.paths([`${dir}/sub/../`, `${dir}/sub/../../${path.basename(dir)}/tab\there.txt`])
        assert.deepStrictEqual(uploadedNames(report), onDisk.map(([, stored]) => stored).sort())
        assert.strictEqual(report.failed, 0)
        const objects = yield* emulator.objects()
        yield* assertSafeKeys(objects)
        assert.deepStrictEqual(
          objects.map((o) => o.filename).sort(),
          [...onDisk.map(([, stored]) => stored), "tab_here.txt.meta.json"].sort()
        )
        yield* UploadChecks.assertSessionsClosed(report)
      }))

    it.scoped("two files whose names are one after normalization (NFC, NFD) are a conflict before anything is sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* UploadChecks.freshStart
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* fs.makeTempDirectoryScoped()
        yield* fs.writeFileString(path.join(dir, "caf\u00e9.txt"), "nfc")
        yield* fs.writeFileString(path.join(dir, "cafe\u0301.txt"), "nfd")
        yield* fs.writeFileString(path.join(dir, "other.txt"), "other")
        assert.strictEqual((yield* fs.readDirectory(dir)).length, 3, "the file system keeps both spellings")
        const error = yield* Effect.flip(Upload.paths(dir))
        assert.strictEqual(error._tag, "InvalidSourcesError")
        if (error._tag === "InvalidSourcesError") {
          assert.deepStrictEqual(error.errors.map((e) => e._tag), ["FileNameConflictError"])
          assert.match(error.message, /would both be stored as "café\.txt"/)
        }
        assert.deepStrictEqual(yield* emulator.requests, [])
      }))
  })
})
