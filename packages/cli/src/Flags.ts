/**
 * The options every command shares: where to connect and how to print.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import * as Settings from "./Settings.js"

/**
 * `--workspace NAME` (`-w`): the deepset workspace, else `DEEPSET_WORKSPACE`.
 *
 * @since 0.1.0
 */
export const workspace = Options.text("workspace").pipe(
  Options.withAlias("w"),
  Options.withPseudoName("NAME"),
  Options.withDescription(`The deepset workspace to use. Default: $${Settings.variables.workspace}.`),
  Options.optional
)

/**
 * `--api-url URL`: the API's base URL, else `DEEPSET_API_URL`, else deepset Cloud.
 *
 * @since 0.1.0
 */
export const apiUrl = Options.text("api-url").pipe(
  Options.withPseudoName("URL"),
  Options.withDescription(
    `The API's base URL. Default: $${Settings.variables.apiUrl}, else https://api.cloud.deepset.ai.`
  ),
  Options.optional
)

/**
 * `--json`: print one machine-readable JSON document on stdout instead of text.
 *
 * @since 0.1.0
 */
export const json = Options.boolean("json").pipe(
  Options.withDescription("Print one machine-readable JSON document on stdout instead of text.")
)
