import { Emulator } from "@effect-deepset/emulator"
import { Upload } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as FileName from "../../packages/sdk/src/internal/fileName.js"
import * as Harness from "./harness.js"

// eslint-disable-next-line no-control-regex
const unsafe = /[\\/#%"'|<>{}`^[\]~\u0000-\u001f\u007f-\u009f]/

const safe = (name: string): string => Either.getOrThrow(FileName.safeName(name))
const rejected = (name: string): string => Either.getOrThrow(Either.flip(FileName.safeName(name)))

// Names drawn from characters that matter: separators, every unsafe character, dots, unicode and plain ones.
const hostileChar = FastCheck.oneof(
  FastCheck.constantFrom(..."/\\#%\"'|<>{}`^[]~.\u0000\u0007\u001f\u007f\u0085 e\u0301é漢😀\ud800\udc00"),
  FastCheck.string({ minLength: 1, maxLength: 1 })
)
const hostileName = FastCheck.array(hostileChar, { maxLength: 40 }).map((chars) => chars.join(""))

describe("file names", () => {
  it.prop(
    "a safe name holds no separator, no unsafe or control character, and fits the limit",
    [hostileName],
    ([name]) => {
      const result = FileName.safeName(name)
      if (Either.isRight(result)) {
        assert.notMatch(result.right, unsafe)
        assert.isAbove(result.right.length, 0)
        assert.notInclude([".", ".."], result.right)
        assert.isAtMost(new TextEncoder().encode(result.right).length, FileName.maxNameBytes)
        assert.isFalse(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(result.right))
      }
    }
  )

  it.prop("making a name safe twice changes nothing", [hostileName], ([name]) => {
    const result = FileName.safeName(name)
    if (Either.isRight(result)) {
      assert.strictEqual(safe(result.right), result.right)
    }
  })

  it.prop("a name of safe characters only is kept as it is", [
    FastCheck.stringMatching(/^[A-Za-z0-9 ._()-]{1,60}$/).filter((s) => s !== "." && s !== "..")
  ], ([name]) => {
    assert.strictEqual(safe(name), name)
  })

  it.prop("only the base name is kept, whatever the directories before it", [
    FastCheck.array(hostileName, { maxLength: 4 }),
    FastCheck.stringMatching(/^[a-z0-9]{1,12}\.txt$/)
  ], ([dirs, base]) => {
    assert.strictEqual(safe([...dirs, base].join("/")), base)
    assert.strictEqual(safe([...dirs, base].join("\\")), base)
  })

  it("replaces every character S3 keys or URLs mangle", () => {
    assert.strictEqual(safe("a#b%c\"d'e|f<g>h{i}j`k^l[m]n~o.txt"), "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o.txt")
    assert.strictEqual(safe("tab\there\u0000nul\u007fdel.md"), "tab_here_nul_del.md")
  })

  it("keeps path traversal out of the key", () => {
    assert.strictEqual(safe("../../etc/passwd"), "passwd")
    assert.strictEqual(safe("..\\..\\windows\\system.ini"), "system.ini")
    assert.strictEqual(safe("/absolute/report.pdf"), "report.pdf")
  })

  it("rejects names that have no usable base name, with a reason", () => {
    assert.strictEqual(rejected(""), "the name is empty")
    assert.match(rejected("folder/"), /no base name/)
    assert.match(rejected("a/.."), /directory/)
    assert.match(rejected("."), /directory/)
  })

  it("rejects names longer than the limit and accepts the limit itself", () => {
    assert.match(rejected("x".repeat(1000)), /1000 bytes/)
    assert.strictEqual(safe("x".repeat(FileName.maxNameBytes)).length, FileName.maxNameBytes)
    // Three bytes per character in UTF-8: the limit counts bytes, not characters.
    assert.match(rejected("漢".repeat(86)), /258 bytes/)
  })

  it("normalises unicode, so two spellings of one name are one name", () => {
    assert.strictEqual(safe("cafe\u0301.txt"), safe("caf\u00e9.txt"))
  })

  it("recognises metadata companion names", () => {
    assert.isTrue(FileName.isMetaName("report.pdf.meta.json"))
    assert.isFalse(FileName.isMetaName(".meta.json"))
    assert.isFalse(FileName.isMetaName("report.pdf"))
    assert.strictEqual(FileName.metaName("report.pdf"), "report.pdf.meta.json")
  })
})

describe("file names on the wire", () => {
  it("are percent-encoded as Python's quote(name, safe=\"\") does (aiohttp's quote_fields), byte for byte", () => {
    // Each right-hand side is what /usr/bin/python3 printed for urllib.parse.quote(name, "", encoding="utf-8").
    const vectors: ReadonlyArray<readonly [string, string]> = [
      ["with space.txt", "with%20space.txt"],
      ["日本語.txt", "%E6%97%A5%E6%9C%AC%E8%AA%9E.txt"],
      ["plus+amp&.txt", "plus%2Bamp%26.txt"],
      ["comma,semi;colon.txt", "comma%2Csemi%3Bcolon.txt"],
      ["a!b*c(d)e.txt", "a%21b%2Ac%28d%29e.txt"],
      ["tilde_dot-ok.md", "tilde_dot-ok.md"],
      ["é😀.pdf", "%C3%A9%F0%9F%98%80.pdf"]
    ]
    for (const [name, wire] of vectors) assert.strictEqual(FileName.wireName(name), wire, name)
  })

  it.prop("leave only unreserved characters and escapes, so no ; , \" or line break reaches a store's parser", [
    hostileName
  ], ([name]) => {
    const result = FileName.safeName(name)
    if (Either.isRight(result)) {
      const wire = FileName.wireName(result.right)
      assert.match(wire, /^(?:[A-Za-z0-9_.~-]|%[0-9A-F]{2})*$/)
      assert.strictEqual(decodeURIComponent(wire), result.right)
    }
  }, { fastCheck: { seed: 17 } })
})

describe("file names through the emulator", () => {
  it.layer(Harness.layer({ ingestionDelay: 0 }))((it) => {
    it.effect.prop(
      "the document name the emulator shows is the name the report shows",
      [FastCheck.uniqueArray(hostileName, { minLength: 1, maxLength: 6 })],
      ([names]) =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          // Only names that are usable and distinct once made safe: the others never reach the wire.
          const seen = new Set<string>()
          const sources = names.flatMap((name, i) => {
            const safe = FileName.safeName(name)
            if (Either.isLeft(safe) || seen.has(safe.right) || FileName.isMetaName(safe.right)) return []
            seen.add(safe.right)
            return [{ name, body: `document ${i}` }]
          })
          if (sources.length === 0) return
          const report = yield* Harness.clockMoving(Upload.files(sources, { wait: true }))
          assert.strictEqual(report.uploaded, sources.length)
          const sessionId = report.sessions[0]!.sessionId
          const objects = yield* emulator.objects(sessionId)
          // The key holds the encoded name, which the emulator decoded into the document name.
          for (const o of objects) assert.isTrue(o.key.endsWith(`/${FileName.wireName(o.filename)}`), o.key)
          const stored = objects.map((o) => o.filename).sort()
          assert.deepStrictEqual(stored, report.files.map((f) => f.name).sort())
          const indexed = (yield* emulator.workspaceIndex(Harness.workspace))
            .filter((f) => f.sessionId === sessionId)
            .map((f) => f.name)
            .sort()
          assert.deepStrictEqual(indexed, stored)
          assert.isTrue(report.files.every((f) => f.ingestion?.status === "FINISHED"))
        }),
      { fastCheck: { numRuns: 25, seed: 23 } }
    )
  })
})
