// Bundles `deepset-upload` into bundle/: one ESM entry (bin.js) with every dependency inside, and the
// emulator in chunks that only `--emulator` loads (Connection.ts imports it dynamically), so the
// installed package needs nothing from the registry and starts without parsing the emulator. The help
// texts are recorded first (src/HelpText.ts) and defined into bin.js, which prints them without loading
// the CLI.
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

// `node bundle.mjs DIR` bundles into DIR instead (the bench builds its own copy there).
const outdir = process.argv[2] === undefined ? new URL("bundle/", import.meta.url).pathname : resolve(process.argv[2])
const packageDir = new URL(".", import.meta.url).pathname
rmSync(outdir, { recursive: true, force: true })

// `@effect/platform-node`'s HttpClient takes `Agent`, `getGlobalDispatcher` and the request API from undici,
// whose index also evaluates fetch, WebSocket, cookies, caches and mocks: the upload's first request waited
// ~40 ms (at a load of 9) for what it never uses. Its imports of "undici" get these parts alone, from the
// same copy of undici (exact-pinned: a new version of either is checked by the bundled CLI's tests).
const undiciCore = {
  name: "undici-core",
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, async (args) => {
      // Only for the importer whose use of undici is known; any other gets all of it.
      if (args.pluginData === "undici-core" || !args.importer.includes("/@effect/platform-node/")) return undefined
      const resolved = await build.resolve("undici", {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: "undici-core"
      })
      if (resolved.errors.length > 0) return { errors: resolved.errors }
      return { path: resolved.path, namespace: "undici-core" }
    })
    build.onLoad({ filter: /.*/, namespace: "undici-core" }, (args) => ({
      resolveDir: dirname(args.path),
      loader: "js",
      contents: [
        "const Dispatcher = require(\"./lib/dispatcher/dispatcher\")",
        "Object.assign(Dispatcher.prototype, require(\"./lib/api\"))",
        "module.exports = {",
        "  Dispatcher,",
        "  Agent: require(\"./lib/dispatcher/agent\"),",
        "  getGlobalDispatcher: require(\"./lib/global\").getGlobalDispatcher",
        "}"
      ].join("\n")
    }))
  }
}

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The workspace packages from their TypeScript sources, as the tests run them.
  conditions: ["source"],
  minifySyntax: true,
  minifyWhitespace: true,
  // Bundled CommonJS (undici) calls require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js:
      "import { createRequire as __bundleRequire } from \"node:module\"; const require = __bundleRequire(import.meta.url);"
  },
  plugins: [undiciCore],
  logLevel: "warning"
}

// The recorder runs from the output folder, so that Cli.ts finds "../package.json" where bin.js will.
const recorder = join(outdir, "record-help.mjs")
const recorded = join(outdir, "help.json")
await esbuild.build({
  ...common,
  stdin: {
    contents: [
      "import * as Effect from \"effect/Effect\"",
      "import { writeFileSync } from \"node:fs\"",
      "import * as HelpText from \"./src/HelpText.ts\"",
      "writeFileSync(process.argv[2], JSON.stringify(await Effect.runPromise(HelpText.record)))"
    ].join("\n"),
    resolveDir: packageDir,
    sourcefile: "record-help.ts",
    loader: "ts"
  },
  outfile: recorder
})
const run = spawnSync(process.execPath, [recorder, recorded], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
if (run.status !== 0) throw new Error(`recording the help texts failed (${run.status}): ${run.stderr}`)
const help = readFileSync(recorded, "utf8")
rmSync(outdir, { recursive: true, force: true })

await esbuild.build({
  ...common,
  entryPoints: { bin: new URL("src/bin.ts", import.meta.url).pathname },
  outdir,
  splitting: true,
  // Chunks beside the entry: Cli.ts reads "../package.json" relative to the module it ends up in.
  chunkNames: "[name]-[hash]",
  legalComments: "linked",
  // A string literal, parsed by bin.js: an object would become a module that every chunk imports.
  define: { DEEPSET_UPLOAD_HELP: JSON.stringify(help) }
})
