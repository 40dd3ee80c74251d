import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const DELTA_SECONDS = /^\d+(?:\.\d+)?$/

/**
 * Parses a `Retry-After` header value (RFC 9110 §10.2.3): either a number of seconds or an HTTP date.
 * `now` is the current time in epoch milliseconds; it comes from the caller's `Clock` so that tests can
 * drive HTTP-date values with `TestClock`. A date in the past means "retry now" (zero). Anything
 * unparseable is ignored: a broken header must not turn a retryable failure into a permanent one.
 *
 * @internal
 */
export const parse = (value: string | null | undefined, now: number): Option.Option<Duration.Duration> => {
  if (value === undefined || value === null) return Option.none()
  const trimmed = value.trim()
  if (trimmed === "") return Option.none()
  if (DELTA_SECONDS.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isFinite(seconds) ? Option.some(Duration.seconds(seconds)) : Option.none()
  }
  // Only dates that name their zone are HTTP dates (IMF-fixdate, RFC 850 and asctime forms); Date.parse
  // would read a zone-less string as local time, which is never what a server means.
  if (!/\b(?:GMT|UTC)\b|[+-]\d{4}$/i.test(trimmed) && !ASCTIME.test(trimmed)) return Option.none()
  const at = Date.parse(ASCTIME.test(trimmed) ? `${trimmed} GMT` : trimmed)
  if (Number.isNaN(at)) return Option.none()
  return Option.some(Duration.millis(Math.max(0, at - now)))
}

// asctime-date: "Sun Nov  6 08:49:37 1994", always GMT per RFC 9110 but written without a zone.
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/
