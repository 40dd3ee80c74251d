/**
 * Models without the wire: dates, open enums, the 422 body, Retry-After parsing.
 */
import { Models } from "@effect-deepset/sdk"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as RetryAfter from "../../packages/sdk/src/internal/retryAfter.js"

const decodeDate = Schema.decodeUnknownEither(Models.IsoDateTimeUtc)
const millis = (input: string): number | undefined =>
  Either.match(decodeDate(input), { onLeft: () => undefined, onRight: DateTime.toEpochMillis })

describe("IsoDateTimeUtc", () => {
  it("reads a date-time without a zone as UTC, whatever the machine's zone", () => {
    assert.strictEqual(millis("2024-01-01T00:00:00"), Date.UTC(2024, 0, 1))
    assert.strictEqual(millis("2024-01-01 12:30"), Date.UTC(2024, 0, 1, 12, 30))
    assert.strictEqual(millis("2024-06-30T23:59:59.123456"), Date.UTC(2024, 5, 30, 23, 59, 59, 123))
    assert.strictEqual(millis("2024-01-01"), Date.UTC(2024, 0, 1))
  })

  it("honours a zone designator", () => {
    assert.strictEqual(millis("2024-01-01T00:00:00Z"), Date.UTC(2024, 0, 1))
    assert.strictEqual(millis("2024-01-01T00:00:00z"), Date.UTC(2024, 0, 1))
    assert.strictEqual(millis("2024-01-01T02:00:00+02:00"), Date.UTC(2024, 0, 1))
    assert.strictEqual(millis("2024-01-01T02:00:00+0200"), Date.UTC(2024, 0, 1))
    assert.strictEqual(millis("2023-12-31T19:00:00-05"), Date.UTC(2024, 0, 1))
  })

  it("rejects what is not a calendar date-time", () => {
    for (
      const input of [
        "2024-02-30T00:00:00Z",
        "2024-13-01",
        "2024-01-01T24:00:00",
        "yesterday",
        "",
        "2024-01-01T00:00:00+25:00"
      ]
    ) {
      assert.isUndefined(millis(input), input)
    }
  })

  it("round-trips any instant through its ISO form, with or without the Z (property)", () =>
    FastCheck.assert(
      FastCheck.property(
        FastCheck.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }),
        (instant) => {
          const iso = new Date(instant).toISOString()
          assert.strictEqual(millis(iso), instant)
          assert.strictEqual(millis(iso.slice(0, -1)), instant)
        }
      )
    ))
})

