/**
 * Sending: routed sources go to S3 `concurrency` at a time, each reported by its event. A file holds its
 * place until the consumer has handled its event, so that a run cut short leaves at most `concurrency`
 * files stored without an event, and a slow consumer slows the upload instead of falling behind it.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type { DeepsetClient } from "../DeepsetClient.js"
import type { FileError } from "../UploadErrors.js"
import { UploadEvent } from "../UploadEvent.js"
import type * as SessionLifecycle from "./sessionLifecycle.js"
import type * as Source from "./source.js"

/** A source routed to its session. */
export interface Job {
  readonly _tag: "Job"
  readonly source: Source.Prepared
  readonly slot: SessionLifecycle.Slot
}

/** A source that cannot be sent, reported as failed where it stands in the input. */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly index: number
  readonly input: string
  readonly error: FileError
}

/** A source marked `skip`: reported as skipped where it stands in the input, sent nowhere, no session for it. */
export interface Skipped {
  readonly _tag: "Skipped"
  readonly index: number
  readonly input: string
  readonly reason: string
}

/** A source reported where it stands without being routed or sent. */
export type Unsent = Rejected | Skipped

const failed = (
  { index, input, name }: { readonly index: number; readonly input: string; readonly name: string },
  sessionId: string | undefined,
  error: FileError,
  metaUploaded = false
) => UploadEvent.FileFailed({ index, input, name, sessionId, error, metaUploaded })

/** The event of one routed source, once it is sent or has failed. */
const outcome = (job: Job): Effect.Effect<UploadEvent, never, FileSystem.FileSystem> => {
  const { source } = job
  return Either.match(job.slot.session, {
    onLeft: (error) => Effect.succeed(failed(source, undefined, error)),
    onRight: (session) =>
      Effect.match(session.send(source), {
        onSuccess: ({ bytes, meta }) =>
          UploadEvent.FileUploaded({
            index: source.index,
            input: source.input,
            name: source.name,
            sessionId: session.sessionId,
            bytes,
            meta
          }),
        onFailure: ({ error, metaUploaded }) => failed(source, session.sessionId, error, metaUploaded)
      })
  })
}

/** Sends every item, at most `concurrency` at once, emitting one event per item. */
export const sendAll = <E, R>(
  items: Stream.Stream<Job | Unsent, E, R>,
  options: {
    readonly concurrency: number
    readonly emit: SessionLifecycle.Emit
    readonly lifecycle: SessionLifecycle.Lifecycle
  }
): Effect.Effect<void, E, R | DeepsetClient | FileSystem.FileSystem> => {
  const { emit, lifecycle } = options
  const send = (item: Job | Unsent) =>
    item._tag === "Rejected"
      ? emit(failed({ ...item, name: item.input }, undefined, item.error))
      : item._tag === "Skipped"
      ? emit(UploadEvent.FileSkipped({ index: item.index, input: item.input, reason: item.reason }))
      : Effect.zipRight(Effect.flatMap(outcome(item), emit), lifecycle.done(item.slot))
  return Stream.runDrain(Stream.mapEffect(items, send, { concurrency: options.concurrency, unordered: true }))
}
