import { assert } from "@effect/vitest"

/** Asserts a tagged error's tag and narrows its type to that member. */
export const assertTag = <E extends { readonly _tag: string }, const T extends E["_tag"]>(
  error: E,
  tag: T
): Extract<E, { readonly _tag: T }> => {
  assert.strictEqual(error._tag, tag)
  return error as Extract<E, { readonly _tag: T }>
}