describe("open enums", () => {
  const decodeFile = Schema.decodeUnknownSync(Models.SessionFile)

  it("keep known values as literals and unknown values as they came", () => {
    const known = decodeFile({ name: "a", ingestion_status: "FAILED", ingestion_status_reason: "FILE_ALREADY_EXISTS" })
    assert.strictEqual(known.ingestionStatus, "FAILED")
    assert.isTrue(Schema.is(Models.KnownIngestionStatus)(known.ingestionStatus))
    const unknown = decodeFile({ name: "b", ingestion_status: "SCANNING", ingestion_status_reason: "TOO_LARGE" })
    assert.strictEqual(unknown.ingestionStatus, "SCANNING")
    assert.strictEqual(unknown.ingestionStatusReason, "TOO_LARGE")
    assert.isFalse(Schema.is(Models.KnownIngestionStatus)(unknown.ingestionStatus))
  })

  it("round-trip any value, known or not, unchanged (property)", () =>
    FastCheck.assert(
      FastCheck.property(
        FastCheck.oneof(FastCheck.constantFrom(...Models.KnownIngestionStatus.literals), FastCheck.string()),
        FastCheck.oneof(FastCheck.constantFrom(...Models.KnownIngestionStatusReason.literals), FastCheck.string()),
        (status, reason) => {
          const wire = { name: "f", ingestion_status: status, ingestion_status_reason: reason }
          const file = decodeFile(wire)
          assert.strictEqual(file.ingestionStatus, status)
          assert.strictEqual(file.ingestionStatusReason, reason)
          assert.strictEqual(
            Schema.is(Models.KnownIngestionStatus)(file.ingestionStatus),
            (Models.KnownIngestionStatus.literals as ReadonlyArray<string>).includes(status)
          )
          assert.deepStrictEqual(Schema.encodeSync(Models.SessionFile)(file), wire)
        }
      ),
      { seed: 9 }
    ))

  it("decode and encode a session's write mode and status the same way", () => {
    const decodeSession = Schema.decodeUnknownSync(Models.Session)
    const wire = {
      session_id: "s",
      created_at: "2024-01-01T00:00:00.000Z",
      created_by: { user_id: "u", given_name: "g", family_name: "f" },
      write_mode: "APPEND",
      status: "CLOSED"
    }
    const session = decodeSession(wire)
    assert.strictEqual(session.writeMode, "APPEND")
    assert.isTrue(Schema.is(Models.KnownSessionStatus)(session.status))
    assert.deepStrictEqual<unknown>(Schema.encodeSync(Models.Session)(session), wire)
    assert.throws(() => decodeSession({ ...wire, write_mode: 3 }))
  })

  it("a page item decodes to what SessionFile decodes, and encodes back the same (property)", () => {
    const decodePage = Schema.decodeUnknownSync(Models.SessionFilePage)
    const optional = <A>(value: FastCheck.Arbitrary<A>) =>
      FastCheck.option(FastCheck.oneof(value, FastCheck.constant(null)), { nil: undefined })
    FastCheck.assert(
      FastCheck.property(
        FastCheck.string(),
        FastCheck.oneof(FastCheck.constantFrom(...Models.KnownIngestionStatus.literals), FastCheck.string()),
        optional(FastCheck.string()),
        optional(FastCheck.constantFrom(...Models.KnownIngestionStatusReason.literals)),
        (name, status, id, reason) => {
          const wire = {
            name,
            ingestion_status: status,
            ...(id === undefined ? {} : { file_ingestion_id: id }),
            ...(reason === undefined ? {} : { ingestion_status_reason: reason })
          }
          const [item] = decodePage({ data: [wire], has_more: false, total: 1 }).data
          assert.instanceOf(item, Models.SessionFile)
          assert.deepStrictEqual(item, decodeFile(wire))
          assert.deepStrictEqual<unknown>(
            Schema.encodeSync(Models.SessionFilePage)({ data: [item!], hasMore: false, total: 1 }).data[0],
            Schema.encodeSync(Models.SessionFile)(decodeFile(wire))
          )
        }
      ),
      { seed: 12 }
    )
  })

  it("encode back to the wire unchanged", () => {
    const file = decodeFile({ name: "b", ingestion_status: "SCANNING", file_ingestion_id: "id-1" })
    assert.deepStrictEqual(Schema.encodeSync(Models.SessionFile)(file), {
      name: "b",
      ingestion_status: "SCANNING",
      file_ingestion_id: "id-1"
    })
  })
})

describe("ValidationErrorBody", () => {
  const decode = Schema.decodeUnknownSync(Models.ValidationErrorBody)

  it("reads FastAPI's list of details and a plain string detail", () => {
    const list = decode({ detail: [{ loc: ["path", "session_id"], msg: "not a uuid", type: "uuid_parsing" }] })
    assert.deepStrictEqual(list.detail.map((detail) => detail.loc), [["path", "session_id"]])
    const plain = decode({ detail: "Invalid status" })
    assert.deepStrictEqual(plain.detail.map((detail) => [detail.loc, detail.msg]), [[[], "Invalid status"]])
  })
})

describe("Retry-After", () => {
  const now = Date.UTC(2024, 0, 1, 12)

  it("reads seconds", () => {
    assert.deepStrictEqual(RetryAfter.parse("30", now), Option.some(Duration.seconds(30)))
    assert.deepStrictEqual(RetryAfter.parse(" 0 ", now), Option.some(Duration.seconds(0)))
    assert.deepStrictEqual(RetryAfter.parse("1.5", now), Option.some(Duration.seconds(1.5)))
  })

  it("reads HTTP dates in all three forms, relative to now", () => {
    const expected = Option.some(Duration.seconds(90))
    assert.deepStrictEqual(RetryAfter.parse("Mon, 01 Jan 2024 12:01:30 GMT", now), expected)
    assert.deepStrictEqual(RetryAfter.parse("Monday, 01-Jan-24 12:01:30 GMT", now), expected)
    assert.deepStrictEqual(RetryAfter.parse("Mon Jan  1 12:01:30 2024", now), expected)
    assert.deepStrictEqual(RetryAfter.parse("Mon, 01 Jan 2024 11:00:00 GMT", now), Option.some(Duration.zero))
  })

  it("ignores what it cannot read", () => {
    for (const value of [undefined, null, "", "soon", "-5", "2024-01-01T12:01:30", "1e3"]) {
      assert.isTrue(Option.isNone(RetryAfter.parse(value, now)), String(value))
    }
  })
})
