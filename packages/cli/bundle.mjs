// Bundles `deepset-upload` into bundle/: one ESM entry (bin.js) with every dependency inside, and the
// emulator in chunks that only `--emulator` loads (Connection.ts imports it dynamically), so the
// installed package needs nothing from the registry and starts without parsing the emulator.
import * as esbuild from "esbuild"
import { rmSync } from "node:fs"
import { resolve } from "node:path"

// `node bundle.mjs DIR` bundles into DIR instead (the bench builds its own copy there).
const outdir = process.argv[2] === undefined ? new URL("bundle/", import.meta.url).pathname : resolve(process.argv[2])
rmSync(outdir, { recursive: true, force: true })

await esbuild.build({
  entryPoints: { bin: new URL("src/bin.ts", import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The workspace packages from their TypeScript sources, as the tests run them.
  conditions: ["source"],
  // Chunks beside the entry: Cli.ts reads "../package.json" relative to the module it ends up in.
  chunkNames: "[name]-[hash]",
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "linked",
  // Bundled CommonJS (undici) calls require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js:
      "import { createRequire as __bundleRequire } from \"node:module\"; const require = __bundleRequire(import.meta.url);"
  },
  logLevel: "warning"
})
