/**
 * A small HTTP server on 127.0.0.1 (random port) for wire tests: it records every request and answers
 * from a script (a queue of replies) or a handler. Replies can also drop the connection or never come.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface RecordedRequest {
  readonly method: string
  /** The path as sent, still percent-encoded. */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

export interface Reply {
  readonly _tag?: "Reply"
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  /** A string is sent as it is; anything else as JSON. */
  readonly body?: unknown
}

export type Action =
  | Reply
  /** Close the connection without answering. */
  | { readonly _tag: "Destroy" }
  /** Never answer (until the server shuts down). */
  | { readonly _tag: "Hang" }
  /** Send the status line, the headers and the start of a body, then nothing more. */
  | { readonly _tag: "Stall"; readonly status: number }

export type Handler = (request: RecordedRequest) => Action

export interface ScriptedServerApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly requests: ReadonlyArray<RecordedRequest>
  /** Queues replies, answered in order; once the queue is empty the handler answers. */
  readonly script: (...actions: ReadonlyArray<Action>) => void
  readonly handle: (handler: Handler) => void
  /** Forgets the recorded requests and the script. */
  readonly reset: () => void
  /** Waits until at least `count` requests have arrived. */
  readonly awaitRequests: (count: number) => Effect.Effect<void>
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers
})

const unscripted: Handler = (request) => ({
  status: 418,
  body: { detail: `no scripted reply for ${request.method} ${request.path}` }
})

export const make: Effect.Effect<ScriptedServerApi, never, Scope.Scope> = Effect.gen(function*() {
  const requests: Array<RecordedRequest> = []
  const queue: Array<Action> = []
  const waiters = new Set<() => void>()
  let handler: Handler = unscripted

  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      requests.push(recorded)
      for (const wake of waiters) wake()
      const action = queue.shift() ?? handler(recorded)
      if (action._tag === "Destroy") {
        req.socket.destroy()
        return
      }
      if (action._tag === "Hang") return
      if (action._tag === "Stall") {
        res.writeHead(action.status, { "content-type": "application/json", "content-length": "1000" })
        res.write("{\"data\": [")
        return
      }
      const isText = typeof action.body === "string"
      const payload = action.body === undefined ? "" : isText ? action.body as string : JSON.stringify(action.body)
      res.writeHead(action.status, {
        ...(action.body === undefined || isText ? {} : { "content-type": "application/json" }),
        ...action.headers
      })
      res.end(payload)
    })
  })

  yield* Effect.acquireRelease(
    Effect.async<void>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.void))
    }),
    () =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...actions) => {
      queue.push(...actions)
    },
    handle: (next) => {
      handler = next
    },
    reset: () => {
      requests.length = 0
      queue.length = 0
      handler = unscripted
    },
    awaitRequests: (count) =>
      Effect.async<void>((resume) => {
        if (requests.length >= count) return resume(Effect.void)
        const wake = () => {
          if (requests.length >= count) {
            waiters.delete(wake)
            resume(Effect.void)
          }
        }
        waiters.add(wake)
        return Effect.sync(() => waiters.delete(wake))
      })
  } satisfies ScriptedServerApi
})

export class ScriptedServer extends Context.Tag("test/ScriptedServer")<ScriptedServer, ScriptedServerApi>() {
  static readonly layer = Layer.scoped(ScriptedServer, make)
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const probe = Http.createServer()
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/** The server in context, its record and script cleared, then scripted with `actions`. */
export const scripted = (...actions: ReadonlyArray<Action>): Effect.Effect<ScriptedServerApi, never, ScriptedServer> =>
  Effect.map(ScriptedServer, (server) => {
    server.reset()
    server.script(...actions)
    return server
  })
