/**
 * The journal's bytes as lines, as a pure function. A line is complete when its `\n` is there: the bytes
 * after the last `\n` are a torn tail (a write cut short by a crash), never a record, whatever they hold.
 * A complete line that is not UTF-8, not JSON or not a valid record is skipped and counted; a record of a
 * version or type this code does not know is counted apart (written by a newer version, not damage).
 *
 * @internal
 */

/** What one complete line is. */
export type Verdict<A> =
  | { readonly _tag: "Record"; readonly record: A }
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Corrupt" }

/** The records of a journal's bytes, in order, and what was left out. */
export interface Parsed<A> {
  readonly records: Array<A>
  /** Complete lines that are not a record (not UTF-8, not JSON, not a valid record). */
  readonly skipped: number
  /** Records of a version or type this code does not know. */
  readonly unknown: number
  /** Bytes after the last `\n`: the torn tail of a write cut short, ignored. */
  readonly tornBytes: number
}

const newline = 0x0a

/** The offset just past the last `\n` of `bytes` (0 when it has none): where the complete lines end. */
export const completeLength = (bytes: Uint8Array): number => bytes.lastIndexOf(newline) + 1

/** Splits and classifies: `classify` gets each complete, non-blank line's JSON value. */
export const parse = <A>(bytes: Uint8Array, classify: (value: unknown) => Verdict<A>): Parsed<A> => {
  const decoder = new TextDecoder("utf-8", { fatal: true })
  const records: Array<A> = []
  let skipped = 0
  let unknown = 0
  const end = completeLength(bytes)
  let start = 0
  while (start < end) {
    const stop = bytes.indexOf(newline, start)
    const line = bytes.subarray(start, stop)
    start = stop + 1
    let text: string
    try {
      text = decoder.decode(line)
    } catch {
      skipped++
      continue
    }
    if (text.trim() === "") continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      skipped++
      continue
    }
    const verdict = classify(value)
    switch (verdict._tag) {
      case "Record":
        records.push(verdict.record)
        break
      case "Unknown":
        unknown++
        break
      case "Corrupt":
        skipped++
        break
    }
  }
  return { records, skipped, unknown, tornBytes: bytes.length - end }
}
