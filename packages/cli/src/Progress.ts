/**
 * The live progress display as a pure fold: `UploadEvent`s go in, a state comes out, `sample` notes where
 * it stands at a moment, and `render` draws one line for it. No clock or terminal inside, so it is tested
 * directly.
 *
 * Bytes count as they go out (the SDK's `BytesSent`, with the bytes of files that landed as a floor), files
 * when they land. The rate is the bytes sent over the last {@link window} of samples, and the ETA comes from
 * bytes and files together: the bytes left at the window's byte rate, the files left at its file rate, and
 * the longer of the two, since the upload is done only when both are. Many small files and a few large ones
 * then give an ETA that follows whichever is left: while the large files stream, their bytes; once only
 * small files remain, their count (by bytes alone it would say "done" with hundreds of files to go).
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
  /** Bytes of the files that landed (`FileUploaded`). */
  readonly bytes: number
  /** Bytes sent so far, files in flight included (the SDK's `BytesSent`). */
  readonly sent: number
  /** Where the upload stood at recent moments, oldest first: the window the rate and the ETA look at. */
  readonly samples: ReadonlyArray<Sample>
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
 * Where the upload stood at one moment: bytes sent and files done.
 *
 * @since 0.1.0
 */
export interface Sample {
  readonly at: number
  readonly bytes: number
  readonly files: number
}

/**
 * How far back, in milliseconds, the rate and the ETA look.
 *
 * @since 0.1.0
 */
export const window = 5000

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
  sent: 0,
  samples: [{ at: plan.startedAt, bytes: 0, files: 0 }],
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
    case "BytesSent":
      return { ...state, sent: event.bytes }
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
 * Bytes sent so far: what `BytesSent` last said, and never less than the files that landed hold.
 *
 * @since 0.1.0
 */
export const bytesSent = (state: State): number => Math.max(state.sent, state.bytes)

/**
 * Files done: uploaded, failed or skipped.
 *
 * @since 0.1.0
 */
export const filesDone = (state: State): number => state.uploaded + state.failed + state.skipped

/**
 * Notes where the upload stands at `now`, and forgets the samples that fell out of the {@link window}
 * (all but the last one before it, so that the window is covered in full).
 *
 * @since 0.1.0
 */
export const sample = (state: State, now: number): State => {
  const from = now - window
  let first = 0
  while (first + 1 < state.samples.length && state.samples[first + 1]!.at <= from) first++
  return {
    ...state,
    samples: [...state.samples.slice(first), { at: now, bytes: bytesSent(state), files: filesDone(state) }]
  }
}

// The oldest sample of the window; the start while there is none.
const oldest = (state: State): Sample => state.samples[0] ?? { at: state.startedAt, bytes: 0, files: 0 }

/**
 * Bytes per second over the {@link window} (since the start, until a window has passed); 0 until time has
 * passed.
 *
 * @since 0.1.0
 */
export const rate = (state: State, now: number): number => {
  const from = oldest(state)
  const seconds = (now - from.at) / 1000
  return seconds > 0 ? Math.max(0, bytesSent(state) - from.bytes) / seconds : 0
}

const clamp = (fraction: number): number => Math.min(1, Math.max(0, fraction))

// The mean of the bytes' and the files' fraction done (either alone when the plan has none of the other).
const fractionOf = (state: State, bytes: number, files: number): number =>
  state.totalBytes > 0 && state.totalFiles > 0
    ? (clamp(bytes / state.totalBytes) + clamp(files / state.totalFiles)) / 2
    : state.totalBytes > 0
    ? clamp(bytes / state.totalBytes)
    : state.totalFiles > 0
    ? clamp(files / state.totalFiles)
    : 1

/**
 * How far the upload is, from 0 to 1: the mean of the fraction of bytes sent and of files done.
 *
 * @since 0.1.0
 */
export const fraction = (state: State): number => fractionOf(state, bytesSent(state), filesDone(state))

/**
 * Time left, in milliseconds: the longer of the bytes left at the byte rate and the files left at the
 * file rate, each over the {@link window}, or since the start for a measure that did not move in the
 * window (the last large files streaming after the small ones all landed). No ETA (`undefined`) while a
 * measure with something left never moved: no file landed yet says nothing about how long files take,
 * however fast the first bytes went. 0 once every file is done.
 *
 * @since 0.1.0
 */
export const eta = (state: State, now: number): number | undefined => {
  if (state.totalFiles > 0 && filesDone(state) >= state.totalFiles) return 0
  const from = oldest(state)
  const left = (remaining: number, done: number, doneBefore: number): number | undefined =>
    remaining <= 0
      ? 0
      : done > doneBefore && now > from.at
      ? (remaining * (now - from.at)) / (done - doneBefore)
      : done > 0 && now > state.startedAt
      ? (remaining * (now - state.startedAt)) / done
      : undefined
  const byBytes = left(state.totalBytes - bytesSent(state), bytesSent(state), from.bytes)
  const byFiles = left(state.totalFiles - filesDone(state), filesDone(state), from.files)
  return byBytes === undefined || byFiles === undefined ? undefined : Math.max(byBytes, byFiles)
}

const bar = (fraction: number, width: number, style: Ansi.Style): string => {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return style.cyan("█".repeat(filled)) + style.dim("░".repeat(width - filled))
}

/**
 * One line of progress for a terminal `columns` wide: a bar, files, bytes, rate and ETA while
 * uploading; a bar of ingested files while waiting for ingestion. With `bar: false`, the same line
 * without its bar, for logs.
 *
 * @since 0.1.0
 * @example
 * ```ts
 * import { Ansi, Progress } from "@effect-deepset/cli"
 *
 * const state = Progress.initial({ files: 7, bytes: 2400, startedAt: 0, waiting: false })
 * Progress.render(state, { now: 1000, columns: 80, style: Ansi.plain })
 * // "Uploading ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  0/7 files  0 B/2.4 kB  0 B/s  ETA –"
 * Progress.render(state, { now: 1000, columns: 80, style: Ansi.plain, bar: false })
 * // "Uploading  0/7 files  0 B/2.4 kB  0 B/s  ETA –"
 * ```
 */
export const render = (
  state: State,
  options: { readonly now: number; readonly columns: number; readonly style: Ansi.Style; readonly bar?: boolean }
): string => {
  const { columns, now, style } = options
  const line = (label: string, done: number, info: string) =>
    options.bar === false
      ? label.trimEnd() + info
      : label + bar(done, barWidth(columns, label, info), style) + info
  if (state.phase === "uploading" || !state.waiting) {
    const done = filesDone(state)
    const left = eta(state, now)
    const etaText = left === undefined ? "–" : left > 0 && left < 1000 ? "<1s" : Format.duration(left)
    const failed = (state.failed > 0 ? `  ${style.red(`${state.failed} failed`)}` : "") +
      (state.skipped > 0 ? `  ${style.yellow(`${state.skipped} skipped`)}` : "")
    const info =
      `  ${done}/${state.totalFiles} files  ${Format.bytes(bytesSent(state))}/${Format.bytes(state.totalBytes)}` +
      `  ${Format.rate(rate(state, now))}  ETA ${etaText}${failed}`
    const label = state.phase === "done" ? "Uploaded  " : "Uploading "
    return line(label, fraction(state), info)
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
  return line(label, expected > 0 ? (finished + failed) / expected : 0, info)
}

const barWidth = (columns: number, label: string, info: string): number =>
  Math.max(10, Math.min(40, columns - 1 - label.length - Ansi.width(info)))
