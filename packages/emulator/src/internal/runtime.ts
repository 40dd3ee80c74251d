import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Clock from "effect/Clock"
import type * as Effect from "effect/Effect"
import { createHash, timingSafeEqual } from "node:crypto"
import type { FaultEngine } from "./faults.js"
import type { Signer } from "./policy.js"
import type { RequestLog } from "./requestLog.js"
import type { Store } from "./store.js"

/**
 * Everything a route needs, captured once when the emulator starts. The clock in particular is the
 * one of the context that started the emulator, so that a `TestClock` there drives expiry,
 * ingestion and delays here.
 *
 * @internal
 */
export interface EmulatorRuntime {
  readonly store: Store
  readonly clock: Clock.Clock
  readonly faults: FaultEngine
  readonly log: RequestLog
  readonly fs: FileSystem.FileSystem
  readonly signer: Signer
  readonly apiKeys: ReadonlyArray<string>
  readonly organizationId: string
  readonly storageDir: string
  readonly maxFileSize: number
  readonly workspaces: ReadonlySet<string> | undefined
  readonly logRequests: boolean
  /** Known once the server listens, before the first request is served. */
  urls: { readonly origin: string; readonly s3: string }
  /** Names the files written under `storageDir`. */
  uploadCounter: number
  /** Serialises writing objects held in memory out to disk, and `reset`. */
  readonly writingOut: Effect.Semaphore
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/** The digests of the configured keys, worked out once per key list rather than per request. */
const keyDigests = new WeakMap<ReadonlyArray<string>, ReadonlyArray<Buffer>>()

/**
 * The key in an `Authorization: Bearer <key>` header, compared in constant time with every
 * configured key; the answer is the matching key's index, or -1.
 *
 * @internal
 */
export const authenticate = (runtime: EmulatorRuntime, header: string | undefined): number => {
  if (header === undefined) return -1
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header)
  if (match === null) return -1
  let digests = keyDigests.get(runtime.apiKeys)
  if (digests === undefined) {
    digests = runtime.apiKeys.map(digest)
    keyDigests.set(runtime.apiKeys, digests)
  }
  const given = digest(match[1]!)
  let found = -1
  // Every key is compared, so that the time taken does not tell which one matched.
  digests.forEach((key, i) => {
    if (timingSafeEqual(key, given) && found === -1) found = i
  })
  return found
}

/**
 * A stable user id for an API key, so that `created_by` tells keys apart without revealing them.
 *
 * @internal
 */
export const userIdOf = (key: string): string => {
  const hex = createHash("sha256").update(`deepset-emulator-user:${key}`, "utf8").digest("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** Strips a `Bearer ` prefix from a configured key. @internal */
export const normaliseKey = (key: string): string => key.replace(/^\s*Bearer\s+/i, "").trim()
