/**
 * Fault injection: what can go wrong, on which route, and how often.
 *
 * A rule names a route (`create`, `close`, `getStatus`, `getFiles`, `list`, `s3`, the files API's
 * `uploadFile`, `listFiles`, `getFile`, `getFileMeta`, or `*` for all of them) and either one fault with a `rate` (0..1, drawn from the emulator's seeded generator, so a
 * run is reproducible) or a scripted `sequence` consumed one request at a time, after which the
 * route answers normally again. Rules are tried in order; the first one that fires decides.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Routes from "./internal/routes.js"

/**
 * 429 Too Many Requests with a `Retry-After` of `retryAfter` seconds (default 1), written as a
 * number of seconds or, with `format: "date"`, as the HTTP date that many seconds ahead.
 *
 * @since 0.1.0
 */
export const TooManyRequests = Schema.TaggedStruct("TooManyRequests", {
  retryAfter: Schema.optional(Schema.NonNegativeInt),
  format: Schema.optional(Schema.Literal("seconds", "date", "none"))
})

/**
 * A 5xx answer: a JSON or plain-text body as an application server sends, or an HTML page as a
 * proxy in front of it does for 502 and 504.
 *
 * @since 0.1.0
 */
export const ServerError = Schema.TaggedStruct("ServerError", {
  status: Schema.Literal(500, 502, 503, 504)
})

/**
 * The request is processed and the connection is then reset before a byte of the answer is sent.
 * On `s3` the reset comes mid-upload, before anything is stored.
 *
 * @since 0.1.0
 */
export const ConnectionReset = Schema.TaggedStruct("ConnectionReset", {})

/**
 * The answer is held back for `millis` (on the emulator's `Clock`), then given normally.
 *
 * @since 0.1.0
 */
export const Delay = Schema.TaggedStruct("Delay", { millis: Schema.NonNegative })

/**
 * The request is processed and never answered.
 *
 * @since 0.1.0
 */
export const Hang = Schema.TaggedStruct("Hang", {})

/**
 * A success status with a body that is not valid JSON.
 *
 * @since 0.1.0
 */
export const MalformedJson = Schema.TaggedStruct("MalformedJson", {})

/**
 * A success status whose `Content-Length` promises the whole body, of which only half is sent
 * before the connection closes.
 *
 * @since 0.1.0
 */
export const TruncatedBody = Schema.TaggedStruct("TruncatedBody", {})

/**
 * A success status with valid JSON of the wrong shape.
 *
 * @since 0.1.0
 */
export const WrongShape = Schema.TaggedStruct("WrongShape", {})

/**
 * S3's 400 `RequestTimeout` ("Your socket connection to the server was not read from or written to
 * within the timeout period"), a transient failure. Meant for the `s3` route.
 *
 * @since 0.1.0
 */
export const RequestTimeout = Schema.TaggedStruct("RequestTimeout", {})

/**
 * S3's 503 `SlowDown`, a transient failure. Meant for the `s3` route.
 *
 * @since 0.1.0
 */
export const SlowDown = Schema.TaggedStruct("SlowDown", {})

/**
 * Any fault.
 *
 * @since 0.1.0
 */
export const Fault = Schema.Union(
  TooManyRequests,
  ServerError,
  ConnectionReset,
  Delay,
  Hang,
  MalformedJson,
  TruncatedBody,
  WrongShape,
  RequestTimeout,
  SlowDown
)

/**
 * @since 0.1.0
 */
export type Fault = typeof Fault.Type

/**
 * A step of a sequence that lets the request through untouched.
 *
 * @since 0.1.0
 */
export const Pass = Schema.TaggedStruct("Pass", {})

/**
 * @since 0.1.0
 */
export type Pass = typeof Pass.Type

/**
 * The routes a rule can target; `*` targets all of them.
 *
 * @since 0.1.0
 */
export const Route = Schema.Literal(...Routes.served, "*")

/**
 * @since 0.1.0
 */
export type Route = typeof Route.Type

/**
 * Glob patterns (`*` and `?`) on the uploaded file's name; a rule with a `match` only applies to
 * `s3` requests whose file matches one of them, so that chosen files can fail persistently.
 *
 * @since 0.1.0
 */
export const Match = Schema.Union(Schema.String, Schema.Array(Schema.String))

/**
 * A fault that fires with probability `rate` (default 1: always).
 *
 * @since 0.1.0
 */
export const RateRule = Schema.Struct({
  route: Route,
  match: Schema.optional(Match),
  fault: Fault,
  rate: Schema.optional(Schema.Number.pipe(Schema.between(0, 1)))
})

