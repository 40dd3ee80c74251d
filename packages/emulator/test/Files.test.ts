import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Emulator } from "../src/index.js"
import { api, closeSession, createSession, json, request, upload } from "./helpers.js"

/**
 * The files API the official Python client uses for 20 files or fewer, over real HTTP with plain
 * fetch: uploads with each write mode, against the index that sessions feed too, the keyset
 * listing, the reads of a file and its metadata, and errors in FastAPI's shape.
 */
interface Listed {
  readonly total: number
  readonly has_more: boolean
  readonly data: ReadonlyArray<{
    readonly file_id: string
    readonly url: string
    readonly name: string
    readonly size: number
    readonly created_at: string
    readonly meta: Record<string, unknown>
  }>
}

interface Detail {
  readonly detail: ReadonlyArray<{ readonly loc: ReadonlyArray<string | number>; readonly type: string }>
}

const start = Emulator.start({ seed: 7, ingestionDelay: 0 })

const filesPath = (workspace = "default") => `/api/v1/workspaces/${encodeURIComponent(workspace)}/files`

interface PostOptions {
  readonly meta?: unknown
  readonly writeMode?: string
  readonly workspace?: string
  readonly authorization?: string | null
}

/** A direct upload as a client sends it: the document as `file`, its metadata as a `meta` field. */
const postFile = (emulator: Emulator.Handle, name: string, content: string, options: PostOptions = {}) => {
  const form = new FormData()
  form.append("file", new Blob([content]), name)
  if (options.meta !== undefined) form.append("meta", JSON.stringify(options.meta))
  const query = options.writeMode === undefined ? "" : `?write_mode=${options.writeMode}`
  const headers: Record<string, string> = {}
  if (options.authorization !== null) headers.authorization = options.authorization ?? `Bearer ${emulator.apiKey}`
  return request(`${emulator.apiUrl}${filesPath(options.workspace)}${query}`, { method: "POST", headers, body: form })
}

const uploaded = (emulator: Emulator.Handle, name: string, content: string, options: PostOptions = {}) =>
  Effect.map(postFile(emulator, name, content, options), (reply) => {
    if (reply.status !== 201) throw new Error(`upload answered ${reply.status}: ${reply.text}`)
    return json<{ file_id: string }>(reply).file_id
  })

const list = (emulator: Emulator.Handle, query = "", workspace?: string) =>
  api(emulator, filesPath(workspace), { query })

const listed = (emulator: Emulator.Handle, query = "", workspace?: string) =>
  Effect.map(list(emulator, query, workspace), (reply) => {
    if (reply.status !== 200) throw new Error(`list answered ${reply.status}: ${reply.text}`)
    return json<Listed>(reply)
  })

/** The cursor as the official client sends it: Python's `datetime.isoformat()` of `created_at`, and the id. */
const cursorAfter = (item: Listed["data"][number]) => {
  const date = new Date(item.created_at)
  const micros = date.getUTCMilliseconds() === 0 ? "" : `.${String(date.getUTCMilliseconds()).padStart(3, "0")}000`
  const python = `${date.toISOString().slice(0, 19)}${micros}+00:00`
  return `after_value=${encodeURIComponent(python)}&after_file_id=${item.file_id}`
}

/** The cursor of a listing sorted by name: the last name, and the id. */
const nameCursorAfter = (item: Listed["data"][number]) =>
  `after_value=${encodeURIComponent(item.name)}&after_file_id=${item.file_id}`

/** Every item of a listing, walked page by page as the official client's `list_all` does. */
const walk = (emulator: Emulator.Handle, base: string, cursorOf = cursorAfter) =>
  Effect.gen(function*() {
    const items: Array<Listed["data"][number]> = []
    let cursor = ""
    for (let pages = 0; pages < 100; pages++) {
      const page = yield* listed(emulator, `${base}${cursor}`)
      items.push(...page.data)
      if (!page.has_more || page.data.length === 0) break
      cursor = `&${cursorOf(page.data[page.data.length - 1]!)}`
    }
    return items
  })

