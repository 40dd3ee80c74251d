/**
 * Where the CLI keeps a journal by default: under `$XDG_STATE_HOME` when it is set and absolute, else under
 * `<home>/.local/state`, named by the sha256 of the workspace and the absolute root (checked against
 * node:crypto), so that each (workspace, root) has its own journal and nothing else shares it.
 */
import { UploadJournal } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { createHash } from "node:crypto"
import { sha256Hex } from "../../packages/sdk/src/internal/sha256.js"

const home = "/home/me"
const name = (workspace: string, root: string) =>
  `${createHash("sha256").update(JSON.stringify([workspace, root])).digest("hex")}.jsonl`

describe("defaultPath", () => {
  it("under XDG_STATE_HOME when set and absolute", () => {
    assert.strictEqual(
      UploadJournal.defaultPath({ workspace: "docs", root: "/data/docs", env: { XDG_STATE_HOME: "/state/" }, home }),
      `/state/deepset-upload/journals/${name("docs", "/data/docs")}`
    )
  })

  it("under ~/.local/state when XDG_STATE_HOME is unset, empty or relative", () => {
    const expected = `/home/me/.local/state/deepset-upload/journals/${name("docs", "/data/docs")}`
    for (const env of [{}, { XDG_STATE_HOME: "" }, { XDG_STATE_HOME: "state" }, { XDG_STATE_HOME: undefined }]) {
      assert.strictEqual(UploadJournal.defaultPath({ workspace: "docs", root: "/data/docs", env, home }), expected)
    }
    assert.strictEqual(
      UploadJournal.defaultPath({ workspace: "docs", root: "/data/docs", env: {}, home: "/home/me/" }),
      expected
    )
  })

  it("one journal per (workspace, root); a trailing separator of the root does not matter", () => {
    const at = (workspace: string, root: string) => UploadJournal.defaultPath({ workspace, root, env: {}, home })
    assert.strictEqual(at("docs", "/data/docs/"), at("docs", "/data/docs"))
    assert.notStrictEqual(at("docs", "/data/docs"), at("other", "/data/docs"))
    assert.notStrictEqual(at("docs", "/data/docs"), at("docs", "/data/docs2"))
    // No ambiguity between the two parts.
    assert.notStrictEqual(at("a", "b/c"), at("a\",\"b", "c"))
    assert.strictEqual(UploadJournal.journalName("docs", "/"), name("docs", "/"))
    assert.strictEqual(UploadJournal.journalName("w", "C:\\Users\\me\\docs\\"), name("w", "C:\\Users\\me\\docs"))
  })

  it("sha256 matches the known vectors", () => {
    const hex = (text: string) => sha256Hex(new TextEncoder().encode(text))
    assert.strictEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert.strictEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert.strictEqual(
      hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    )
  })

  it.prop("sha256 agrees with node:crypto on any bytes", [FastCheck.uint8Array({ maxLength: 300 })], ([bytes]) => {
    assert.strictEqual(sha256Hex(bytes), createHash("sha256").update(bytes).digest("hex"))
  }, { fastCheck: { seed: 256, numRuns: 500 } })
})
