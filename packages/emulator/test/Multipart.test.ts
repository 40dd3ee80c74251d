import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { boundaryOf, type Event, FormParser } from "../src/internal/multipart.js"

/** The form parser of the S3 endpoint, fed the way a socket feeds it: in arbitrary pieces. */
const boundary = "----emulator-test-boundary"

interface Part {
  readonly name: string
  readonly filename?: string
  readonly content: Uint8Array
}

const encode = (parts: ReadonlyArray<Part>, options: { readonly preamble?: string } = {}): Uint8Array => {
  const pieces: Array<Uint8Array> = [Buffer.from(options.preamble ?? "")]
  for (const part of parts) {
    const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`
    const type = part.filename === undefined ? "" : "\r\nContent-Type: application/octet-stream"
    pieces.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}${type}\r\n\r\n`)
    )
    pieces.push(part.content, Buffer.from("\r\n"))
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(pieces)
}

interface Parsed {
  readonly fields: Array<[string, string]>
  readonly files: Array<{ name: string; field: string; content: Buffer }>
  readonly failure: string | undefined
  readonly complete: boolean
}

/** Runs the parser over `body` cut at `cuts`, collecting what it reports. */
const parse = (body: Uint8Array, cuts: ReadonlyArray<number> = [], maxPreData = 20 * 1024): Parsed => {
  const parser = new FormParser(boundary, maxPreData)
  const events: Array<Event> = []
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < body.length).sort((a, b) => a - b), body.length]
  for (let i = 0; i + 1 < points.length; i++) {
    // A copy, as the socket hands out fresh buffers and the parser may keep what it is given.
    events.push(...parser.write(Buffer.from(body.subarray(points[i], points[i + 1]))))
  }
  events.push(...parser.end())
  const parsed: Parsed = { fields: [], files: [], failure: parser.failure, complete: parser.complete }
  let open: Array<Uint8Array> | undefined
  for (const event of events) {
    switch (event._tag) {
      case "Field":
        parsed.fields.push([event.name, event.value])
        break
      case "FileStart":
        open = []
        parsed.files.push({ name: event.info.name, field: event.info.field, content: Buffer.alloc(0) })
        break
      case "FileData":
        open!.push(event.chunk)
        break
      case "FileEnd":
        parsed.files[parsed.files.length - 1]!.content = Buffer.concat(open!)
        open = undefined
        break
    }
  }
  return parsed
}

/** Bytes that like to look like a delimiter: CR, LF, dashes and pieces of the boundary. */
const tricky = FastCheck.array(
  FastCheck.oneof(
    FastCheck.constantFrom("\r", "\n", "-", "\r\n", "\r\n--", `\r\n--${boundary.slice(0, 10)}`, `--${boundary}`),
    FastCheck.string({ maxLength: 8 })
  ),
  { maxLength: 40 }
).map((pieces) => Buffer.from(pieces.join("")))

const fieldValue = FastCheck.string({ maxLength: 200 }).filter((s) => !s.includes(`\r\n--${boundary}`))

