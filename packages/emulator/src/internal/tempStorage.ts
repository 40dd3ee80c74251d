import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"

/**
 * The emulator's temporary storage: one folder per user under the system's temporary folder,
 * `deepset-emulator-<uid>`, holding one folder per running emulator named `<pid>-<random>` with an
 * `owner.pid` file beside `uploads/`, the storage folder (which so holds uploads only). An emulator removes its own folder when it stops; one killed (SIGKILL, a
 * crash, a power cut) cannot, so the next start removes the folders whose owner process is gone,
 * and `deepset-emulator --clean` does the same on demand. A folder whose owner still runs is never
 * touched: it may be serving uploads.
 *
 * @internal
 */
const ownerFile = "owner.pid"

/** Per user, so that two users of one machine never share (or fail to remove) each other's folders. */
export const root = (): string => {
  const uid = typeof process.getuid === "function" ? String(process.getuid()) : (NodeOs.userInfo().username || "user")
  return NodePath.join(NodeOs.tmpdir(), `deepset-emulator-${uid}`)
}

/** Whether a process with this id runs; one we may not signal (EPERM) runs too. */
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The owner of a folder: its `owner.pid`, else the pid its name starts with (a start killed before writing the file). */
const ownerOf = (fs: FileSystem.FileSystem, folder: string, name: string): Effect.Effect<number | undefined> =>
  fs.readFileString(NodePath.join(folder, ownerFile)).pipe(
    Effect.map((text) => Number.parseInt(text.trim(), 10)),
    Effect.orElseSucceed(() => Number.NaN),
    Effect.map((pid) => {
      if (Number.isSafeInteger(pid) && pid > 0) return pid
      const fromName = /^(\d+)-/.exec(name)
      return fromName === null ? undefined : Number(fromName[1])
    })
  )

/** What a sweep did: the folders it removed and those it kept because their emulator still runs. @internal */
export interface Sweep {
  readonly root: string
  readonly removed: ReadonlyArray<string>
  readonly kept: ReadonlyArray<{ readonly folder: string; readonly pid: number }>
}

/**
 * Removes the folders of emulators that no longer run. Entries it cannot attribute to an emulator
 * (no pid) are left alone; a folder another sweep removed meanwhile is no error.
 *
 * @internal
 */
export const sweep = (fs: FileSystem.FileSystem, under: string = root()): Effect.Effect<Sweep> =>
  Effect.gen(function*() {
    const names = yield* Effect.orElseSucceed(fs.readDirectory(under), () => [] as ReadonlyArray<string>)
    const removed: Array<string> = []
    const kept: Array<{ folder: string; pid: number }> = []
    for (const name of [...names].sort()) {
      const folder = NodePath.join(under, name)
      const pid = yield* ownerOf(fs, folder, name)
      if (pid === undefined) continue
      if (isAlive(pid)) {
        kept.push({ folder, pid })
        continue
      }
      yield* Effect.ignore(fs.remove(folder, { recursive: true }))
      removed.push(folder)
    }
    return { root: under, removed, kept }
  })

/**
 * A storage folder for this emulator (its owner folder's `uploads/`), removed with the owner folder
 * when the scope closes; the folders of dead emulators are swept first.
 *
 * @internal
 */
export const makeScoped = (fs: FileSystem.FileSystem) =>
  Effect.gen(function*() {
    const under = root()
    yield* fs.makeDirectory(under, { recursive: true, mode: 0o700 })
    yield* sweep(fs, under)
    const folder = yield* fs.makeTempDirectoryScoped({ directory: under, prefix: `${process.pid}-` })
    yield* fs.writeFileString(NodePath.join(folder, ownerFile), `${process.pid}\n`)
    const uploads = NodePath.join(folder, "uploads")
    yield* fs.makeDirectory(uploads)
    return uploads
  })