/**
 * Faults (or passes) consumed one per matching request; when they run out the rule no longer applies.
 *
 * @since 0.1.0
 */
export const SequenceRule = Schema.Struct({
  route: Route,
  match: Schema.optional(Match),
  sequence: Schema.Array(Schema.Union(Fault, Pass))
})

/**
 * @since 0.1.0
 */
export const Rule = Schema.Union(RateRule, SequenceRule)

/**
 * @since 0.1.0
 */
export type Rule = typeof Rule.Type

/**
 * @since 0.1.0
 */
export const tooManyRequests = (
  options?: { readonly retryAfter?: number; readonly format?: "seconds" | "date" | "none" }
): Fault => TooManyRequests.make({ ...options })

/**
 * @since 0.1.0
 */
export const serverError = (status: 500 | 502 | 503 | 504): Fault => ServerError.make({ status })

/**
 * @since 0.1.0
 */
export const connectionReset: Fault = ConnectionReset.make({})

/**
 * @since 0.1.0
 */
export const delay = (duration: Duration.DurationInput): Fault => Delay.make({ millis: Duration.toMillis(duration) })

/**
 * @since 0.1.0
 */
export const hang: Fault = Hang.make({})

/**
 * @since 0.1.0
 */
export const malformedJson: Fault = MalformedJson.make({})

/**
 * @since 0.1.0
 */
export const truncatedBody: Fault = TruncatedBody.make({})

/**
 * @since 0.1.0
 */
export const wrongShape: Fault = WrongShape.make({})

/**
 * @since 0.1.0
 */
export const requestTimeout: Fault = RequestTimeout.make({})

/**
 * @since 0.1.0
 */
export const slowDown: Fault = SlowDown.make({})

/**
 * @since 0.1.0
 */
export const pass: Pass = Pass.make({})

interface RuleOptions {
  readonly match?: string | ReadonlyArray<string>
}

/**
 * A rule that fires on every matching request.
 *
 * @example
 * ```ts
 * import { Fault } from "@effect-deepset/emulator"
 *
 * // every upload of a file named bad-*.pdf fails with 503 SlowDown
 * const rule = Fault.always("s3", Fault.slowDown, { match: "bad-*.pdf" })
 * ```
 *
 * @since 0.1.0
 */
export const always = (route: Route, fault: Fault, options?: RuleOptions): Rule => withRate(route, fault, 1, options)

/**
 * A rule that fires with probability `rate`, from the emulator's seeded generator.
 *
 * @since 0.1.0
 */
export const withRate = (route: Route, fault: Fault, rate: number, options?: RuleOptions): Rule =>
  options?.match === undefined ? { route, fault, rate } : { route, fault, rate, match: options.match }

/**
 * A rule that fires on the next `n` matching requests, then never again.
 *
 * @since 0.1.0
 */
export const times = (route: Route, fault: Fault, n: number, options?: RuleOptions): Rule =>
  sequence(route, Array.from({ length: n }, () => fault), options)

/**
 * A rule that answers the next matching requests with these steps in turn.
 *
 * @example
 * ```ts
 * import { Fault } from "@effect-deepset/emulator"
 *
 * // 503, then a normal answer, then a reset, then normal from there on
 * const rule = Fault.sequence("getStatus", [Fault.serverError(503), Fault.pass, Fault.connectionReset])
 * ```
 *
 * @since 0.1.0
 */
export const sequence = (route: Route, steps: ReadonlyArray<Fault | Pass>, options?: RuleOptions): Rule =>
  options?.match === undefined ? { route, sequence: steps } : { route, sequence: steps, match: options.match }

const routes: ReadonlyArray<Route> = Route.literals

/**
 * Reads a duration written as `250ms`, `2s`, `1.5m`, `1h`, `1d` or as Effect does (`2 seconds`).
 * A bare `0` is zero; any other number needs its unit, as `50` alone could mean anything.
 *
 * @since 0.1.0
 */
export const parseDuration = (input: string): Option.Option<Duration.Duration> => {
  if (/^0+(?:\.0+)?$/.test(input.trim())) return Option.some(Duration.zero)
  const short = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(input.trim())
  if (short !== null) {
    const value = Number(short[1])
    const unitMillis = short[2] === "ms" ? 1 : short[2] === "s" ? 1000 : short[2] === "m" ?
      60_000 :
      short[2] === "h"
      ? 3_600_000
      : 86_400_000
    return Option.some(Duration.millis(value * unitMillis))
  }
  return Duration.decodeUnknown(input.trim())
}

