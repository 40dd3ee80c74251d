import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Format from "../src/Format.js"

describe("Format", () => {
  it("bytes: SI units, one decimal below 100", () => {
    assert.strictEqual(Format.bytes(0), "0 B")
    assert.strictEqual(Format.bytes(842), "842 B")
    assert.strictEqual(Format.bytes(1_234), "1.2 kB")
    assert.strictEqual(Format.bytes(123_456), "123 kB")
    assert.strictEqual(Format.bytes(3_400_000), "3.4 MB")
    assert.strictEqual(Format.rate(12_300), "12.3 kB/s")
  })

  it("duration: the coarsest readable form", () => {
    assert.strictEqual(Format.duration(850), "850ms")
    assert.strictEqual(Format.duration(4_200), "4s")
    assert.strictEqual(Format.duration(125_000), "2m05s")
    assert.strictEqual(Format.duration(Duration.minutes(62)), "1h02m")
  })

  it("parseDuration: what people type", () => {
    const millis = (text: string) => Option.map(Format.parseDuration(text), Duration.toMillis)
    assert.deepStrictEqual(millis("10m"), Option.some(600_000))
    assert.deepStrictEqual(millis("90s"), Option.some(90_000))
    assert.deepStrictEqual(millis("1h30m"), Option.some(5_400_000))
    assert.deepStrictEqual(millis("500ms"), Option.some(500))
    assert.deepStrictEqual(millis("45"), Option.some(45_000))
    assert.deepStrictEqual(millis(" 2M "), Option.some(120_000))
    for (const bad of ["", "ten minutes", "10x", "m", "0s", "-5m", "10m junk"]) {
      assert.isTrue(Option.isNone(Format.parseDuration(bad)), bad)
    }
  })

  it("dateTime: UTC to the minute", () => {
    assert.strictEqual(Format.dateTime(DateTime.unsafeMake("2026-10-04T09:15:42Z")), "2026-10-04 09:15 UTC")
  })

  it("truncate", () => {
    assert.strictEqual(Format.truncate("short", 10), "short")
    assert.strictEqual(Format.truncate("exactly10!", 10), "exactly10!")
    assert.strictEqual(Format.truncate("a longer message", 10), "a longer …")
  })

  it("plural", () => {
    assert.strictEqual(Format.plural(1, "file"), "1 file")
    assert.strictEqual(Format.plural(3, "file"), "3 files")
  })
})
