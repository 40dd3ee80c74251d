import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"
import { type EmulatorRuntime, userIdOf } from "./runtime.js"

/**
 * Seeding: a session with many documents in one step, for tests and benchmarks (the real API has
 * nothing like it). The documents have no bytes, only a size and hashes; the work is O(files) in
 * memory with no file I/O.
 *
 * @internal
 */
export const maxSeedFiles = 1_000_000

/** The body of `POST /_emulator/seed`. @internal */
export const SeedBody = Schema.Struct({
  workspace: Schema.String.pipe(Schema.minLength(1)),
  files: Schema.Int.pipe(Schema.between(1, maxSeedFiles)),
  close: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  name_prefix: Schema.optionalWith(Schema.String, { default: () => "file-" })
})

/** @internal */
export interface SeedRequest {
  readonly workspace: string
  readonly files: number
  readonly close: boolean
  readonly namePrefix: string
}

/** The body, decoded, or what is wrong with it. @internal */
export const decodeSeedBody = (body: unknown): Either.Either<SeedRequest, string> =>
  Either.map(
    Either.mapLeft(
      Schema.decodeUnknownEither(SeedBody)(body, { onExcessProperty: "error" }),
      (error) => ParseResult.TreeFormatter.formatErrorSync(error)
    ),
    (decoded) => ({
      workspace: decoded.workspace,
      files: decoded.files,
      close: decoded.close,
      namePrefix: decoded.name_prefix
    })
  )

/** What every seeded document claims to hold: the one byte `x` (nothing is stored). */
const content = {
  size: 1,
  sha256: createHash("sha256").update("x").digest("hex"),
  md5: createHash("md5").update("x").digest("hex")
}

/**
 * Makes the session; the answer is its id, or why it cannot be made.
 *
 * @internal
 */
export const seed = (runtime: EmulatorRuntime, request: SeedRequest): Effect.Effect<string, string> =>
  Effect.suspend(() => {
    if (!Number.isInteger(request.files) || request.files < 1 || request.files > maxSeedFiles) {
      return Effect.fail(`files must be a whole number from 1 to ${maxSeedFiles}, got ${request.files}`)
    }
    if (request.workspace.length === 0) return Effect.fail("workspace must not be empty")
    if (runtime.workspaces !== undefined && !runtime.workspaces.has(request.workspace)) {
      return Effect.fail(`workspace ${JSON.stringify(request.workspace)} does not exist`)
    }
    const now = runtime.clock.unsafeCurrentTimeMillis()
    runtime.store.settle(now)
    const session = runtime.store.seed(request.workspace, {
      count: request.files,
      name: (i) => `${request.namePrefix}${i}.txt`,
      content,
      close: request.close,
      createdBy: userIdOf(runtime.apiKeys[0]!),
      organizationId: runtime.organizationId
    }, now)
    return Effect.succeed(session.id)
  })