/** The kinds that take no argument, and their faults. */
const plainKinds: ReadonlyMap<string, Fault> = new Map([
  ["500", serverError(500)],
  ["502", serverError(502)],
  ["503", serverError(503)],
  ["504", serverError(504)],
  ["reset", connectionReset],
  ["hang", hang],
  ["malformed", malformedJson],
  ["truncated", truncatedBody],
  ["wrong-shape", wrongShape],
  ["timeout", requestTimeout],
  ["slowdown", slowDown]
])

const faultFromKind = (kind: string, arg: string | undefined): Either.Either<Fault, string> => {
  const plain = plainKinds.get(kind)
  if (plain !== undefined) {
    return arg === undefined ? Either.right(plain) : Either.left(`fault kind "${kind}" takes no argument`)
  }
  switch (kind) {
    case "429":
    case "429-date": {
      if (arg === "none" && kind === "429") return Either.right(tooManyRequests({ format: "none" }))
      const seconds = arg === undefined ? 1 : Number(arg)
      if (!Number.isInteger(seconds) || seconds < 0) {
        return Either.left(`Retry-After must be a whole number of seconds, got "${arg}"`)
      }
      return Either.right(tooManyRequests({ retryAfter: seconds, format: kind === "429" ? "seconds" : "date" }))
    }
    case "delay": {
      if (arg === undefined) return Either.left(`fault kind "delay" needs a duration, e.g. delay:2s`)
      return Option.match(parseDuration(arg), {
        onNone: () => Either.left(`cannot read the duration "${arg}"`),
        onSome: (duration) => Either.right(delay(duration))
      })
    }
    default:
      return Either.left(
        `unknown fault kind "${kind}" (expected 429, 429-date, 500, 502, 503, 504, reset, delay, hang, malformed, truncated, wrong-shape, timeout or slowdown)`
      )
  }
}

/**
 * Reads a rule written as on the command line: `route[(glob,glob)]:kind[:arg][@rate|xN]`.
 *
 * - `route`: create, close, getStatus, getFiles, list, s3, uploadFile, listFiles, getFile, getFileMeta or `*`;
 * - `(glob,…)`: only uploads whose file name matches (s3);
 * - `kind[:arg]`: `429[:seconds|none]`, `429-date[:seconds]`, `500`, `502`, `503`, `504`, `reset`,
 *   `delay:<duration>`, `hang`, `malformed`, `truncated`, `wrong-shape`, `timeout` (S3
 *   RequestTimeout), `slowdown` (S3 SlowDown);
 * - `@rate` fires with that probability, `xN` on the next N requests only; neither means always.
 *
 * @example
 * ```ts
 * import { Fault } from "@effect-deepset/emulator"
 *
 * Fault.parse("getStatus:503x2")        // the next two getStatus calls answer 503
 * Fault.parse("s3:slowdown@0.2")       // a fifth of the uploads answer 503 SlowDown
 * Fault.parse("create:429-date:3")     // every create answers 429, Retry-After an HTTP date 3s ahead
 * Fault.parse("s3(bad-*.pdf):500")     // uploads of bad-*.pdf always fail
 * ```
 *
 * @since 0.1.0
 */
export const parse = (spec: string): Either.Either<Rule, string> => {
  const head = /^([A-Za-z0-9*]+)(?:\(([^)]*)\))?:(.+)$/.exec(spec.trim())
  if (head === null) return Either.left(`cannot read the fault "${spec}": expected route[(glob)]:kind[:arg][@rate|xN]`)
  const route = routes.find((r) => r === head[1])
  if (route === undefined) return Either.left(`unknown route "${head[1]}" (expected ${routes.join(", ")})`)
  const match = head[2] === undefined
    ? undefined
    : head[2].split(",").map((glob) => glob.trim()).filter((glob) => glob.length > 0)
  const options: RuleOptions = match === undefined ? {} : { match }
  let rest = head[3]!
  let rate: number | undefined
  let count: number | undefined
  const rateSuffix = /@([0-9.]+)$/.exec(rest)
  const countSuffix = /x(\d+)$/.exec(rest)
  if (rateSuffix !== null) {
    rate = Number(rateSuffix[1])
    if (!(rate >= 0 && rate <= 1)) return Either.left(`the rate in "${spec}" must lie between 0 and 1`)
    rest = rest.slice(0, rateSuffix.index)
  } else if (countSuffix !== null) {
    count = Number(countSuffix[1])
    rest = rest.slice(0, countSuffix.index)
  }
  const colon = rest.indexOf(":")
  const kind = colon === -1 ? rest : rest.slice(0, colon)
  const arg = colon === -1 ? undefined : rest.slice(colon + 1)
  return Either.map(faultFromKind(kind, arg), (fault) =>
    count !== undefined
      ? times(route, fault, count, options)
      : withRate(route, fault, rate ?? 1, options))
}
