/**
 * Turns the bench's and the SDK's TypeScript into plain JavaScript under `bench/.bench-tmp/js`, so that
 * worker processes run on bare `node`: no loader thread, no on-the-fly transform, nothing in their
 * start-up time or resident set that a user's compiled program would not have. The SDK is compiled from
 * its sources on every run (`transpileModule`, no type check: `pnpm check` does that), so a bench never
 * measures a stale `dist`.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as ts from "typescript"

const compilerOptions: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  verbatimModuleSyntax: true,
  sourceMap: false,
  // Doc comments name the package in examples; only real imports must be rewritten.
  removeComments: true
}

/**
 * Where the compiled programs are.
 *
 * @since 0.1.0
 */
export interface Compiled {
  /** The directory holding `bench/` and `sdk/`. */
  readonly dir: string
  /** The compiled path of a bench module, e.g. `script("worker")`. */
  readonly script: (name: string) => string
}

// `from "@effect-deepset/sdk"`, `from "@effect-deepset/sdk/Models"`, `import("@effect-deepset/sdk")`.
const sdkImport = /(from\s+|import\s*\(\s*)"@effect-deepset\/sdk(\/[A-Za-z0-9_]+)?"/g

/**
 * Compiles `bench/*.ts` and `packages/sdk/src/**\/*.ts` of the repository at `root` into `outDir`, which
 * must lie inside the repository so that `effect` and `undici` resolve from its `node_modules`. Imports
 * of `@effect-deepset/sdk` are pointed at the compiled SDK sources.
 *
 * @since 0.1.0
 */
export const compile = Effect.fn("Compile.compile")(function*(root: string, outDir: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const sdkSrc = path.join(root, "packages", "sdk", "src")
  const benchSrc = path.join(root, "bench")
  const sdkOut = path.join(outDir, "sdk")
  const benchOut = path.join(outDir, "bench")
  yield* fs.remove(outDir, { recursive: true }).pipe(Effect.ignore)

  const emit = Effect.fnUntraced(function*(source: string, target: string) {
    const text = yield* fs.readFileString(source)
    let js = ts.transpileModule(text, { compilerOptions, fileName: source }).outputText
    const toSdk = path.relative(path.dirname(target), sdkOut).split(path.sep).join("/")
    js = js.replace(sdkImport, (_, lead: string, sub: string | undefined) => `${lead}"${toSdk}${sub ?? "/index"}.js"`)
    if (/(from\s+|import\s*\(\s*)"@effect-deepset\//.test(js)) {
      return yield* Effect.dieMessage(`an import of a workspace package other than the SDK in ${source}`)
    }
    yield* fs.makeDirectory(path.dirname(target), { recursive: true })
    yield* fs.writeFileString(target, js)
  })

  const sdkFiles = (yield* fs.readDirectory(sdkSrc, { recursive: true })).filter((file) => file.endsWith(".ts"))
  const benchFiles = (yield* fs.readDirectory(benchSrc)).filter((file) => file.endsWith(".ts"))
  yield* Effect.forEach(
    [
      ...sdkFiles.map((file) => [path.join(sdkSrc, file), path.join(sdkOut, file.replace(/\.ts$/, ".js"))] as const),
      ...benchFiles.map((file) =>
        [path.join(benchSrc, file), path.join(benchOut, file.replace(/\.ts$/, ".js"))] as const
      )
    ],
    ([source, target]) => emit(source, target),
    { discard: true, concurrency: 8 }
  )
  return {
    dir: outDir,
    script: (name: string) => path.join(benchOut, `${name}.js`)
  } satisfies Compiled
})
