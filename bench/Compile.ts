/**
 * Turns the bench's, the SDK's and the emulator's TypeScript into plain JavaScript under
 * `bench/.bench-tmp/js`, so that worker processes run on bare `node`: no loader thread, no on-the-fly
 * transform, nothing in their start-up time or resident set that a user's compiled program would not
 * have. The packages are compiled from their sources on every run (`transpileModule`, no type check:
 * `pnpm check` does that), so a bench never measures a stale `dist`. The emulator's CLI (`bin.ts`) is
 * left out: it needs `@effect/cli`, which only the emulator's own `node_modules` holds, and the bench
 * starts the emulator through `Emulator.start` (`emulatorMain.ts`).
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
  /** The directory holding `bench/`, `sdk/` and `emulator/`. */
  readonly dir: string
  /** The compiled path of a bench module, e.g. `script("worker")`. */
  readonly script: (name: string) => string
}

// `from "@effect-deepset/sdk"`, `from "@effect-deepset/sdk/Models"`, `import("@effect-deepset/emulator")`.
const packageImport = /(from\s+|import\s*\(\s*)"@effect-deepset\/(sdk|emulator)(\/[A-Za-z0-9_]+)?"/g

const packages = ["sdk", "emulator"] as const

/**
 * Compiles `bench/*.ts` and the sources of the SDK and the emulator of the repository at `root` into
 * `outDir`, which must lie inside the repository so that `effect` and `undici` resolve from its
 * `node_modules`. Imports of `@effect-deepset/sdk` and `@effect-deepset/emulator` are pointed at the
 * compiled sources.
 *
 * @since 0.1.0
 */
export const compile = Effect.fn("Compile.compile")(function*(root: string, outDir: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const benchSrc = path.join(root, "bench")
  const benchOut = path.join(outDir, "bench")
  yield* fs.remove(outDir, { recursive: true }).pipe(Effect.ignore)

  const emit = Effect.fnUntraced(function*(source: string, target: string) {
    const text = yield* fs.readFileString(source)
    const js = ts.transpileModule(text, { compilerOptions, fileName: source }).outputText.replace(
      packageImport,
      (_, lead: string, name: string, sub: string | undefined) => {
        const dir = path.relative(path.dirname(target), path.join(outDir, name)).split(path.sep).join("/")
        return `${lead}"${dir.startsWith(".") ? dir : `./${dir}`}${sub ?? "/index"}.js"`
      }
    )
    yield* fs.makeDirectory(path.dirname(target), { recursive: true })
    yield* fs.writeFileString(target, js)
  })

  const sources = (dir: string, recursive: boolean) =>
    Effect.map(
      fs.readDirectory(dir, { recursive }),
      (files) => files.filter((file) => file.endsWith(".ts") && file !== "bin.ts")
    )
  const jobs: Array<readonly [string, string]> = []
  for (const name of packages) {
    const src = path.join(root, "packages", name, "src")
    for (const file of yield* sources(src, true)) {
      jobs.push([path.join(src, file), path.join(outDir, name, file.replace(/\.ts$/, ".js"))])
    }
  }
  for (const file of yield* sources(benchSrc, false)) {
    jobs.push([path.join(benchSrc, file), path.join(benchOut, file.replace(/\.ts$/, ".js"))])
  }
  yield* Effect.forEach(jobs, ([source, target]) => emit(source, target), { discard: true, concurrency: 8 })
  return {
    dir: outDir,
    script: (name: string) => path.join(benchOut, `${name}.js`)
  } satisfies Compiled
})
