/**
 * The live progress display as a pure fold: `UploadEvent`s go in, a state comes out, and `render`
 * draws one line for it at a given moment. No clock or terminal inside, so it is tested directly.
 *
 * @since 0.1.0
 */
import type { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as Ansi from "./Ansi.js"
import * as Format from "./Format.js"

/**
 * What the display knows: the plan, what was sent, and how ingestion is going.
 *
 * @since 0.1.0
 */
export interface State {
  readonly startedAt: number
  readonly totalFiles: number
  readonly totalBytes: number
  readonly uploaded: number
  readonly failed: number
  /** Sources skipped (not meant to be sent): done as far as the bar is concerned. */
  readonly skipped: number
  readonly bytes: number
  /** Whether ingestion is awaited after the upload (`--wait`). */
  readonly waiting: boolean
  readonly phase: "uploading" | "ingesting" | "done"
  /** Ingestion counts per session, from the latest poll of each. */
  readonly ingestion: ReadonlyMap<
    string,
    { readonly expected: number; readonly finished: number; readonly failed: number }
  >
}

/**
 * The state before the first event.
 *
 * @since 0.1.0
 */
export const initial = (
  plan: { readonly files: number; readonly bytes: number; readonly startedAt: number; readonly waiting: boolean }
): State => ({
  startedAt: plan.startedAt,
  waiting: plan.waiting,
  totalFiles: plan.files,
  totalBytes: plan.bytes,
  uploaded: 0,
  failed: 0,
  skipped: 0,
  bytes: 0,
  phase: "uploading",
  ingestion: new Map()
})

/**
 * Folds one event into the state.
 *
 * @since 0.1.0
 */
export const update = (state: State, event: UploadEvent): State => {
  switch (event._tag) {
    case "FileUploaded":
      return { ...state, uploaded: state.uploaded + 1, bytes: state.bytes + event.bytes }
    case "FileFailed":
      return { ...state, failed: state.failed + 1 }
    case "FileSkipped":
      return { ...state, skipped: state.skipped + 1 }
    case "SessionClosed":
      return state.waiting && state.phase === "uploading" &&
          state.uploaded + state.failed + state.skipped >= state.totalFiles
        ? { ...state, phase: "ingesting" }
        : state
    case "IngestionProgress": {
      const ingestion = new Map(state.ingestion)
      ingestion.set(event.sessionId, { expected: event.expected, finished: event.finished, failed: event.failed })
      return { ...state, phase: "ingesting", ingestion }
    }
    case "Done":
      return { ...state, phase: "done" }
    default:
      return state
  }
}

/**
 * Ingestion counts summed over sessions.
 *
 * @since 0.1.0
 */
export const ingestionTotals = (state: State): { expected: number; finished: number; failed: number } => {
  let expected = 0
  let finished = 0
  let failed = 0
  for (const counts of state.ingestion.values()) {
    expected += counts.expected
    finished += counts.finished
    failed += counts.failed
  }
  return { expected, finished, failed }
}

/**
 * Bytes per second since the start; 0 until time has passed.
 *
 * @since 0.1.0
 */
export const rate = (state: State, now: number): number => {
  const seconds = (now - state.startedAt) / 1000
  return seconds > 0 ? state.bytes / seconds : 0
}

/**
 * Time left at the current rate, by bytes (or by files when the plan has no bytes); `undefined`
 * while there is no rate to go by.
 *
 * @since 0.1.0
 */
export const eta = (state: State, now: number): number | undefined => {
  const elapsed = now - state.startedAt
  const done = state.totalBytes > 0 ? state.bytes : state.uploaded + state.failed + state.skipped
  const total = state.totalBytes > 0 ? state.totalBytes : state.totalFiles
  if (done >= total) return 0
  if (done <= 0 || elapsed <= 0) return undefined
  return (elapsed / done) * (total - done)
}

const bar = (fraction: number, width: number, style: Ansi.Style): string => {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return style.cyan("█".repeat(filled)) + style.dim("░".repeat(width - filled))
}

/**
 * One line of progress for a terminal `columns` wide: a bar, files, bytes, rate and ETA while
 * uploading; a bar of ingested files while waiting for ingestion.
 *
 * @since 0.1.0
 * @example
 * ```ts
 * import { Ansi, Progress } from "@effect-deepset/cli"
 *
 * const state = Progress.initial({ files: 7, bytes: 2400, startedAt: 0, waiting: false })
 * Progress.render(state, { now: 1000, columns: 80, style: Ansi.plain })
 * // "Uploading ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  0/7 files  0 B/2.4 kB  0 B/s  ETA –"
 * ```
 */
export const render = (
  state: State,
  options: { readonly now: number; readonly columns: number; readonly style: Ansi.Style }
): string => {
  const { columns, now, style } = options
  if (state.phase === "uploading" || !state.waiting) {
    const done = state.uploaded + state.failed + state.skipped
    const left = eta(state, now)
    const etaText = left === undefined ? "–" : left > 0 && left < 1000 ? "<1s" : Format.duration(left)
    const failed = (state.failed > 0 ? `  ${style.red(`${state.failed} failed`)}` : "") +
      (state.skipped > 0 ? `  ${style.yellow(`${state.skipped} skipped`)}` : "")
    const info = `  ${done}/${state.totalFiles} files  ${Format.bytes(state.bytes)}/${Format.bytes(state.totalBytes)}` +
      `  ${Format.rate(rate(state, now))}  ETA ${etaText}${failed}`
    const label = state.phase === "done" ? "Uploaded  " : "Uploading "
    const fraction = state.totalBytes > 0
      ? state.bytes / state.totalBytes
      : state.totalFiles > 0
      ? done / state.totalFiles
      : 1
    return label + bar(fraction, barWidth(columns, label, info), style) + info
  }
  const totals = ingestionTotals(state)
  const { failed, finished } = totals
  // Until the first poll answers, the documents sent are what ingestion will count.
  const expected = state.ingestion.size === 0 ? state.uploaded : totals.expected
  const label = state.phase === "done" ? "Done      " : "Ingesting "
  const info = `  ${finished + failed}/${expected} files ingested` +
    `  ${style.green(`${finished} finished`)}` +
    (failed > 0 ? `  ${style.red(`${failed} failed`)}` : "") +
    `  ${Format.duration(now - state.startedAt)}`
  return label + bar(expected > 0 ? (finished + failed) / expected : 0, barWidth(columns, label, info), style) + info
}

const barWidth = (columns: number, label: string, info: string): number =>
  Math.max(10, Math.min(40, columns - 1 - label.length - Ansi.width(info)))
