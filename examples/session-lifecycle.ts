/**
 * A session's whole life, twice: create → upload → close → wait for ingestion.
 *
 * 1. By hand, with the five operations of `UploadSessions` and one S3 presigned POST per file: what
 *    happens on the wire, for callers who need full control.
 * 2. With `Upload.session`, a scoped session that is always closed (on success, failure or
 *    interruption) and that sends files with retries, metadata companions and safe names.
 *
 * Run: pnpm tsx --conditions=source examples/session-lifecycle.ts
 */
import { type Models, Upload, UploadSessions } from "@effect-deepset/sdk"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Target from "./Target.js"

const documents = [
  { name: "hello.txt", text: "Hello from effect-deepset." },
  { name: "faq.md", text: "# FAQ\n\nQ: Where do uploads go?\nA: Into an upload session, then into the workspace." }
]

/**
 * One file into the session, the way S3 wants it: every field of the presigned POST verbatim, then the
 * file as the last part. It goes through the application's own `HttpClient`, not the `DeepsetClient`, so
 * it never carries the API key (S3 would reject a request with an Authorization header anyway).
 */
const postToS3 = (session: Models.UploadSession, name: string, text: string) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const form = new FormData()
    for (const [key, value] of Object.entries(session.awsPrefixedRequestConfig.fields)) {
      form.append(key, value)
    }
    form.append("file", new Blob([text], { type: "text/plain" }), name)
    // Encoded with the platform's own encoder (a `Response`), so that any HttpClient can send the bytes:
    // the undici client of @effect/platform-node does not recognise Node's global FormData class.
    const encoded = new Response(form)
    const bytes = new Uint8Array(yield* Effect.promise(() => encoded.arrayBuffer()))
    yield* HttpClient.filterStatusOk(http).execute(
      HttpClientRequest.post(session.awsPrefixedRequestConfig.url).pipe(
        HttpClientRequest.bodyUint8Array(bytes, encoded.headers.get("content-type") ?? undefined)
      )
    )
  })

const byHand = Effect.gen(function*() {
  const session = yield* UploadSessions.create({ writeMode: "KEEP" })
  const { sessionId } = session
  yield* Console.log(
    `[UploadSessions] created session ${sessionId}, open until ${DateTime.formatIso(session.expiresAt)}`
  )

  // Closing starts ingestion. `ensuring` closes the session even if an upload fails.
  yield* Effect.forEach(documents, ({ name, text }) => postToS3(session, name, text), {
    concurrency: 2,
    discard: true
  }).pipe(
    Effect.ensuring(Effect.orDie(UploadSessions.close({ sessionId })))
  )
  yield* Console.log(`[UploadSessions] uploaded ${documents.length} files and closed session ${sessionId}`)

  // Ingestion is asynchronous: poll the status until every file finished or failed.
  const status = yield* UploadSessions.getStatus({ sessionId }).pipe(
    Effect.delay("250 millis"),
    Effect.repeat({
      until: ({ ingestionStatus }) => ingestionStatus.finishedFiles + ingestionStatus.failedFiles >= documents.length
    }),
    Effect.timeout("2 minutes")
  )
  yield* Console.log(
    `[UploadSessions] session ${sessionId}: ${status.ingestionStatus.finishedFiles} finished, ` +
      `${status.ingestionStatus.failedFiles} failed`
  )
})

const withUploadSession = Effect.gen(function*() {
  const session = yield* Upload.session({ writeMode: "KEEP" })
  yield* Console.log(`[Upload.session] opened session ${session.sessionId}`)
  for (const { name, text } of documents) {
    const sent = yield* session.send({ name, body: text, meta: { source: "session-lifecycle example" } })
    yield* Console.log(`[Upload.session] sent ${sent.name} (${sent.bytes} bytes${sent.meta ? ", with metadata" : ""})`)
  }
  // Closing now starts ingestion; without it, the scope's end would close the session.
  yield* session.close
  const ingestion = yield* Upload.waitForIngestion({ sessionId: session.sessionId, expected: yield* session.expected })
  yield* Console.log(
    `[Upload.session] session ${session.sessionId}: ${ingestion.finished} finished, ${ingestion.failed} failed`
  )
}).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  yield* byHand
  yield* withUploadSession
})

program.pipe(
  Effect.provide(Layer.mergeAll(Target.layer(), NodeContext.layer, NodeHttpClient.layerUndici)),
  NodeRuntime.runMain
)
