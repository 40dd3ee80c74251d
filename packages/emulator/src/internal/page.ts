/**
 * Cursor and page-number pagination over a filtered view of an ordered collection, in O(log n + page).
 *
 * A view is the ascending subsequence of positions (in creation order) whose items match the filters.
 * A cursor names an item by its position, and that item need not match the filters itself.
 *
 * @internal
 */
export interface View {
  /** How many positions match. */
  readonly size: number
  /** The k-th matching position (0 ≤ k < size). */
  readonly at: (k: number) => number
  /** How many matching positions are `< position` (`<= position` when inclusive). */
  readonly countBefore: (position: number, inclusive: boolean) => number
}

/** @internal */
export type Request =
  | { readonly _tag: "After"; readonly position: number; readonly limit: number }
  | { readonly _tag: "Before"; readonly position: number; readonly limit: number }
  | { readonly _tag: "Page"; readonly page: number; readonly limit: number }

/** @internal */
export interface Page {
  readonly positions: ReadonlyArray<number>
  readonly hasMore: boolean
  readonly total: number
}

const slice = (view: View, from: number, to: number): Array<number> => {
  const out: Array<number> = []
  for (let k = from; k < to; k++) out.push(view.at(k))
  return out
}

/**
 * `After` takes the items strictly after the cursor, `Before` the ones strictly before it that lie
 * closest to it (still ascending); `hasMore` looks further in the direction of travel.
 *
 * @internal
 */
export const paginate = (view: View, request: Request): Page => {
  const total = view.size
  switch (request._tag) {
    case "After": {
      const from = view.countBefore(request.position, true)
      const to = Math.min(total, from + request.limit)
      return { positions: slice(view, from, to), hasMore: to < total, total }
    }
    case "Before": {
      const to = view.countBefore(request.position, false)
      const from = Math.max(0, to - request.limit)
      return { positions: slice(view, from, to), hasMore: from > 0, total }
    }
    case "Page": {
      const from = Math.min(total, (request.page - 1) * request.limit)
      const to = Math.min(total, from + request.limit)
      return { positions: slice(view, from, to), hasMore: to < total, total }
    }
  }
}

/** The contiguous positions `[from, to)`. @internal */
export const range = (from: number, to: number): View => {
  const size = Math.max(0, to - from)
  return {
    size,
    at: (k) => from + k,
    countBefore: (position, inclusive) => Math.min(Math.max(0, position - from + (inclusive ? 1 : 0)), size)
  }
}

/** How many of the ascending `sorted[0, length)` are `< value` (`<= value` when inclusive). @internal */
export const rank = (sorted: ArrayLike<number>, length: number, value: number, inclusive: boolean): number => {
  let lo = 0
  let hi = length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const v = sorted[mid]!
    if (v < value || (inclusive && v === value)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The first `length` positions of the ascending `sorted`. @internal */
export const subset = (sorted: ArrayLike<number>, length: number): View => ({
  size: length,
  at: (k) => sorted[k]!,
  countBefore: (position, inclusive) => rank(sorted, length, position, inclusive)
})
