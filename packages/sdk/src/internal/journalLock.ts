/**
 * One run per journal file: a lock file beside it (`<journal>.lock`), created exclusively (flag `wx`) with
 * the pid of the process that holds it, and removed when the holder's scope closes. A lock whose process is
 * gone (a run that crashed or was killed) is taken over. Where there are no processes to ask (no `process`
 * global, as in a browser), no lock is taken.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"

/** The process this runs in, and whether another one is still running. */
export interface Host {
  readonly pid: number
  readonly isRunning: (pid: number) => boolean
}

interface NodeProcess {
  readonly pid: number
  readonly kill: (pid: number, signal: 0) => unknown
}

/** The current process where there is one (Node, Bun, Deno). */
export const currentHost = (): Host | undefined => {
  const found: unknown = (globalThis as { readonly process?: unknown }).process
  const host = found as Partial<NodeProcess> | undefined
  if (typeof host?.pid !== "number" || typeof host.kill !== "function") return undefined
  const { pid } = host
  const proc = found as NodeProcess
  return {
    pid,
    // Signal 0 only asks; EPERM means it runs under another user.
    isRunning: (other) => {
      try {
        proc.kill(other, 0)
        return true
      } catch (error) {
        return (error as { readonly code?: unknown }).code === "EPERM"
      }
    }
  }
}

/** Why the lock was not taken: the pid of the run that holds it, or the file system's failure. */
export type Refusal =
  | { readonly _tag: "Held"; readonly pid: number }
  | { readonly _tag: "Failed"; readonly error: PlatformError.PlatformError }

const pidIn = (text: string): Option.Option<number> => {
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? Option.some(pid) : Option.none()
}

/** Takes the lock of the journal at `path` for the current scope. */
export const acquire = (
  fs: FileSystem.FileSystem,
  path: string,
  host: Host
): Effect.Effect<void, Refusal, Scope.Scope> => {
  const lockPath = `${path}.lock`
  const failed = (error: PlatformError.PlatformError): Refusal => ({ _tag: "Failed", error })
  const holder = Effect.map(Effect.option(fs.readFileString(lockPath)), Option.flatMap(pidIn))
  const release = Effect.flatMap(
    holder,
    (pid) => Option.contains(pid, host.pid) ? Effect.ignore(fs.remove(lockPath)) : Effect.void
  )

  // `takeOver`: a lock left by a process that is gone (or that holds no pid) is removed once and tried again.
  const attempt = (takeOver: boolean): Effect.Effect<void, Refusal> =>
    fs.writeFileString(lockPath, `${host.pid}\n`, { flag: "wx" }).pipe(
      Effect.catchAll((error) =>
        error._tag === "SystemError" && error.reason === "AlreadyExists"
          ? Effect.flatMap(holder, (pid) =>
            Option.isSome(pid) && host.isRunning(pid.value)
              ? Effect.fail<Refusal>({ _tag: "Held", pid: pid.value })
              : takeOver
              ? Effect.zipRight(
                Effect.catchIf(fs.remove(lockPath), (e) => e._tag === "SystemError" && e.reason === "NotFound", () =>
                  Effect.void).pipe(Effect.mapError(failed)),
                attempt(false)
              )
              : Effect.fail<Refusal>(Option.isSome(pid) ? { _tag: "Held", pid: pid.value } : failed(error)))
          : Effect.fail(failed(error))
      )
    )

  return Effect.zipRight(attempt(true), Effect.addFinalizer(() => release))
}
