/**
 * A paging server side for tests: the `after` / `before` / `page_number` / `limit` semantics of API.md
 * over in-memory lists of wire objects, written independently of the SDK's walker.
 */
import type { Handler, RecordedRequest, Reply } from "./ScriptedServer.js"

export interface WireSession {
  readonly session_id: string
  readonly created_at: string
  readonly created_by: { readonly user_id: string; readonly given_name: string; readonly family_name: string }
  readonly expires_at: string
  readonly write_mode: string
}

export interface WireFile {
  readonly name: string
  readonly ingestion_status: string
  readonly file_ingestion_id?: string
}

export const wireSession = (index: number): WireSession => ({
  session_id: `session-${String(index).padStart(5, "0")}`,
  created_at: new Date(Date.UTC(2024, 0, 1) + index * 1000).toISOString(),
  created_by: { user_id: "u-1", given_name: "Ada", family_name: "Lovelace" },
  expires_at: new Date(Date.UTC(2024, 0, 2) + index * 1000).toISOString(),
  write_mode: "KEEP"
})

export const wireFile = (index: number, withId: boolean): WireFile => ({
  name: `file-${index}.txt`,
  ingestion_status: "FINISHED",
  ...(withId ? { file_ingestion_id: `file-id-${index}` } : {})
})

const invalid = (loc: string, msg: string): Reply => ({
  status: 422,
  body: { detail: [{ loc: ["query", loc], msg, type: "value_error" }] }
})

/** One page of `items` as the API would answer `query`. */
export const page = <A>(
  items: ReadonlyArray<A>,
  idOf: (item: A) => string | undefined,
  query: URLSearchParams
): Reply => {
  const limit = Number(query.get("limit") ?? "10")
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid("limit", "must be between 1 and 100")
  const after = query.get("after")
  const before = query.get("before")
  let start: number
  let end: number
  let hasMore: boolean
  if (after !== null) {
    const index = items.findIndex((item) => idOf(item) === after)
    if (index === -1) return invalid("after", "unknown cursor")
    start = index + 1
    end = Math.min(items.length, start + limit)
    hasMore = end < items.length
  } else if (before !== null) {
    const index = items.findIndex((item) => idOf(item) === before)
    if (index === -1) return invalid("before", "unknown cursor")
    end = index
    start = Math.max(0, end - limit)
    hasMore = start > 0
  } else {
    const pageNumber = Number(query.get("page_number") ?? "1")
    if (!Number.isInteger(pageNumber) || pageNumber < 1) return invalid("page_number", "must be positive")
    start = Math.min(items.length, (pageNumber - 1) * limit)
    end = Math.min(items.length, start + limit)
    hasMore = end < items.length
  }
  return { status: 200, body: { data: items.slice(start, end), has_more: hasMore, total: items.length } }
}

/** Serves `list` from `sessions` and `getFiles` (of any session) from `files`. */
export const handler = (dataset: {
  readonly sessions?: ReadonlyArray<WireSession>
  readonly files?: ReadonlyArray<WireFile>
}): Handler =>
(request: RecordedRequest) => {
  if (request.method === "GET" && /\/upload_sessions\/[^/]+\/files$/.test(request.path)) {
    return page(dataset.files ?? [], (file) => file.file_ingestion_id, request.query)
  }
  if (request.method === "GET" && /\/upload_sessions$/.test(request.path)) {
    return page(dataset.sessions ?? [], (session) => session.session_id, request.query)
  }
  return { status: 404, body: { detail: "Not Found" } }
}
