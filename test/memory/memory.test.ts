/**
 * Memory is bounded by concurrency, not by the number of files (issue 13): what a run leaves on the heap
 * while its report is held (after a full GC, in a child process of its own) is the report alone, at most
 * 1 KiB per file, and no more per file for 20 000 files than for 2 000 (a ratio within one machine, no
 * absolute time or size of the machine's).
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))

const perFile = (files: number): number => {
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--conditions=source", "--import", "tsx", "test/memory/uploadMemory.ts", String(files)],
    { cwd: root, encoding: "utf8", timeout: 240_000 }
  )
  return (JSON.parse(out.trim().split("\n").at(-1)!) as { bytesPerFile: number }).bytesPerFile
}

describe("memory of an upload run", () => {
  it("20 000 files leave at most 1 KiB each on the heap with the report held, and no more each than 2 000 do", () => {
    const small = perFile(2_000)
    const large = perFile(20_000)
    assert.isAtMost(large, 1024, `${large} bytes per file for 20 000 files`)
    // The fixed costs of a run weigh more on 2 000 files: a run that grew per file would turn this around.
    assert.isAtMost(large, Math.max(small, 256) * 1.5, `${large} per file for 20 000 against ${small} for 2 000`)
  }, 600_000)
})
