/**
 * The report as JSON lines (`--json-lines`): a line per file as soon as its outcome is final, and a summary
 * line at the end, so that the CLI holds only the files whose outcome is still open. Without `--wait` that
 * is the files in flight; with it, also the uploaded files waiting for their ingestion state.
 *
 * The outcomes come from the SDK's own fold (`UploadReport.step`), so every line says what the `--json`
 * document would say of the file; a file is taken out of the fold once its line is written.
 *
 * @since 0.1.0
 */
import type { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as UploadReport from "@effect-deepset/sdk/UploadReport"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as ReportView from "./ReportView.js"

/**
 * A report being streamed: `step` takes an event and returns the lines it completes; `end` returns the
 * lines of the files still open (in input order) and the summary line.
 *
 * @since 0.1.0
 */
export interface ReportLines {
  readonly step: (event: UploadEvent) => ReadonlyArray<string>
  readonly end: (context: ReportView.Context, error?: string) => ReadonlyArray<string>
  /** The sessions so far, for the report of what a third Ctrl-C leaves open. */
  readonly sessions: () => ReadonlyArray<UploadReport.SessionReport>
  /** The verdict of the files whose lines were written (all of them after `end`). */
  readonly verdict: (waited: boolean) => ReportView.Verdict
}

// The fold's key of an uploaded file, by which `FileIngested` finds it (UploadReport's own `key`). Were it to
// change, a file would still get its line, at the session's `IngestionDone` or at the end.
const uploadedKey = (sessionId: string, name: string) => `${sessionId}/${name}`

/**
 * A report streamed as lines. `waiting`: whether the run waits for ingestion, so that an uploaded file's
 * outcome is final only with its ingestion state.
 *
 * @since 0.1.0
 */
export const make = (waiting: boolean): ReportLines => {
  let fold = UploadReport.initial
  const tally = ReportView.tally()

  const take = (file: UploadReport.FileReport, lines: Array<string>) => {
    ReportView.count(tally, file)
    lines.push(ReportView.fileLine(file))
    fold = {
      ...fold,
      files: HashMap.remove(fold.files, file.index),
      uploaded: file.status === "uploaded" && file.sessionId !== undefined
        ? HashMap.remove(fold.uploaded, uploadedKey(file.sessionId, file.name))
        : fold.uploaded
    }
  }
  const takeIndex = (index: number, lines: Array<string>) =>
    Option.map(HashMap.get(fold.files, index), (file) => take(file, lines))

  const step = (event: UploadEvent): ReadonlyArray<string> => {
    const lines: Array<string> = []
    switch (event._tag) {
      case "FileUploaded":
      case "FileFailed":
      case "FileSkipped": {
        fold = UploadReport.step(fold, event)
        if (event._tag !== "FileUploaded" || !waiting) takeIndex(event.index, lines)
        return lines
      }
      case "FileIngested": {
        const index = HashMap.get(fold.uploaded, uploadedKey(event.sessionId, event.name))
        fold = UploadReport.step(fold, event)
        if (Option.isSome(index)) takeIndex(index.value, lines)
        return lines
      }
      case "IngestionDone": {
        fold = UploadReport.step(fold, event)
        // Every uploaded file of the session now has its state, listed or unknown.
        for (const file of HashMap.values(fold.files)) {
          if (file.sessionId === event.sessionId && file.ingestion !== undefined) take(file, lines)
        }
        return lines
      }
      case "BytesSent":
      case "Done":
        return lines
      default:
        fold = UploadReport.step(fold, event)
        return lines
    }
  }

  // The report but its files, each of which had its line.
  const rest = () => UploadReport.fromFold({ ...fold, files: HashMap.empty() })
  const sessions = () => rest().sessions

  const end = (context: ReportView.Context, error?: string): ReadonlyArray<string> => {
    const lines: Array<string> = []
    const open = Array.from(HashMap.values(fold.files)).sort((a, b) => a.index - b.index)
    for (const file of open) take(file, lines)
    lines.push(ReportView.summaryLine(tally, rest(), context, error))
    return lines
  }

  return { step, end, sessions, verdict: (waited) => ReportView.verdictOf(tally, sessions(), waited) }
}
