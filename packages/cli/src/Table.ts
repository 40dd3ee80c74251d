/**
 * A plain-text table: columns padded to their widest cell, measured without ANSI styling.
 *
 * @since 0.1.0
 */
import * as Ansi from "./Ansi.js"

/**
 * One column: its header and how its cells line up.
 *
 * @since 0.1.0
 */
export interface Column {
  readonly header: string
  readonly align?: "left" | "right"
}

const pad = (text: string, width: number, align: "left" | "right"): string => {
  const fill = " ".repeat(Math.max(0, width - Ansi.width(text)))
  return align === "right" ? fill + text : text + fill
}

/**
 * Renders rows under a header line and a rule; trailing blanks are trimmed so that captured
 * output stays clean.
 *
 * @since 0.1.0
 * @example
 * ```ts
 * import { Ansi, Table } from "@effect-deepset/cli"
 *
 * Table.render([{ header: "FILE" }, { header: "SIZE", align: "right" }], [["a.txt", "12 B"]], Ansi.plain)
 * // FILE   SIZE
 * // ─────  ────
 * // a.txt  12 B
 * ```
 */
export const render = (
  columns: ReadonlyArray<Column>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  style: Ansi.Style,
  options?: { readonly indent?: number }
): string => {
  const widths = columns.map((column, i) =>
    rows.reduce((max, row) => Math.max(max, Ansi.width(row[i] ?? "")), Ansi.width(column.header))
  )
  const indent = " ".repeat(options?.indent ?? 0)
  const line = (cells: ReadonlyArray<string>) =>
    (indent + columns.map((column, i) => pad(cells[i] ?? "", widths[i]!, column.align ?? "left")).join("  "))
      .trimEnd()
  return [
    style.bold(line(columns.map((column) => column.header))),
    style.dim(indent + widths.map((w) => "─".repeat(w)).join("  ")),
    ...rows.map(line)
  ].join("\n")
}
