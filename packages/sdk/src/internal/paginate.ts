import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Page } from "../Models.js"

/** What one page request asks for; exactly one of `after`, `before`, `pageNumber` or none (page 1). */
export interface Query {
  readonly limit: number
  readonly after?: string
  readonly before?: string
  readonly pageNumber?: number
}

/** @internal */
export interface PaginateOptions<A, E, R> {
  readonly direction: "forward" | "backward"
  readonly pageSize: number
  /** Forward: start after this id. Backward: stop when reaching it (exclusive). */
  readonly after: string | undefined
  /** Backward: start before this id. Forward: stop when reaching it (exclusive). */
  readonly before: string | undefined
  readonly fetch: (query: Query) => Effect.Effect<Page<A>, E, R>
  readonly idOf: (item: A) => string | undefined
  /** The failure when a page gives no way to go on: no item with an id, at an unknown position. */
  readonly stuck: (query: Query) => E
}

/**
 * Where the walk stands. `position` is an absolute index when it is known (walks that start at either
 * end know it): forward, the index of the next item wanted; backward, the index just past the next
 * item wanted. `trim` counts items of the next page already seen, at its head (forward) or tail
 * (backward); it is only needed when a walk from a caller's cursor meets items without ids.
 */
interface State {
  readonly query: Query
  readonly position: Option.Option<number>
  readonly trim: number
  readonly probe: boolean
}

type Step<A> = readonly [Chunk.Chunk<A>, Option.Option<State>]

/**
 * Walks every page through `after`/`before` cursors (the id of the last item forward, of the first
 * backward) until `hasMore` is false, holding one page at a time. Where the boundary item has no id,
 * the walk goes on by `page_number`, computed from its absolute position. A backward walk without a
 * starting cursor first asks for page 1 to learn `total`, then starts from the last page; items added
 * after that first answer are left out, so that nothing is repeated or skipped.
 *
 * @internal
 */
export const paginate = <A, E, R>(options: PaginateOptions<A, E, R>): Stream.Stream<A, E, R> => {
  const { direction, idOf, pageSize } = options
  const byPage = (position: number): Query =>
    direction === "forward"
      ? { limit: pageSize, pageNumber: Math.floor(position / pageSize) + 1 }
      : { limit: pageSize, pageNumber: Math.floor((position - 1) / pageSize) + 1 }
  const pageStart = (query: Query): number => ((query.pageNumber ?? 1) - 1) * pageSize

  const cursor = (id: string): Query =>
    direction === "forward" ? { limit: pageSize, after: id } : { limit: pageSize, before: id }
  // The item with an id nearest the end a walk goes on from (a page's last item forward, its first
  // backward): its id, and how many items lie between it and that end.
  const nearestWithId = (items: ReadonlyArray<A>): readonly [string, number] | undefined => {
    for (let distance = 0; distance < items.length; distance++) {
      const id = idOf(items[direction === "forward" ? items.length - 1 - distance : distance])
      if (id !== undefined) return [id, distance]
    }
    return undefined
  }

  // Cuts the emitted items at the caller's opposite bound; true when the bound was reached.
  const bounded = (items: Array<A>): readonly [Array<A>, boolean] => {
    const stopAt = direction === "forward" ? options.before : options.after
    if (stopAt === undefined) return [items, false]
    const index = items.findIndex((item) => idOf(item) === stopAt)
    return index === -1 ? [items, false] : [items.slice(0, index), true]
  }

  const emit = (items: Array<A>, next: Option.Option<State>): Step<A> => {
    const [emitted, reached] = bounded(items)
    return [Chunk.unsafeFromArray(emitted), reached ? Option.none() : next]
  }

  // Emits a page's wanted items (`emitted`: in the walk's order) and goes on by the cursor of the last one
  // the walk met when it has an id, else by page number when the position is known. From a caller's cursor
  // the position is unknown: go on from the item with an id nearest that end of the page, and skip what of
  // the next page was already seen.
  const goOn = (
    state: State,
    page: Page<A>,
    wanted: ReadonlyArray<A>,
    emitted: Array<A>,
    position: Option.Option<number>
  ): Effect.Effect<Step<A>, E> => {
    const next = (query: Query, trim: number) =>
      Effect.succeed(emit(emitted, Option.some({ query, position, trim, probe: false })))
    const id = idOf(direction === "forward" ? wanted[wanted.length - 1] : wanted[0])
    if (id !== undefined) return next(cursor(id), 0)
    if (Option.isSome(position)) return next(byPage(position.value), 0)
    const nearest = nearestWithId(page.data)
    if (nearest === undefined) return Effect.fail(options.stuck(state.query))
    return next(cursor(nearest[0]), nearest[1])
  }

  const forward = (state: State, page: Page<A>): Effect.Effect<Step<A>, E> => {
    const start = Option.match(state.position, {
      onNone: () => state.trim,
      onSome: (position) => state.query.pageNumber === undefined ? state.trim : position - pageStart(state.query)
    })
    const wanted = page.data.slice(Math.max(0, start))
    if (!page.hasMore || wanted.length === 0) return Effect.succeed(emit(wanted, Option.none()))
    const position = Option.map(state.position, (position) => position + wanted.length)
    return goOn(state, page, wanted, wanted, position)
  }

  const backward = (state: State, page: Page<A>): Effect.Effect<Step<A>, E> => {
    if (state.probe) {
      if (!page.hasMore) return Effect.succeed(emit(page.data.slice().reverse(), Option.none()))
      // Stop at the total of this first answer: later additions are not part of this walk.
      const total = Math.max(page.total, page.data.length + 1)
      const next: State = { query: byPage(total), position: Option.some(total), trim: 0, probe: false }
      return Effect.succeed([Chunk.empty(), Option.some(next)])
    }
    const end = Option.match(state.position, {
      onNone: () => page.data.length - state.trim,
      onSome: (position) =>
        state.query.pageNumber === undefined ? page.data.length - state.trim : position - pageStart(state.query)
    })
    const wanted = page.data.slice(0, Math.max(0, end))
    const reversed = wanted.slice().reverse()
    const position = Option.map(state.position, (position) => position - wanted.length)
    const more = state.query.pageNumber === undefined
      ? page.hasMore
      : Option.exists(position, (position) => position > 0)
    if (!more || wanted.length === 0) return Effect.succeed(emit(reversed, Option.none()))
    return goOn(state, page, wanted, reversed, position)
  }

  const initial: State = direction === "forward"
    ? options.after === undefined
      ? { query: { limit: pageSize }, position: Option.some(0), trim: 0, probe: false }
      : { query: { limit: pageSize, after: options.after }, position: Option.none(), trim: 0, probe: false }
    : options.before === undefined
    ? { query: { limit: pageSize }, position: Option.none(), trim: 0, probe: true }
    : { query: { limit: pageSize, before: options.before }, position: Option.none(), trim: 0, probe: false }

  const handle = direction === "forward" ? forward : backward
  return Stream.paginateChunkEffect(
    initial,
    (state) => Effect.flatMap(options.fetch(state.query), (page) => handle(state, page))
  )
}

