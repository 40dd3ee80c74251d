import { assert, describe, it } from "@effect/vitest"
import * as Ansi from "../src/Ansi.js"

describe("Ansi", () => {
  it("colour only on a terminal without NO_COLOR", () => {
    assert.strictEqual(Ansi.choose({ isTTY: true, noColor: false }), Ansi.colored)
    assert.strictEqual(Ansi.choose({ isTTY: true, noColor: true }), Ansi.plain)
    assert.strictEqual(Ansi.choose({ isTTY: false, noColor: false }), Ansi.plain)
  })

  it("strip and width ignore escape sequences", () => {
    const text = Ansi.colored.bold(Ansi.colored.green("ok")) + "\u001b[2K\r"
    assert.strictEqual(Ansi.strip(text), "ok\r")
    assert.strictEqual(Ansi.width(Ansi.colored.red("█░")), 2)
    assert.strictEqual(Ansi.plain.red("x"), "x")
  })
})
