/**
 * The packages as a user gets them: each one packed with `pnpm pack` from its built `dist` (CI builds
 * before testing), installed with npm into a project outside the workspace, and used from there.
 * One temporary project serves every check; npm fetches the peers from the registry once.
 */
import * as esbuild from "esbuild"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../", import.meta.url))
const packages = ["sdk", "emulator", "cli"] as const
/** The versions the README names for the peers. */
const peers = ["effect@3.22.4", "@effect/platform@0.97.2", "@effect/platform-node@0.108.2", "@types/node@20.19.43"]

// Children run without the npm_* variables pnpm sets for its scripts, so npm reads no workspace setting.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_"))
) as NodeJS.ProcessEnv
const npmEnv = { ...env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" }

interface Result {
  readonly stdout: string
  readonly stderr: string
  readonly code: number
}

const run = (file: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  new Promise<Result>((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
        resolve({ stdout, stderr, code })
      }
    )
  })

/** Fails with the command's output, so that a broken step says why. */
const ok = async (file: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) => {
  const result = await run(file, args, options)
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`)
  }
  return result
}

const tarList = async (tarball: string) =>
  (await ok("tar", ["tzf", tarball], { cwd: root })).stdout.split("\n").filter((line) => line !== "")

const tarManifest = async (tarball: string) =>
  JSON.parse((await ok("tar", ["xzf", tarball, "-O", "package/package.json"], { cwd: root })).stdout)

const sizeOf = (path: string): number =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0)
    : statSync(path).size

let work: string
let project: string
const tarballs: Record<string, string> = {}
let emulator: ChildProcess | undefined
let apiUrl: string

/** Starts the installed `deepset-emulator` on a free loopback port and reads its URL from the first line. */
const startEmulator = () =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(
      join(project, "node_modules", ".bin", "deepset-emulator"),
      ["--port", "0", "--host", "127.0.0.1", "--seed", "7", "--ingestion-delay", "0"],
      { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] }
    )
    emulator = child
    let output = ""
    child.stdout.setEncoding("utf8")
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => (output += chunk))
    child.stdout.on("data", (chunk: string) => {
      output += chunk
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (url !== null) resolve(url[1]!)
    })
    child.on("exit", (code) => reject(new Error(`deepset-emulator exited ${code}\n${output}`)))
  })

beforeAll(async () => {
  for (const name of packages) {
    const dist = join(root, "packages", name, name === "cli" ? "bundle" : "dist")
    if (!statSync(dist, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`${dist} is missing: run pnpm build before this test`)
    }
  }
  work = mkdtempSync(join(tmpdir(), "effect-deepset-packaging-"))
  const packed = join(work, "tarballs")
  mkdirSync(packed)
  for (const name of packages) {
    await ok("pnpm", ["pack", "--pack-destination", packed], { cwd: join(root, "packages", name) })
    tarballs[name] = join(packed, `effect-deepset-${name}-0.1.0.tgz`)
  }

  project = join(work, "project")
  mkdirSync(project)
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  await ok("npm", ["install", "--no-audit", "--no-fund", tarballs.sdk!, tarballs.emulator!, ...peers], {
    cwd: project,
    env: npmEnv
  })
  apiUrl = await startEmulator()
}, 600_000)

afterAll(() => {
  emulator?.kill("SIGTERM")
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

describe("packaging", { timeout: 300_000 }, () => {
  it("each tarball carries README and LICENSE, no build leftover, no workspace-only manifest field", async () => {
    for (const name of packages) {
      const files = await tarList(tarballs[name]!)
      expect(files).toContain("package/README.md")
      expect(files).toContain("package/LICENSE")
      expect(files.filter((file) => file.endsWith(".tsbuildinfo"))).toEqual([])
      const manifest = await tarManifest(tarballs[name]!)
      const text = JSON.stringify(manifest)
      expect(text).not.toContain("workspace:")
      expect(text).not.toContain("\"source\"")
      expect(manifest.engines.node).toBe("^20.19.0 || >=22.12.0")
      expect(manifest.license).toBe("MIT")
      expect(manifest.repository.directory).toBe(`packages/${name}`)
    }
    const emulatorManifest = await tarManifest(tarballs.emulator!)
    expect(Object.keys(emulatorManifest.peerDependencies).sort()).toEqual(["@effect/platform", "effect"])
    expect(emulatorManifest.dependencies.effect).toBeUndefined()
    const cliManifest = await tarManifest(tarballs.cli!)
    expect(cliManifest.dependencies).toBeUndefined()
    expect(cliManifest.peerDependencies).toBeUndefined()
  })

  it("a consumer type-checks under module NodeNext and under moduleResolution bundler (strict)", async () => {
    const consumer = `
import { DeepsetClient, Upload, UploadSessions, UploadSource } from "@effect-deepset/sdk"
import { Emulator } from "@effect-deepset/emulator"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted, Stream } from "effect"
// @ts-expect-error internals are not exported
import * as Internal from "@effect-deepset/sdk/internal/operations"