/** @internal */
export interface SettledOptions<A, E, R> {
  readonly pageSize: number
  /** Pages in flight at once after the first. */
  readonly concurrency: number
  readonly fetch: (query: Query) => Effect.Effect<Page<A>, E, R>
}

/**
 * Every item of a listing that no longer changes (a closed session whose ingestion is over), walked by
 * `page_number` rather than by cursor, since a page's number does not depend on the page before: page 1 gives
 * `total`, the pages after it are fetched `concurrency` at a time and emitted in order. A page that says there
 * is no more ends the walk early (a `total` too large); where the last page `total` accounts for still has more
 * (a `total` too small), the walk goes on one page at a time until `hasMore` is false. A listing that may still
 * change takes the cursor walk (`paginate`): page numbers there can skip or repeat items.
 *
 * @internal
 */
export const settledListing = <A, E, R>(options: SettledOptions<A, E, R>): Stream.Stream<A, E, R> => {
  const { concurrency, fetch, pageSize } = options
  const page = (pageNumber: number) => fetch({ limit: pageSize, pageNumber })
  const goesOn = (answer: Page<A>) => answer.hasMore && answer.data.length > 0
  const onward = (from: number): Stream.Stream<A, E, R> =>
    Stream.paginateChunkEffect(from, (pageNumber) =>
      Effect.map(page(pageNumber), (answer) =>
        [
          Chunk.unsafeFromArray(answer.data),
          goesOn(answer) ? Option.some(pageNumber + 1) : Option.none()
        ] as const))
  return Stream.unwrap(Effect.map(page(1), (first) => {
    const head = Stream.fromIterable(first.data)
    if (!goesOn(first)) return head
    const last = Math.max(2, Math.ceil(first.total / pageSize))
    let more = false
    const planned = Stream.range(2, last).pipe(
      Stream.mapEffect(page, { concurrency }),
      Stream.takeUntil((answer) => !goesOn(answer)),
      Stream.tap((answer) => Effect.sync(() => void (more = goesOn(answer)))),
      Stream.mapConcat((answer) => answer.data)
    )
    return Stream.concat(head, planned).pipe(
      Stream.concat(Stream.suspend(() => more ? onward(last + 1) : Stream.empty))
    )
  }))
}
