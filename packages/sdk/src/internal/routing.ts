/**
 * Routing, as pure functions: which session each source goes to. Sources are taken in input order; a
 * session takes them while their objects (a document, plus its metadata companion) fit in its limit, then
 * it is sealed and the next source opens a new one. A companion never leaves its document: the two are
 * counted as one step.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import type * as Source from "./source.js"

/**
 * Where routing stands: how many sessions it has opened, how many objects the newest one holds, and the most
 * a session may hold as the service showed it, when lower than the run's own limit.
 */
export interface State {
  readonly sessions: number
  readonly used: number
  readonly limit: number
}

/** Before the first source: no session yet. */
export const initial: State = { sessions: 0, used: 0, limit: Number.POSITIVE_INFINITY }

/**
 * Where one source goes: `Current`, the newest session; `Next`, a new session, opened for it, which seals
 * the one before (if any).
 */
export type Decision = "Current" | "Next"

/** The objects a source puts into its session: the document, and its companion if it has one. */
export const objects = (source: Source.Prepared): 1 | 2 => source.meta === undefined ? 1 : 2

/** Routes one source of `objects` objects into sessions of at most `maxFiles` objects. */
export const step = (maxFiles: number) => (state: State, objects: number): readonly [Decision, State] =>
  state.sessions > 0 && state.used + objects <= Math.min(maxFiles, state.limit)
    ? ["Current", { ...state, used: state.used + objects }]
    : ["Next", { ...state, sessions: state.sessions + 1, used: objects }]

/**
 * The newest session takes no more sources (S3 said it is full, or it expired): the next source opens a
 * new one, whatever the count says.
 */
export const sealCurrent = (state: State): State => ({ ...state, used: Number.POSITIVE_INFINITY })

/**
 * S3 said a session is full while it held `held` objects: the service's limit is lower than the run's, so no
 * later session is given more (nor fewer than a document and its companion).
 */
export const limitTo = (state: State, held: number): State => ({
  ...state,
  limit: Math.min(state.limit, Math.max(2, held))
})

/** The session (from 0) of each source, for sources of the given object counts. */
export const plan = (maxFiles: number, counts: ReadonlyArray<number>): ReadonlyArray<number> => {
  const route = step(maxFiles)
  return Arr.mapAccum(counts, initial, (state, count) => {
    const next = route(state, count)[1]
    return [next, next.sessions - 1]
  })[1]
}
