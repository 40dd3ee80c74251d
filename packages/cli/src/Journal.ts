/**
 * The upload's journal on disk: one per (workspace, folders uploaded), in the user's state folder
 * (`$XDG_STATE_HOME/deepset-upload/journals`, else `~/.local/state/...`). With it, running the same command
 * again after a run died sends only what did not land, and a later run over the same folders only what is
 * new or changed. `--fresh` starts it anew; `--no-journal` keeps none.
 *
 * @since 0.1.0
 */
import type * as Upload from "@effect-deepset/sdk/Upload"
import * as UploadJournal from "@effect-deepset/sdk/UploadJournal"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { homedir } from "node:os"
import * as Format from "./Format.js"

/**
 * The journal of an upload, and a line that says what it found (empty when it found nothing).
 *
 * @since 0.1.0
 */
export interface Opened {
  readonly options: Upload.JournalOptions
  readonly path: string
  readonly notice: string
}

/**
 * Opens the journal of the folders `paths` (absolute) in `workspace`; with `fresh`, an earlier one is
 * removed first.
 *
 * @since 0.1.0
 */
export const open = (
  paths: ReadonlyArray<string>,
  workspace: string,
  fresh: boolean
): Effect.Effect<Opened, UploadJournal.UploadJournalError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const root = [...paths].sort().join("\n")
    const path = UploadJournal.defaultPath({ workspace, root, env: process.env, home: homedir() })
    const fs = yield* FileSystem.FileSystem
    if (fresh) {
      yield* fs.remove(path).pipe(
        Effect.catchAll((error) =>
          error._tag === "SystemError" && error.reason === "NotFound"
            ? Effect.void
            : Effect.fail(new UploadJournal.UploadJournalError({ operation: "open", path, description: error.message }))
        )
      )
    }
    const service = yield* UploadJournal.makeFile(path)
    const summary = UploadJournal.summarize((yield* service.read).records)
    const landed = summary.counts.landed + summary.counts.unknown
    const notice = summary.runs.length === 0
      ? ""
      : summary.finished
      ? `${
        Format.plural(landed, "file")
      } landed in earlier runs: only new and changed files are sent (--fresh sends everything).`
      : `Resuming an interrupted upload: ${Format.plural(landed, "file")} landed or may have landed earlier; ` +
        "only the rest is sent (--fresh sends everything)."
    return { options: { service, root, workspace }, path, notice }
  })
