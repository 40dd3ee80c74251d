/**
 * Client layers for wire tests: one per transport the SDK must work with, pointed at a local server.
 */
import { DeepsetClient } from "@effect-deepset/sdk"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ScriptedServer } from "./ScriptedServer.js"

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

/**
 * Runs effects that need a client with a client of `transport` pointed at the scripted server in
 * context (see {@link client} for its defaults).
 */
export const runner = (transport: Transport) =>
<A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: Partial<DeepsetClient.Options> = {}
): Effect.Effect<A, E, Exclude<R, DeepsetClient.DeepsetClient> | ScriptedServer> =>
  Effect.flatMap(
    ScriptedServer,
    (server) => Effect.provide(effect, Layer.orDie(client(server.url, transport, options)))
  )
