/**
 * Cold start of the baseline: a fresh process imports it, builds a client and completes one
 * `getStatus`.
 */
import { Client } from "./Baseline.js"
import * as ColdStart from "./ColdStart.js"

const { sessionId, target } = ColdStart.task()
const client = new Client(target)
await client.getStatus(sessionId)
// Measured after closing the connections, as the SDK's program closes its dispatcher with its layer.
await client.destroy()
ColdStart.report()
