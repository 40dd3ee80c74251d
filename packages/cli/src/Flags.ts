/**
 * The options every command shares (where to connect, how to print), and option kinds whose bad values
 * name their flag.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"
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

/**
 * `--allow-insecure-http`: let the API key travel over plain http to a host that is not loopback,
 * else `DEEPSET_ALLOW_INSECURE_HTTP`.
 *
 * @since 0.1.0
 */
export const allowInsecureHttp = Options.boolean("allow-insecure-http").pipe(
  Options.withDescription(
    "Allow a plain-http --api-url to a host that is not loopback; the API key then travels in clear text. " +
      `Default: $${Settings.variables.allowInsecureHttp} (true or 1).`
  )
)

const invalid = (text: string) => ValidationError.invalidValue(HelpDoc.p(text))

/**
 * An option whose value is one of `cases` (any letter case), shown as `--name A | B | C`. Unlike
 * `Options.choice`, a bad value is reported with the flag's name: `--name: expected one of A, B, C, got x`.
 *
 * @since 0.1.0
 */
export const choice = <const A extends string>(
  name: string,
  cases: readonly [A, ...Array<A>]
): Options.Options<A> =>
  Options.text(name).pipe(
    Options.withPseudoName(cases.join(" | ")),
    Options.mapEffect((value) => {
      const found = cases.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase())
      return found === undefined
        ? Effect.fail(invalid(`--${name}: expected one of ${cases.join(", ")}, got ${value}`))
        : Effect.succeed(found)
    })
  )

/**
 * An integer option within `min` and `max` (both inclusive), shown as `--name N`. A bad value is
 * reported with the flag's name and the range: `--name: expected an integer from 1 to 64, got many`.
 *
 * @since 0.1.0
 */
export const integer = (
  name: string,
  range: { readonly min: number; readonly max?: number | undefined }
): Options.Options<number> =>
  Options.text(name).pipe(
    Options.withPseudoName("N"),
    Options.mapEffect((value) => {
      const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN
      return Number.isSafeInteger(n) && n >= range.min && (range.max === undefined || n <= range.max)
        ? Effect.succeed(n)
        : Effect.fail(
          invalid(
            `--${name}: expected an integer ${
              range.max === undefined ? `of at least ${range.min}` : `from ${range.min} to ${range.max}`
            }, got ${value}`
          )
        )
    })
  )
