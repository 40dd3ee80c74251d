import { assert, describe, it } from "@effect/vitest"
import * as Ansi from "../src/Ansi.js"
import * as Table from "../src/Table.js"

describe("Table", () => {
  it("pads columns to their widest cell and aligns right where asked", () => {
    const text = Table.render(
      [{ header: "FILE" }, { header: "SIZE", align: "right" }, { header: "NOTE" }],
      [["a.txt", "12 B", ""], ["report-2025.pdf", "1.2 kB", "meta"]],
      Ansi.plain
    )
    assert.strictEqual(
      text,
      [
        "FILE               SIZE  NOTE",
        "───────────────  ──────  ────",
        "a.txt              12 B",
        "report-2025.pdf  1.2 kB  meta"
      ].join("\n")
    )
  })

  it("measures styled cells by what shows", () => {
    const styled = Table.render([{ header: "S" }, { header: "X" }], [[Ansi.colored.red("FAILED"), "x"]], Ansi.colored)
    const lines = Ansi.strip(styled).split("\n")
    assert.strictEqual(lines[2], "FAILED  x")
    assert.strictEqual(lines[0], "S       X")
  })
})
