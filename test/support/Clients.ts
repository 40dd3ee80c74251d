/**
 * Client layers for wire tests: one per transport the SDK must work with, pointed at a local server.
 */
import { DeepsetClient } from "@effect-deepset/sdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

/** A key distinctive enough that finding it anywhere is certainly a leak. */
export const TEST_API_KEY = "dsk_live_TEST-KEY-7f3a9c21e5b84d06"

export interface Transport {
  readonly name: string
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

export const transports: ReadonlyArray<Transport> = [
  { name: "FetchHttpClient", layer: FetchHttpClient.layer },
  { name: "NodeHttpClient.layerUndici", layer: NodeHttpClient.layerUndici }
]

/**
 * A client for `baseUrl` with workspace "default" and, unless the test says otherwise, no retries:
 * tests about retries opt in.
 */
export const client = (
  baseUrl: string,
  transport: Transport,
  options: Partial<DeepsetClient.Options> = {}
) =>
  DeepsetClient.layer({
    apiKey: Redacted.make(TEST_API_KEY),
    baseUrl,
    workspace: "default",
    retry: false,
    ...options
  }).pipe(Layer.provide(transport.layer))
