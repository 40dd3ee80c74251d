/**
 * Upload events as log lines: what a pipe or a CI log gets instead of a progress bar, and what a
 * terminal shows above its bar for the events worth a line of their own.
 *
 * @since 0.1.0
 */
import type { UploadEvent } from "@effect-deepset/sdk/UploadEvent"
import * as Option from "effect/Option"
import type * as Ansi from "./Ansi.js"
import * as Format from "./Format.js"

/**
 * How much to tell: `all` for plain output (every file), `notable` above a progress bar (sessions,
 * failures, skipped entries, ingestion problems; the bar shows the rest).
 *
 * @since 0.1.0
 */
export type Detail = "all" | "notable"

/**
 * The line for one event, if it deserves one.
 *
 * @since 0.1.0
 */
export const line = (
  event: UploadEvent,
  options: { readonly detail: Detail; readonly style: Ansi.Style }
): Option.Option<string> => {
  const { detail, style } = options
  switch (event._tag) {
    case "SessionOpened":
      return Option.some(
        `${style.dim("session")}  ${event.sessionId} opened, expires ${Format.dateTime(event.expiresAt)}`
      )
    case "SessionPossiblyCreated":
      return Option.some(
        `${style.yellow("session")}  creating one failed (${event.error.message}); the service may hold it, ` +
          `empty (it ingests nothing)${event.willRetry ? "; trying again" : ""}`
      )
    case "FileUploaded":
      return detail === "all"
        ? Option.some(
          `${style.green("uploaded")} ${event.name} (${Format.bytes(event.bytes)}${
            event.meta ? ", with metadata" : ""
          })`
        )
        : Option.none()
    case "FileFailed":
      return Option.some(`${style.red("failed")}   ${event.name}: ${event.error.message}`)
    // A skipped entry is not a failure, but nobody should have to guess where it went.
    case "FileSkipped":
      return Option.some(`${style.yellow("skipped")}  ${event.input}: ${event.reason}`)
    case "SessionClosed":
      return Option.some(
        event.error === undefined
          ? `${style.dim("session")}  ${event.sessionId} closed: ${
            Format.plural(event.uploaded, "document")
          } sent, ingestion started`
          : `${style.red("session")}  ${event.sessionId} could not be closed: ${event.error.message}`
      )
    case "IngestionProgress":
      return detail === "all"
        ? Option.some(
          `${style.dim("ingest")}   ${event.sessionId}: ${
            event.finished + event.failed
          }/${event.expected} done (${event.finished} finished, ${event.failed} failed)`
        )
        : Option.none()
    case "IngestionFailed":
      return Option.some(`${style.red("ingest")}   ${event.sessionId}: ${event.error.message}`)
    // Each file's ingestion result (an unknown one too, once the wait for its session is done) is in the
    // summary that follows.
    // Bytes in flight are the progress bar's, not a line's.
    case "BytesSent":
    case "FileIngested":
    case "IngestionDone":
    case "Done":
      return Option.none()
  }
}
