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

/**
 * The upload workflow: files into sessions through S3 presigned POST, scoped sessions, ingestion
 * tracking, a report, and a `Stream` of progress events for pipelines.
 *
 * @since 0.1.0
 */
export * as Upload from "./Upload.js"

/**
 * The typed failures of uploads: bad sources, S3 refusals, sessions that expired or filled up.
 *
 * @since 0.1.0
 */
export * as UploadErrors from "./UploadErrors.js"

/**
 * The progress events of an upload.
 *
 * @since 0.1.0
 */
export * as UploadEvent from "./UploadEvent.js"

/**
 * The report of an upload: every session and every file.
 *
 * @since 0.1.0
 */
export * as UploadReport from "./UploadReport.js"

/**
 * The journal of uploads: what a run did, durable, so that a later run can resume it and send only what
 * changed.
 *
 * @since 0.1.0
 */
export * as UploadJournal from "./UploadJournal.js"

/**
 * What can be uploaded: a path, bytes, a string or a sized stream, with optional metadata.
 *
 * @since 0.1.0
 */
export * as UploadSource from "./UploadSource.js"
