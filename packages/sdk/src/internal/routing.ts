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

/** Where routing stands: how many sessions it has opened, and how many objects the newest one holds. */
export interface State {
  readonly sessions: number
  readonly used: number
}

/** Before the first source: no session yet. */
export const initial: State = { sessions: 0, used: 0 }

/**
 * Where one source goes: `Current`, the newest session; `Next`, a new session, opened for it, which seals
 * the one before (if any).
 */
export type Decision = "Current" | "Next"

/** The objects a source puts into its session: the document, and its companion if it has one. */
export const objects = (source: Source.Prepared): 1 | 2 => source.meta === undefined ? 1 : 2

/** Routes one source of `objects` objects into sessions of at most `maxFiles` objects. */
export const step = (maxFiles: number) => (state: State, objects: number): readonly [Decision, State] =>
  state.sessions > 0 && state.used + objects <= maxFiles
    ? ["Current", { sessions: state.sessions, used: state.used + objects }]
    : ["Next", { sessions: state.sessions + 1, used: objects }]

/**
 * The newest session takes no more sources (S3 said it is full, or it expired): the next source opens a
 * new one, whatever the count says.
 */
export const sealCurrent = (state: State): State => ({ sessions: state.sessions, used: Number.POSITIVE_INFINITY })

/** The session (from 0) of each source, for sources of the given object counts. */
export const plan = (maxFiles: number, counts: ReadonlyArray<number>): ReadonlyArray<number> => {
  const route = step(maxFiles)
  return Arr.mapAccum(counts, initial, (state, count) => {
    const next = route(state, count)[1]
    return [next, next.sessions - 1]
  })[1]
}