export const internal: unknown = Internal

export const client = (baseUrl: string) =>
  DeepsetClient.layer({ apiKey: Redacted.make("emulator-key"), baseUrl, workspace: "default" })

export const upload = (baseUrl: string) =>
  Effect.gen(function*() {
    const report = yield* Upload.files([{ name: "a.txt", body: "hello" }], { wait: true })
    const page = yield* UploadSessions.list({ limit: 5 })
    return { uploaded: report.uploaded, failed: report.failed, sessions: page.data.length }
  }).pipe(Effect.provide([client(baseUrl).pipe(Layer.provide(NodeHttpClient.layerUndici)), NodeContext.layer]))

export const sessions = (baseUrl: string) =>
  UploadSessions.create({ writeMode: "KEEP" }).pipe(Effect.provide(client(baseUrl).pipe(Layer.provide(FetchHttpClient.layer))))

// In-memory sources need the client over fetch and nothing else; a path source needs a FileSystem too.
export const inMemory = (baseUrl: string): Effect.Effect<number, unknown, never> =>
  Upload.files([
    { name: "a.txt", body: "hello", meta: UploadSource.rawMeta("{}") },
    { name: "b.bin", body: { stream: Stream.make(new Uint8Array([1])), size: 1 } }
  ]).pipe(Effect.map((report) => report.uploaded), Effect.provide(client(baseUrl).pipe(Layer.provide(FetchHttpClient.layer))))

const withPath = Upload.files([UploadSource.fromPath("./a.pdf")])
  .pipe(Effect.provide(client("http://127.0.0.1:8787").pipe(Layer.provide(FetchHttpClient.layer))))
// @ts-expect-error a path source requires a FileSystem
export const fromPath: Effect.Effect<unknown, unknown, never> = withPath

export const emulator = Effect.scoped(Effect.map(Emulator.start(), (handle) => handle.apiUrl))
`
    writeFileSync(join(project, "consumer.ts"), consumer)
    const common = { strict: true, noEmit: true, skipLibCheck: true, types: ["node"], lib: ["ES2022", "DOM"] }
    writeFileSync(
      join(project, "tsconfig.nodenext.json"),
      JSON.stringify({
        compilerOptions: { ...common, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext" },
        files: ["consumer.ts"]
      })
    )
    // A `source` condition of the consumer's own must not reach the packages' TypeScript sources.
    writeFileSync(
      join(project, "tsconfig.bundler.json"),
      JSON.stringify({
        compilerOptions: {
          ...common,
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "bundler",
          customConditions: ["source"],
          exactOptionalPropertyTypes: true
        },
        files: ["consumer.ts"]
      })
    )
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc")
    for (const config of ["tsconfig.nodenext.json", "tsconfig.bundler.json"]) {
      const result = await run(process.execPath, [tsc, "-p", config], { cwd: project })
      expect({ config, output: result.stdout + result.stderr, code: result.code }).toEqual({
        config,
        output: "",
        code: 0
      })
    }
  })

  it("a program on the installed sdk uploads to the installed emulator's bin", async () => {
    writeFileSync(
      join(project, "program.mjs"),
      `
import { DeepsetClient, Upload, UploadSessions } from "@effect-deepset/sdk"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted } from "effect"

const Deepset = DeepsetClient.layer({ apiKey: Redacted.make("emulator-key"), baseUrl: process.argv[2], workspace: "default" })
  .pipe(Layer.provide(NodeHttpClient.layerUndici))
const program = Effect.gen(function*() {
  const report = yield* Upload.files([
    { name: "a.txt", body: "hello" },
    { name: "b.md", body: new TextEncoder().encode("# b"), meta: { topic: "b" } }
  ], { wait: true })
  const page = yield* UploadSessions.list({ limit: 5 })
  return { uploaded: report.uploaded, failed: report.failed, sessions: page.data.length }
})
console.log(JSON.stringify(await Effect.runPromise(program.pipe(Effect.provide([Deepset, NodeContext.layer])))))
`
    )
    const result = await ok(process.execPath, ["program.mjs", apiUrl], { cwd: project })
    const outcome = JSON.parse(result.stdout)
    expect({ uploaded: outcome.uploaded, failed: outcome.failed }).toEqual({ uploaded: 2, failed: 0 })
    expect(outcome.sessions).toBeGreaterThan(0)
  })

  it("the sdk loads with require() from CommonJS, and its internals stay blocked", async () => {
    writeFileSync(
      join(project, "load.cjs"),
      `
