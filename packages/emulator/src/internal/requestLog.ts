import * as Context from "effect/Context"
import { LoggedRequest, type RouteName } from "../Inspection.js"

/**
 * A request being handled; the route fills in its name, the server the status.
 *
 * @internal
 */
export interface Entry {
  readonly id: number
  readonly method: string
  readonly path: string
  readonly search: string
  readonly query: Record<string, string>
  readonly headerNames: ReadonlyArray<string>
  readonly authorization: boolean
  readonly receivedAt: number
  route: RouteName
  status: number | undefined
  fault: string | undefined
}

/**
 * The log entry of the current request, provided to every route.
 *
 * @internal
 */
export class CurrentEntry extends Context.Tag("@effect-deepset/emulator/internal/CurrentEntry")<
  CurrentEntry,
  Entry
>() {}

/** @internal */
export interface RawRequest {
  readonly method: string
  readonly url: string
  readonly rawHeaders: ReadonlyArray<string>
}

/**
 * The most recent `limit` requests, oldest first. Trimming happens in batches so that appending
 * stays O(1) amortised under load.
 *
 * @internal
 */
export class RequestLog {
  private entries: Array<Entry> = []
  private counter = 0

  constructor(private readonly limit: number) {}

  begin(request: RawRequest, receivedAt: number): Entry {
    const questionMark = request.url.indexOf("?")
    const path = questionMark === -1 ? request.url : request.url.slice(0, questionMark)
    const search = questionMark === -1 ? "" : request.url.slice(questionMark + 1)
    const query: Record<string, string> = {}
    for (const [name, value] of new URLSearchParams(search)) query[name] = value
    const headerNames: Array<string> = []
    for (let i = 0; i < request.rawHeaders.length; i += 2) headerNames.push(request.rawHeaders[i]!.toLowerCase())
    const entry: Entry = {
      id: ++this.counter,
      method: request.method,
      path,
      search,
      query,
      headerNames,
      authorization: headerNames.includes("authorization"),
      receivedAt,
      route: "unknown",
      status: undefined,
      fault: undefined
    }
    this.entries.push(entry)
    if (this.entries.length >= this.limit + Math.max(1024, this.limit >>> 2)) {
      this.entries = this.entries.slice(this.entries.length - this.limit)
    }
    return entry
  }

  /** An entry that is not recorded, for requests the log leaves out (the control routes). */
  detached(receivedAt: number): Entry {
    return {
      id: 0,
      method: "",
      path: "",
      search: "",
      query: {},
      headerNames: [],
      authorization: false,
      receivedAt,
      route: "unknown",
      status: undefined,
      fault: undefined
    }
  }

  snapshot(): ReadonlyArray<LoggedRequest> {
    const start = Math.max(0, this.entries.length - this.limit)
    return this.entries.slice(start).map((entry) =>
      LoggedRequest.make({
        id: entry.id,
        method: entry.method,
        path: entry.path,
        search: entry.search,
        query: entry.query,
        headerNames: [...entry.headerNames],
        authorization: entry.authorization,
        route: entry.route,
        ...(entry.status === undefined ? {} : { status: entry.status }),
        ...(entry.fault === undefined ? {} : { fault: entry.fault }),
        receivedAt: entry.receivedAt
      })
    )
  }

  clear(): void {
    this.entries = []
  }
}
