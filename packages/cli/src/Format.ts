/**
 * Pure formatting of quantities for people: sizes, rates, durations, dates.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const units = ["B", "kB", "MB", "GB", "TB"] as const

/**
 * A byte count in SI units with at most one decimal: `842 B`, `1.2 kB`, `3.4 MB`.
 *
 * @since 0.1.0
 */
export const bytes = (n: number): string => {
  let value = Math.max(0, n)
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  if (unit === 0) return `${Math.round(value)} B`
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

/**
 * A transfer rate, `12.3 kB/s`.
 *
 * @since 0.1.0
 */
export const rate = (bytesPerSecond: number): string => `${bytes(bytesPerSecond)}/s`

const pad2 = (n: number): string => n.toString().padStart(2, "0")

/**
 * A duration in the coarsest readable form: `850ms`, `4s`, `2m05s`, `1h02m`.
 *
 * @since 0.1.0
 */
export const duration = (input: Duration.DurationInput): string => {
  const millis = Math.max(0, Math.round(Duration.toMillis(input)))
  if (millis < 1000) return `${millis}ms`
  const seconds = Math.round(millis / 1000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${pad2(seconds % 60)}s`
  return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`
}

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000
}

/**
 * Parses a duration as people type it on a command line: `90s`, `10m`, `1h`, `1h30m`, `500ms`, or
 * a bare number of seconds. `None` when the text is not a positive duration.
 *
 * @since 0.1.0
 * @example
 * ```ts
 * import { Format } from "@effect-deepset/cli"
 *
 * Format.parseDuration("1h30m") // Option.some(Duration.minutes(90))
 * ```
 */
export const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const trimmed = text.trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed)
    return seconds > 0 ? Option.some(Duration.seconds(seconds)) : Option.none()
  }
  const part = /(\d+(?:\.\d+)?)(ms|sec|min|s|m|h)/y
  let total = 0
  let index = 0
  while (index < trimmed.length) {
    part.lastIndex = index
    const match = part.exec(trimmed)
    if (match === null) return Option.none()
    total += Number(match[1]) * durationUnits[match[2]!]!
    index = part.lastIndex
  }
  return index > 0 && total > 0 ? Option.some(Duration.millis(total)) : Option.none()
}

/**
 * A UTC date-time to the minute, `2026-10-04 09:15 UTC`: precise enough to tell sessions apart,
 * short enough for a table.
 *
 * @since 0.1.0
 */
export const dateTime = (date: DateTime.DateTime): string => {
  const iso = DateTime.formatIso(DateTime.toUtc(date))
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}

/**
 * `1 file`, `3 files`.
 *
 * @since 0.1.0
 */
export const plural = (n: number, singular: string, pluralForm = `${singular}s`): string =>
  `${n} ${n === 1 ? singular : pluralForm}`

/**
 * Cuts text to at most `max` characters, marking the cut with `…`.
 *
 * @since 0.1.0
 */
export const truncate = (text: string, max: number): string => {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`
}
