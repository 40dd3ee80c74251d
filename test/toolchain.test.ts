import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

it.effect("the toolchain runs Effect tests", () =>
  Effect.gen(function*() {
    const n = yield* Effect.succeed(21)
    assert.strictEqual(n * 2, 42)
  }))
