/**
 * Type-level test, compiled by `pnpm check` (never run): `Upload` requires a `FileSystem` only when its
 * sources may hold a path. In-memory and stream sources give programs that need the `DeepsetClient` and
 * nothing else, so `FetchHttpClient.layer` under `DeepsetClient.layer` closes them; a path anywhere (a
 * document, a raw metadata body, a source typed as the broad `UploadSource`) keeps `FileSystem` required.
 * The runtime half is `test/upload/fetchOnly.test.ts`.
 */
import { DeepsetClient, Upload, type UploadEvent, type UploadReport, UploadSource } from "@effect-deepset/sdk"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

/** `true` when `A` and `B` are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const assertType = <T extends true>(): T => true as T

type Requires<T> = T extends Effect.Effect<infer _A, infer _E, infer R> ? R
  : T extends Stream.Stream<infer _A, infer _E, infer R> ? R
  : never

const bytes = new TextEncoder().encode("# bytes")
const text = Stream.make(new TextEncoder().encode("streamed"))

// A client over fetch and nothing else: no NodeContext, no FileSystem anywhere.
const FetchOnly = DeepsetClient.layer({
  apiKey: Redacted.make("key"),
  baseUrl: "http://127.0.0.1:8787",
  workspace: "default"
}).pipe(Layer.provide(FetchHttpClient.layer))

// --- in memory and streams: the DeepsetClient only --------------------------------------------------

const inMemory = Upload.files([
  { name: "a.txt", body: "hello", meta: { team: "support" } },
  { name: "b.md", body: bytes, meta: UploadSource.rawMeta("{\"lang\":\"en\"}") },
  { name: "c.txt", body: { stream: text, size: 8 } }
])
assertType<Equals<Requires<typeof inMemory>, DeepsetClient.DeepsetClient>>()

const streamed = Upload.files(Stream.make(
  { name: "d.txt", body: "from a stream" },
  { name: "e.bin", body: bytes }
))
assertType<Equals<Requires<typeof streamed>, DeepsetClient.DeepsetClient>>()

const declared: ReadonlyArray<UploadSource.UploadSource<UploadSource.PortableBody>> = [
  { name: "f.txt", body: "declared portable", meta: UploadSource.rawMeta(bytes) }
]
const fromDeclared = Upload.events(declared, { wait: true })
assertType<Equals<Requires<typeof fromDeclared>, DeepsetClient.DeepsetClient>>()

export const nothing = Upload.files([])
assertType<Equals<Requires<typeof nothing>, DeepsetClient.DeepsetClient>>()

// A program with FetchHttpClient and the client provided, and nothing else, requires nothing.
export const program: Effect.Effect<
  { readonly report: UploadReport.UploadReport; readonly events: number },
  unknown,
  never
> = Effect.gen(function*() {
  const report = yield* inMemory
  yield* streamed
  const events = yield* Stream.runCount(fromDeclared)
  yield* Effect.scoped(Effect.gen(function*() {
    const session = yield* Upload.session()
    yield* session.send({ name: "g.txt", body: "sent by hand" })
    yield* session.send({ name: "h.txt", body: { stream: text, size: 8 }, meta: { n: 1 } })
  }))
  return { report, events }
}).pipe(Effect.provide(FetchOnly))

// The caller's own requirements of a source stream are kept, and are all there is besides the client.
class Catalog extends Context.Tag("test/Catalog")<Catalog, { readonly names: ReadonlyArray<string> }>() {}
export const fromCatalog = Upload.files(
  Stream.flatMap(Catalog, ({ names }) => Stream.fromIterable(names.map((name) => ({ name, body: name }))))
)
assertType<Equals<Requires<typeof fromCatalog>, DeepsetClient.DeepsetClient | Catalog>>()

// --- a path anywhere: FileSystem required --------------------------------------------------------------

const withPath = Upload.files([{ name: "a.txt", body: "hello" }, UploadSource.fromPath("./report.pdf")])
assertType<Equals<Requires<typeof withPath>, DeepsetClient.DeepsetClient | FileSystem.FileSystem>>()

// @ts-expect-error a path source requires a FileSystem, which FetchHttpClient and the client do not provide
export const pathWithFetchOnly: Effect.Effect<UploadReport.UploadReport, unknown, never> = Effect.provide(
  withPath,
  FetchOnly
)

// @ts-expect-error a path body written inline
export const inlinePath: Effect.Effect<UploadReport.UploadReport, unknown, DeepsetClient.DeepsetClient> = Upload.files([
  { name: "a.pdf", body: { path: "./a.pdf" } }
])

// @ts-expect-error raw metadata read from a path
export const metaPath: Effect.Effect<UploadReport.UploadReport, unknown, DeepsetClient.DeepsetClient> = Upload.files([
  { name: "a.txt", body: "hello", meta: UploadSource.rawMeta({ path: "./a.txt.meta.json" }) }
])

const broad: ReadonlyArray<UploadSource.UploadSource> = [{ name: "a.txt", body: "hello" }]
// @ts-expect-error a source typed as the broad UploadSource may hold a path
export const broadSources: Effect.Effect<UploadReport.UploadReport, unknown, DeepsetClient.DeepsetClient> = Upload
  .files(broad)

// @ts-expect-error a stream of broad sources, likewise
export const broadStream: Stream.Stream<UploadEvent.UploadEvent, unknown, DeepsetClient.DeepsetClient> = Upload.events(
  Stream.fromIterable(broad)
)

export const portableWithPath: UploadSource.UploadSource<UploadSource.PortableBody> = {
  name: "a.txt",
  body: "hello",
  // @ts-expect-error a declared portable source cannot hold a path, not even in its metadata
  meta: UploadSource.rawMeta({ path: "./a.txt.meta.json" })
}

export const sessionSend = Effect.scoped(Effect.gen(function*() {
  const session = yield* Upload.session()
  const inMemorySend = session.send({ name: "a.txt", body: "hello" })
  assertType<Equals<Requires<typeof inMemorySend>, never>>()
  const pathSend = session.send(UploadSource.fromPath("./a.pdf"))
  assertType<Equals<Requires<typeof pathSend>, FileSystem.FileSystem>>()
  yield* inMemorySend
  return yield* pathSend
}))
assertType<Equals<Requires<typeof sessionSend>, DeepsetClient.DeepsetClient | FileSystem.FileSystem>>()

// Upload.paths reads folders: it requires the file system and Path, as before.
export const folder = Upload.paths("./docs")
assertType<Equals<Requires<typeof folder>, DeepsetClient.DeepsetClient | FileSystem.FileSystem | Path.Path>>()
