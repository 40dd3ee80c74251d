const ISO = new RegExp(
  "^(\\d{4})-(\\d{2})-(\\d{2})" + // date
    "(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?" + // optional time, seconds and fraction
    "(?:([Zz])|([+-])(\\d{2})(?::?(\\d{2}))?)?)?$" // optional zone: Z or ±hh[:mm]
)

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * Reads an ISO 8601 date-time into epoch milliseconds, treating a value without a zone designator as
 * UTC. `Date.parse` cannot be used for this: it reads `2024-01-01T00:00:00` as local time. Calendar
 * fields are range-checked, so `2024-02-30` is rejected instead of rolling over into March.
 *
 * @internal
 */
export const parseIsoUtc = (input: string): number | undefined => {
  const match = ISO.exec(input.trim())
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, fraction, z, sign, oh, om] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = h === undefined ? 0 : Number(h)
  const minute = mi === undefined ? 0 : Number(mi)
  const second = s === undefined ? 0 : Number(s)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  // 60 admits a leap second; it is folded into the next minute like every other ISO reader does.
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000)
  let offsetMinutes = 0
  if (z === undefined && sign !== undefined) {
    const offsetHours = Number(oh)
    const offsetMins = om === undefined ? 0 : Number(om)
    if (offsetHours > 23 || offsetMins > 59) return undefined
    offsetMinutes = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins)
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  return utc - offsetMinutes * 60_000
}
