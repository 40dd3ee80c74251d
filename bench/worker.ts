/**
 * A worker process: runs one task, given as JSON in the first argument, and prints its result as one
 * marked JSON line. One process per run, so that each run's peak memory is its own. With
 * `BENCH_HEAP_SNAPSHOT=<dir>` it also writes a heap snapshot there once the timed part is done.
 */
import { writeHeapSnapshot } from "node:v8"
import type { Task } from "./Task.js"
import { resultMarker } from "./Task.js"

const task: Task = JSON.parse(process.argv[2] ?? "")
const tasks = task.client === "sdk" ? await import("./SdkTasks.js") : await import("./BaselineTasks.js")
const result = await tasks.run(task.target, task.workload)
const snapshots = process.env.BENCH_HEAP_SNAPSHOT
if (snapshots !== undefined) {
  writeHeapSnapshot(`${snapshots}/${task.client}-${task.workload._tag}-${process.pid}.heapsnapshot`)
}
process.stdout.write(`${resultMarker}${JSON.stringify(result)}\n`)