const sdk = require("@effect-deepset/sdk")
const Upload = require("@effect-deepset/sdk/Upload")
let internal
try { require("@effect-deepset/sdk/internal/operations"); internal = "loaded" } catch (e) { internal = e.code }
console.log(JSON.stringify({ create: typeof sdk.UploadSessions.create, files: typeof Upload.files, internal }))
`
    )
    const result = await ok(process.execPath, ["load.cjs"], { cwd: project })
    expect(JSON.parse(result.stdout)).toEqual({
      create: "function",
      files: "function",
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  })

  // Upload requires a FileSystem only for path sources: with in-memory and stream sources, the consumer
  // bundled for a neutral platform (no node: import) needs FetchHttpClient and nothing else.
  it("a consumer of Upload.files with in-memory sources and FetchHttpClient bundles for a neutral platform and runs", async () => {
    writeFileSync(
      join(project, "neutral.ts"),
      `
import { DeepsetClient, Upload, UploadSessions, UploadSource } from "@effect-deepset/sdk"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, Stream } from "effect"

const encoder = new TextEncoder()

export const run = (baseUrl: string) =>
  Effect.gen(function*() {
    const report = yield* Upload.files([
      { name: "a.txt", body: "hello", meta: { lang: "en" } },
      { name: "b.md", body: encoder.encode("# b"), meta: UploadSource.rawMeta("{}") },
      { name: "c.bin", body: { stream: Stream.make(new Uint8Array([1, 2]), new Uint8Array([3])), size: 3 } }
    ], { writeMode: "KEEP", wait: true })
    const sessionId = report.sessions[0]!.sessionId
    const status = yield* UploadSessions.getStatus({ sessionId })
    return {
      uploaded: report.uploaded,
      failed: report.failed,
      same: status.sessionId === sessionId,
      finished: status.ingestionStatus.finishedFiles
    }
  }).pipe(
    Effect.provide(
      DeepsetClient.layer({ apiKey: Redacted.make("emulator-key"), baseUrl, workspace: "default" })
        .pipe(Layer.provide(FetchHttpClient.layer))
    ),
    Effect.runPromise
  )
`
    )
    const built = await esbuild.build({
      absWorkingDir: project,
      entryPoints: ["neutral.ts"],
      outfile: "neutral.bundle.mjs",
      bundle: true,
      platform: "neutral",
      format: "esm",
      logLevel: "silent"
    })
    expect(built.errors).toEqual([])
    const bundle = readFileSync(join(project, "neutral.bundle.mjs"), "utf8")
    expect(bundle).not.toMatch(/from\s*"node:/)
    writeFileSync(
      join(project, "neutral-run.mjs"),
      `import { run } from "./neutral.bundle.mjs"\nconsole.log(JSON.stringify(await run(process.argv[2])))\n`
    )
    const result = await ok(process.execPath, ["neutral-run.mjs", apiUrl], { cwd: project })
    expect(JSON.parse(result.stdout)).toEqual({ uploaded: 3, failed: 0, same: true, finished: 3 })
  })

  it("the CLI tarball alone installs globally, takes a few MB and uploads a folder to its embedded emulator", async () => {
    const prefix = join(work, "global")
    await ok("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", tarballs.cli!], {
      cwd: work,
      env: npmEnv
    })
    const installed = join(prefix, "lib", "node_modules", "@effect-deepset", "cli")
    expect(readdirSync(installed)).not.toContain("node_modules")
    expect(sizeOf(installed)).toBeLessThan(5 * 1024 * 1024)

    const folder = join(work, "docs")
    mkdirSync(folder)
    writeFileSync(join(folder, "one.txt"), "first document")
    writeFileSync(join(folder, "two.md"), "# second document")
    const bin = join(prefix, "bin", "deepset-upload")
    const version = await ok(bin, ["--version"], { cwd: work })
    expect(version.stdout.trim()).toBe("0.1.0")
    const upload = await run(bin, ["--emulator", folder, "--wait", "--json"], { cwd: work })
    expect({ code: upload.code, stderr: upload.stderr }).toEqual({ code: 0, stderr: "" })
    const report = JSON.parse(upload.stdout)
    expect(JSON.stringify(report)).toContain("one.txt")
    expect(JSON.stringify(report)).toContain("two.md")
  })
})
