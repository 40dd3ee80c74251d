/**
 * The executable as `pnpm build` makes it, bundled afresh by `packages/cli/bundle.mjs` into a folder of the
 * test's own, with the package's package.json beside it (for `--version` and the help's header).
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { root } from "./CliProcess.js"

export interface Bundled {
  /** The folder holding package.json and bundle/; the test removes it. */
  readonly dir: string
  /** bundle/bin.js. */
  readonly bin: string
}

/** Bundles the CLI into a new temporary folder named with `prefix`; throws with esbuild's output if it fails. */
export const bundleAfresh = (prefix: string): Bundled => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  copyFileSync(join(root, "packages/cli/package.json"), join(dir, "package.json"))
  const built = spawnSync(process.execPath, [join(root, "packages/cli/bundle.mjs"), join(dir, "bundle")], {
    cwd: root,
    encoding: "utf8"
  })
  if (built.status !== 0) throw new Error(built.stderr)
  return { dir, bin: join(dir, "bundle", "bin.js") }
}
