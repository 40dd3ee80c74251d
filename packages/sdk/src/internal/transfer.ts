/**
 * What the `Upload` run needs of a client besides its operations: the client given from outside, for
 * S3 presigned posts (no base URL, no key, no trace context), and the redaction of the key. It rides on
 * the service object under a symbol, so it stays out of the public interface and survives a spread.
 *
 * @internal
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type { Service } from "../DeepsetClient.js"
import type { Redact } from "./responses.js"

/** @internal */
export interface Transfer {
  readonly client: HttpClient.HttpClient
  readonly redact: Redact
}

const TypeId: unique symbol = Symbol.for("@effect-deepset/sdk/DeepsetClient/Transfer")

interface WithTransfer {
  readonly [TypeId]: Transfer
}

/** @internal */
export const attach = (service: Service, transfer: Transfer): Service =>
  Object.assign(service, { [TypeId]: transfer } satisfies WithTransfer)

/**
 * The transfer side of a client made by `DeepsetClient.make`; a service made by hand (a test's fake)
 * has none, and uploading through it is a defect that says so.
 *
 * @internal
 */
export const of = (service: Service): Effect.Effect<Transfer> =>
  TypeId in service
    ? Effect.succeed((service as Service & WithTransfer)[TypeId])
    : Effect.dieMessage(
      "Upload needs a DeepsetClient made by DeepsetClient.make, layer or layerConfig: this one has no S3 transfer client"
    )
