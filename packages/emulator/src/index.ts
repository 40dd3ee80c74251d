/**
 * `@effect-deepset/emulator`: a local deepset Cloud upload-session API and S3 presigned-POST
 * endpoint, stateful, deterministic with a seed, with fault injection and a request log.
 *
 * @since 0.1.0
 */

/**
 * Starting the emulator: `start`, `layer`, its options and its handle.
 *
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.js"

/**
 * Fault rules: what to break, where and how often.
 *
 * @since 0.1.0
 */
export * as Fault from "./Fault.js"

/**
 * The shapes of the request log, stored objects, workspace index and sessions.
 *
 * @since 0.1.0
 */
export * as Inspection from "./Inspection.js"
