/**
 * What the bench's emulator process is started with.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export interface EmulatorSettings {
  readonly apiKey: string
  /** The limit of files per session; above the API's 10 000 only to seed without the control route. */
  readonly maxFilesPerSession: number
  /** How long ingesting each document takes, in ms (0: done when the session closes). */
  readonly ingestionDelayMs: number
}
