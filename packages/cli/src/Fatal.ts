/**
 * An error that dooms the whole upload, said once: what happened, and what to do about it. Settings the
 * user can fix (the key, the workspace, the API's address) exit with 2; the service's own trouble with 1.
 *
 * @since 0.1.0
 */
import type * as Upload from "@effect-deepset/sdk/Upload"
import { ExitCode, RunFailed } from "./CliError.js"
import * as Settings from "./Settings.js"

/**
 * Where the upload went, for the message.
 *
 * @since 0.1.0
 */
export interface Target {
  readonly workspace: string
  readonly apiUrl: string
}

// Codes of a connection that never reached a server, or of one the client did not trust.
const unreachableCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"])
const isTls = (code: string | undefined, description: string) =>
  (code !== undefined && /^(ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) ||
  /certificate|TLS|SSL/i.test(description)

/**
 * The one line for a run that failed as a whole, and its exit code.
 *
 * @since 0.1.0
 */
export const describe = (error: Upload.RunError, target: Target): RunFailed => {
  const { apiKey, apiUrl, workspace } = Settings.variables
  const config = (message: string) => new RunFailed({ message, exitCode: ExitCode.usage })
  const service = (message: string) => new RunFailed({ message, exitCode: ExitCode.failed })
  switch (error._tag) {
    case "AuthenticationError":
      return error.status === 401
        ? config(`The API key was not accepted (401): check ${apiKey}. Nothing was uploaded.`)
        : config(
          `The API key has no access to workspace "${target.workspace}" (403): check ${apiKey} and ${workspace}.`
        )
    case "NotFoundError":
      return config(
        `Workspace "${target.workspace}" was not found (404) at ${target.apiUrl}: check ${workspace} or --workspace.`
      )
    case "TransportError":
      if (isTls(error.code, error.description)) {
        return config(`No trusted TLS connection to ${target.apiUrl} (${error.description}): check ${apiUrl}.`)
      }
      return unreachableCodes.has(error.code ?? "") || error.reason === "InvalidUrl"
        ? config(
          `Cannot reach the API at ${target.apiUrl} (${error.code ?? error.description}): check ${apiUrl} or --api-url.`
        )
        : service(`The connection to the API broke while opening an upload session: ${error.message}. Try again.`)
    case "UploadJournalError":
      return service(`${error.message}. Nothing more was sent; to upload without a journal, add --no-journal.`)
    case "ServiceUnreachableError":
      return service(`${error.message}. Run the same command again once the service answers.`)
    default:
      return service(`No upload session could be opened: ${error.message}. Try again later.`)
  }
}