describe("the S3 form parser", () => {
  it.prop(
    "reads the same fields and file however the body is cut into chunks",
    [
      FastCheck.array(FastCheck.tuple(FastCheck.constantFrom("key", "policy", "x-amz-date", "note"), fieldValue), {
        maxLength: 6
      }),
      // A client picks a boundary that its content does not hold.
      FastCheck.oneof(tricky, FastCheck.uint8Array({ maxLength: 3000 })).filter((content) =>
        !Buffer.from(content).includes(`\r\n--${boundary}`)
      ),
      FastCheck.array(FastCheck.nat(4000), { maxLength: 30 })
    ],
    ([fields, content, cuts]) => {
      const body = encode([
        ...fields.map(([name, value]) => ({ name, content: Buffer.from(value) })),
        { name: "file", filename: "report.pdf", content }
      ], { preamble: "ignored preamble\r\n" })
      const parsed = parse(body, cuts)
      assert.isUndefined(parsed.failure)
      assert.isTrue(parsed.complete)
      assert.deepStrictEqual(parsed.fields, fields)
      assert.strictEqual(parsed.files.length, 1)
      assert.strictEqual(parsed.files[0]!.name, "report.pdf")
      assert.isTrue(parsed.files[0]!.content.equals(Buffer.from(content)))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("finds the boundary in the content type, quoted or not, and nothing in other types", () => {
    assert.strictEqual(boundaryOf(`multipart/form-data; boundary=${boundary}`), boundary)
    assert.strictEqual(boundaryOf(`Multipart/Form-Data; charset=utf-8; boundary="a b"`), "a b")
    assert.isUndefined(boundaryOf("multipart/form-data"))
    assert.isUndefined(boundaryOf("multipart/mixed; boundary=x"))
    assert.isUndefined(boundaryOf(`multipart/form-data; boundary=${"x".repeat(71)}`))
    assert.isUndefined(boundaryOf(undefined))
  })

  it("takes filenames as clients send them: UTF-8, verbatim inside quotes, filename* first", () => {
    const form = (disposition: string) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\nx\r\n--${boundary}--`
      )
    const nameOf = (disposition: string) => parse(form(disposition)).files[0]?.name
    assert.strictEqual(nameOf(`form-data; name="file"; filename="résumé 日本.txt"`), "résumé 日本.txt")
    assert.strictEqual(nameOf(`form-data; name="file"; filename="a;b=c.txt"`), "a;b=c.txt")
    assert.strictEqual(nameOf(`form-data; name="file"; filename="a\\b.txt"`), "a\\b.txt")
    assert.strictEqual(nameOf(`form-data; name="file"; filename=plain.txt`), "plain.txt")
    assert.strictEqual(
      nameOf(`form-data; name="file"; filename="fallback.txt"; filename*=UTF-8''na%C3%AFve.txt`),
      "naïve.txt"
    )
    assert.strictEqual(parse(form(`form-data; name="file"; filename=""`)).files[0]?.name, "")
    // No filename: a field, unless it is sent as octet-stream.
    assert.deepStrictEqual(parse(form(`form-data; name="note"`)).fields, [["note", "x"]])
  })

  it("refuses bodies that are not well-formed forms", () => {
    const malformed = (text: string) => parse(Buffer.from(text)).failure
    assert.strictEqual(malformed("this is not multipart at all"), "Malformed")
    assert.strictEqual(
      malformed(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished`),
      "Malformed"
    )
    assert.strictEqual(malformed(`--${boundary}\r\nno colon here\r\n\r\nx\r\n--${boundary}--`), "Malformed")
    assert.strictEqual(
      malformed(`--${boundary}\r\nContent-Disposition: inline\r\n\r\nx\r\n--${boundary}--`),
      "Malformed"
    )
    assert.strictEqual(malformed(`--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${boundary}--`), "Malformed")
    assert.strictEqual(malformed(`--${boundary}junk`), "Malformed")
    assert.strictEqual(
      malformed(`--${boundary}\r\nX-Long: ${"h".repeat(17 * 1024)}\r\n\r\nx\r\n--${boundary}--`),
      "Malformed"
    )
    // An empty form is well-formed: it just holds nothing.
    const empty = parse(Buffer.from(`--${boundary}--\r\n`))
    assert.deepStrictEqual([empty.failure, empty.fields, empty.files], [undefined, [], []])
  })

  it("counts the fields before the file against the pre-data limit, and none after it", () => {
    const big = Buffer.from("v".repeat(600))
    const before = encode([{ name: "a", content: big }, { name: "b", content: big }, {
      name: "file",
      filename: "f",
      content: Buffer.from("x")
    }])
    assert.strictEqual(parse(before, [], 1000).failure, "PreDataTooLarge")
    const after = encode([{ name: "file", filename: "f", content: Buffer.from("x") }, { name: "a", content: big }, {
      name: "b",
      content: big
    }])
    assert.isUndefined(parse(after, [], 1000).failure)
  })
})
