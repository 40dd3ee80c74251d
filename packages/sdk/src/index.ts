/**
 * `@effect-deepset/sdk`: an Effect-native client for the deepset Cloud upload-session API.
 *
 * @since 0.1.0
 */

/**
 * The client service: configuration, layers, the API and transfer `HttpClient`s.
 *
 * @since 0.1.0
 */
export * as DeepsetClient from "./DeepsetClient.js"

/**
 * The typed failures.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"

/**
 * The data models (`effect/Schema` classes).
 *
 * @since 0.1.0
 */
export * as Models from "./Models.js"

/**
 * Retry policies as `Schedule`s.
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"

/**
 * The five upload-session operations and their streams.
 *
 * @since 0.1.0
 */
export * as UploadSessions from "./UploadSessions.js"
