import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"

/**
 * The part of OData `$filter` that the files listing documents ("exact match and `AND`
 * operations"): `key eq 'text'`, `key eq 12`, `key eq true` or `key eq null`, joined by `and`, on
 * the files' metadata. Anything else is refused rather than half-understood, so that a test never
 * passes on a filter the emulator silently ignored.
 *
 * @internal
 */
export type Literal = string | number | boolean | null

/** @internal */
export interface Condition {
  readonly key: string
  readonly value: Literal
}

const term = /^\s*([A-Za-z_][\w.-]*)\s+eq\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null)\s*$/i

const literal = (text: string): Literal => {
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'")
  const lower = text.toLowerCase()
  if (lower === "true") return true
  if (lower === "false") return false
  if (lower === "null") return null
  return Number(text)
}

/** ` and ` outside quoted strings: an even number of quotes follows it. */
const and = /\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i

/** The conditions of a filter, or why the emulator cannot read it. @internal */
export const parse = (filter: string): Either.Either<ReadonlyArray<Condition>, string> => {
  const conditions: Array<Condition> = []
  for (const part of filter.split(and)) {
    const match = term.exec(part)
    if (match === null) {
      return Either.left(
        `the emulator reads only <meta key> eq <'text'|number|true|false|null>, joined by and; cannot read ${
          JSON.stringify(part.trim())
        }`
      )
    }
    conditions.push({ key: match[1]!, value: literal(match[2]!) })
  }
  return Either.right(conditions)
}

/** Whether a file's metadata satisfies every condition (a missing key equals only `null`). @internal */
export const matches = (conditions: ReadonlyArray<Condition>, meta: unknown): boolean => {
  const record = Predicate.isRecord(meta) ? meta : {}
  return conditions.every(({ key, value }) => (record[key] ?? null) === value)
}