describe("the files API", () => {
  it.scoped("stores a posted file at once: listed, readable with its metadata, and in the inspection views", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const reply = yield* postFile(emulator, "report.txt", "hello files", { meta: { team: "docs", n: 1 } })
      assert.strictEqual(reply.status, 201, reply.text)
      const fileId = json<{ file_id: string }>(reply).file_id
      assert.match(fileId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)

      const page = yield* listed(emulator, "limit=100")
      assert.deepStrictEqual(page, {
        total: 1,
        has_more: false,
        data: [{
          file_id: fileId,
          url: `/api/v1/workspaces/default/files/${fileId}`,
          name: "report.txt",
          size: 11,
          created_at: "1970-01-01T00:00:00.000Z",
          meta: { team: "docs", n: 1 }
        }]
      })
      const content = yield* api(emulator, `${filesPath()}/${fileId}`)
      assert.strictEqual(content.status, 200)
      assert.strictEqual(content.text, "hello files")
      const meta = yield* api(emulator, `${filesPath()}/${fileId}/meta`)
      assert.strictEqual(meta.status, 200)
      assert.deepStrictEqual(json(meta), { team: "docs", n: 1 })

      const [object] = yield* emulator.objects()
      assert.strictEqual(object?.sessionId, "")
      assert.strictEqual(object?.filename, "report.txt")
      assert.strictEqual(object?.fileIngestionId, fileId)
      assert.strictEqual(object?.key, `${emulator.organizationId}/${object?.key.split("/")[1]}/files/${fileId}`)
      assert.strictEqual(object?.meta, JSON.stringify({ team: "docs", n: 1 }))
      const [indexed] = yield* emulator.workspaceIndex("default")
      assert.deepInclude(indexed, { name: "report.txt", fileIngestionId: fileId, sessionId: "", size: 11 })
      assert.deepStrictEqual(indexed?.meta, { team: "docs", n: 1 })
      const routes = (yield* emulator.requests).map((r) => [r.route, r.status])
      assert.deepStrictEqual(routes, [["uploadFile", 201], ["listFiles", 200], ["getFile", 200], ["getFileMeta", 200]])
    }))

  it.scoped("a file without metadata has {} as meta; JSON null counts as none; a file over 256 KiB is read back whole", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const plain = yield* uploaded(emulator, "plain.txt", "x")
      const nulled = yield* uploaded(emulator, "null.txt", "y", { meta: null })
      const big = "0123456789abcdef".repeat(32 * 1024)
      const large = yield* uploaded(emulator, "large.txt", big)
      for (const id of [plain, nulled]) {
        assert.deepStrictEqual(json(yield* api(emulator, `${filesPath()}/${id}/meta`)), {})
      }
      const content = yield* api(emulator, `${filesPath()}/${large}`)
      assert.strictEqual(content.text.length, big.length)
      assert.isTrue(content.text === big)
    }))

  it.scoped("write modes: KEEP keeps both, OVERWRITE replaces, FAIL answers 409 and stores nothing", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const first = yield* uploaded(emulator, "a.txt", "one")
      const second = yield* uploaded(emulator, "a.txt", "two", { writeMode: "KEEP" })
      assert.deepStrictEqual(
        (yield* listed(emulator, "order=ASC")).data.map((f) => f.file_id).sort(),
        [first, second].sort()
      )

      const failed = yield* postFile(emulator, "a.txt", "three", { writeMode: "FAIL" })
      assert.strictEqual(failed.status, 409)
      assert.isString(json<{ detail: string }>(failed).detail)
      assert.strictEqual((yield* listed(emulator)).total, 2)
      assert.strictEqual((yield* emulator.objects()).length, 2)

      const replacing = yield* uploaded(emulator, "a.txt", "four", { writeMode: "OVERWRITE" })
      const after = yield* listed(emulator)
      assert.deepStrictEqual(after.data.map((f) => [f.file_id, f.name]), [[replacing, "a.txt"]])
      for (const gone of [first, second]) {
        const reply = yield* api(emulator, `${filesPath()}/${gone}`)
        assert.strictEqual(reply.status, 404)
        assert.deepStrictEqual(json(reply), { detail: "File not found" })
        assert.strictEqual((yield* api(emulator, `${filesPath()}/${gone}/meta`)).status, 404)
      }
      assert.strictEqual((yield* api(emulator, `${filesPath()}/${replacing}`)).text, "four")
      // FAIL on a name nobody holds stores it.
      assert.strictEqual((yield* postFile(emulator, "b.txt", "b", { writeMode: "FAIL" })).status, 201)
    }))

  it.scoped("the write mode holds against the index that sessions feed, both ways", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const session = yield* createSession(emulator)
      assert.strictEqual((yield* upload(session, "from-session.txt", "s")).status, 204)
      assert.strictEqual((yield* closeSession(emulator, session.session_id)).status, 204)
      // The session's document is a file of the workspace: listed, readable, and in FAIL's way.
      const [sessionFile] = (yield* listed(emulator)).data
      assert.strictEqual(sessionFile?.name, "from-session.txt")
      assert.strictEqual((yield* api(emulator, `${filesPath()}/${sessionFile?.file_id}`)).text, "s")
      assert.strictEqual((yield* postFile(emulator, "from-session.txt", "d", { writeMode: "FAIL" })).status, 409)

      yield* uploaded(emulator, "direct.txt", "d")
      const failing = yield* createSession(emulator, "default", "FAIL")
      assert.strictEqual((yield* upload(failing, "direct.txt", "again")).status, 204)
      assert.strictEqual((yield* closeSession(emulator, failing.session_id)).status, 204)
      const files = json<{ data: ReadonlyArray<{ ingestion_status_reason?: string }> }>(
        yield* api(emulator, `/api/v1/workspaces/default/upload_sessions/${failing.session_id}/files`)
      )
      assert.deepStrictEqual(files.data.map((f) => f.ingestion_status_reason), ["FILE_ALREADY_EXISTS"])
      assert.strictEqual((yield* listed(emulator)).total, 2)
    }))

  it.scoped("a document of a session not yet ingested is neither listed nor readable", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ seed: 7, ingestionDelay: "1 second" })
      const session = yield* createSession(emulator)
      yield* upload(session, "slow.txt", "s")
      yield* closeSession(emulator, session.session_id)
      assert.strictEqual((yield* listed(emulator)).total, 0)
      const [object] = yield* emulator.objects()
      assert.strictEqual((yield* api(emulator, `${filesPath()}/${object?.fileIngestionId}`)).status, 404)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* listed(emulator)).total, 1)
      assert.strictEqual((yield* api(emulator, `${filesPath()}/${object?.fileIngestionId}`)).status, 200)
    }))

  it.scoped("the listing walks by the official client's cursor without repeating or skipping, newest first", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const ids: Array<string> = []
      for (let i = 0; i < 7; i++) {
        ids.push(yield* uploaded(emulator, `f${i}.txt`, `content ${i}`))
        // Files 3..6 share one instant, so that ties are broken by file id.
        if (i < 3) yield* TestClock.adjust("1 second")
      }
      const first = yield* listed(emulator, "limit=3")
      assert.strictEqual(first.total, 7)
      assert.strictEqual(first.data.length, 3)
      assert.isTrue(first.has_more)
      const all = yield* walk(emulator, "limit=3")
      assert.strictEqual(all.length, 7)
      assert.deepStrictEqual(new Set(all.map((f) => f.file_id)), new Set(ids))
      const times = all.map((f) => Date.parse(f.created_at))
      assert.deepStrictEqual(times, [...times].sort((a, b) => b - a))
      assert.deepStrictEqual(all.slice(4).map((f) => f.name), ["f2.txt", "f1.txt", "f0.txt"])

      const ascending = yield* walk(emulator, "limit=2&order=ASC")
      assert.deepStrictEqual(ascending.map((f) => f.file_id), [...all].reverse().map((f) => f.file_id))
      const byName = yield* walk(emulator, "limit=4&field=name&order=ASC", nameCursorAfter)
      assert.deepStrictEqual(byName.map((f) => f.name), ids.map((_, i) => `f${i}.txt`))
      // A file added later while walking comes after the cursor's place and does not move what was read.
      const half = yield* listed(emulator, "limit=4&order=ASC")
      yield* TestClock.adjust("1 second")
      yield* uploaded(emulator, "late.txt", "late")
      const rest = yield* listed(emulator, `limit=100&order=ASC&${cursorAfter(half.data[3]!)}`)
      assert.deepStrictEqual(
        [...half.data, ...rest.data].map((f) => f.name),
        [...ascending.map((f) => f.name), "late.txt"]
      )
    }))

  it.scoped("filters by a substring of the name, by OData exact matches joined by and, and by the old meta pair", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      yield* uploaded(emulator, "Example0.txt", "a", { meta: { find: "me", year: 2024 } })
      yield* uploaded(emulator, "example10.txt", "b", { meta: { find: "me", year: 2023 } })
      yield* uploaded(emulator, "other.txt", "c", { meta: { find: "it's" } })
      const names = (query: string) =>
        Effect.map(listed(emulator, query), (page) => page.data.map((f) => f.name).sort())
      assert.deepStrictEqual(yield* names("name=example"), ["Example0.txt", "example10.txt"])
      assert.deepStrictEqual(yield* names("name=example0.txt"), ["Example0.txt"])
      assert.deepStrictEqual(yield* names(`filter=${encodeURIComponent("find eq 'me'")}`), [
        "Example0.txt",
        "example10.txt"
      ])
      assert.deepStrictEqual(yield* names(`filter=${encodeURIComponent("find eq 'me' AND year eq 2023")}`), [
        "example10.txt"
      ])
      assert.deepStrictEqual(yield* names(`filter=${encodeURIComponent("find eq 'it''s'")}`), ["other.txt"])
      assert.deepStrictEqual(yield* names("meta_key=year&meta_value=2024"), [])
      assert.deepStrictEqual(yield* names("meta_key=find&meta_value=me&name=10"), ["example10.txt"])
      const total = json<Listed>(yield* list(emulator, `filter=${encodeURIComponent("find eq 'me'")}&limit=1`))
      assert.strictEqual(total.total, 2)
      assert.isTrue(total.has_more)
    }))

  it.scoped("answers 422 in FastAPI's shape, every problem at once", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const locs = (reply: { status: number; text: string }) => {
        assert.strictEqual(reply.status, 422, reply.text)
        return json<Detail>(reply).detail.map((d) => [d.loc.join("."), d.type])
      }
      assert.deepStrictEqual(
        locs(yield* list(emulator, "limit=0&order=up&filter=year%20gt%201&content=words")),
        [
          ["query.limit", "greater_than_equal"],
          ["query.order", "enum"],
          ["query.content", "value_error"],
          ["query.filter", "value_error"]
        ]
      )
      assert.deepStrictEqual(locs(yield* list(emulator, "after_value=yesterday&after_file_id=nope")), [
        ["query.after_file_id", "uuid_parsing"]
      ])
      assert.deepStrictEqual(
        locs(yield* list(emulator, "after_value=yesterday&after_file_id=6f1c2a4e-0000-4000-8000-000000000000")),
        [["query.after_value", "value_error"]]
      )
      assert.deepStrictEqual(locs(yield* list(emulator, "after_file_id=6f1c2a4e-0000-4000-8000-000000000000")), [
        ["query.after_value", "missing"]
      ])
      assert.deepStrictEqual(locs(yield* api(emulator, `${filesPath()}/not-a-uuid`)), [[
        "path.file_id",
        "uuid_parsing"
      ]])
      assert.deepStrictEqual(locs(yield* api(emulator, `${filesPath()}/not-a-uuid/meta`)), [
        ["path.file_id", "uuid_parsing"]
      ])
      assert.deepStrictEqual(locs(yield* postFile(emulator, "a.txt", "a", { writeMode: "SOMETIMES" })), [
        ["query.write_mode", "enum"]
      ])
      const noFile = new FormData()
      noFile.append("meta", "{}")
      assert.deepStrictEqual(
        locs(
          yield* request(`${emulator.apiUrl}${filesPath()}`, {
            method: "POST",
            headers: { authorization: `Bearer ${emulator.apiKey}` },
            body: noFile
          })
        ),
        [["body.file", "missing"]]
      )
      const badMeta = new FormData()
      badMeta.append("file", new Blob(["a"]), "a.txt")
      badMeta.append("meta", "[1, 2]")
      const notJson = new FormData()
      notJson.append("file", new Blob(["a"]), "a.txt")
      notJson.append("meta", "{nope")
      for (const [form, type] of [[badMeta, "dict_type"], [notJson, "json_invalid"]] as const) {
        const reply = yield* request(`${emulator.apiUrl}${filesPath()}`, {
          method: "POST",
          headers: { authorization: `Bearer ${emulator.apiKey}` },
          body: form
        })
        assert.deepStrictEqual(locs(reply), [["body.meta", type]])
      }
      assert.deepStrictEqual(yield* emulator.objects(), [])
      const unknown = yield* api(emulator, `${filesPath()}/6f1c2a4e-0000-4000-8000-000000000000`)
      assert.strictEqual(unknown.status, 404)
      assert.deepStrictEqual(json(unknown), { detail: "File not found" })
    }))

  it.scoped("takes the official client's text upload: a text field named by the file_name query", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      const form = new FormData()
      form.append("text", "This is text")
      form.append("meta", JSON.stringify({ find: "me" }))
      const reply = yield* request(`${emulator.apiUrl}${filesPath()}?file_name=example0.txt`, {
        method: "POST",
        headers: { authorization: `Bearer ${emulator.apiKey}` },
        body: form
      })
      assert.strictEqual(reply.status, 201, reply.text)
      const [item] = (yield* listed(emulator)).data
      assert.deepInclude(item, { name: "example0.txt", size: 12, meta: { find: "me" } })
    }))

  it.scoped("needs the key, keeps workspaces apart and answers 404 for a workspace that does not exist", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.start({ seed: 7, ingestionDelay: 0, workspaces: ["a", "b"] })
      const refused = yield* postFile(emulator, "x.txt", "x", { workspace: "a", authorization: null })
      assert.strictEqual(refused.status, 401)
      assert.strictEqual(refused.headers.get("www-authenticate"), "Bearer")
      assert.strictEqual((yield* api(emulator, filesPath("a"), { authorization: "Bearer wrong" })).status, 401)
      const id = yield* uploaded(emulator, "x.txt", "x", { workspace: "a" })
      assert.strictEqual((yield* listed(emulator, "", "b")).total, 0)
      assert.strictEqual((yield* api(emulator, `${filesPath("b")}/${id}`)).status, 404)
      assert.strictEqual((yield* postFile(emulator, "x.txt", "x", { workspace: "c" })).status, 404)
      assert.strictEqual((yield* api(emulator, filesPath("a"), { method: "DELETE" })).status, 405)
      assert.deepStrictEqual(yield* emulator.objects().pipe(Effect.map((o) => o.map((x) => x.workspace))), ["a"])
    }))

  it.scoped("fault rules reach the files routes, and reset forgets the files", () =>
    Effect.gen(function*() {
      const emulator = yield* start
      yield* emulator.setFaults([{ route: "uploadFile", sequence: [{ _tag: "ServerError", status: 503 }] }])
      assert.strictEqual((yield* postFile(emulator, "x.txt", "x")).status, 503)
      assert.strictEqual((yield* postFile(emulator, "x.txt", "x")).status, 201)
      yield* emulator.reset
      assert.strictEqual((yield* listed(emulator)).total, 0)
      assert.deepStrictEqual(yield* emulator.objects(), [])
    }))
})
