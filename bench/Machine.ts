/**
 * The machine a run was taken on, for the report: numbers only mean something beside it.
 *
 * @since 0.1.0
 */
import * as os from "node:os"

/**
 * @since 0.1.0
 */
export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly platform: string
  /** The 1, 5 and 15 minute load averages when the run started. */
  readonly loadAverage: ReadonlyArray<number>
}

/**
 * Describes this machine now.
 *
 * @since 0.1.0
 */
export const describe = (): Machine => {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100)
  }
}

/**
 * The one-minute load average now.
 *
 * @since 0.1.0
 */
export const load = (): number => os.loadavg()[0] ?? 0
