/**
 * The SDK's defaults the bench must agree with: the baseline sends the SDK's `User-Agent`, and the
 * sweep judges the `Upload` default concurrency.
 *
 * @since 0.1.0
 */
import { DeepsetClient } from "@effect-deepset/sdk"
import * as Upload from "@effect-deepset/sdk/Upload"

/**
 * @since 0.1.0
 */
export const sdkDefaults = {
  userAgent: DeepsetClient.defaultUserAgent,
  uploadConcurrency: Upload.defaultConcurrency
} as const
