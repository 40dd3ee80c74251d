/**
 * Summarises V8 CPU profiles (`pnpm bench --cpu-prof` writes them to `bench/.bench-tmp/profiles`): the
 * busy time by package (Effect, @effect/platform, the SDK, undici, node, GC, module loading) and the
 * functions with the most self time, so that an SDK run and a baseline run can be read side by side.
 *
 *   npx tsx bench/profileSummary.ts [--top N] FILE.cpuprofile...
 */
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import { parseArgs } from "node:util"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const categories: ReadonlyArray<readonly [string, RegExp]> = [
  ["effect", /\/effect\/(dist|src)\//],
  ["@effect/platform-node", /@effect\/platform-node/],
  ["@effect/platform", /@effect\/platform\//],
  ["undici", /undici\/lib\//],
  ["sdk", /\/js\/sdk\//],
  ["emulator", /\/js\/emulator\//],
  ["bench", /\/js\/bench\//],
  ["module loading", /^node:internal\/modules\//]
]

const category = ({ functionName, url }: CallFrame): string => {
  if (functionName === "(idle)") return "idle"
  if (functionName === "(garbage collector)") return "garbage collector"
  if (functionName === "(program)") return "program"
  for (const [name, pattern] of categories) if (pattern.test(url)) return name
  return url === "" || url.startsWith("node:") ? "node and native" : "other"
}

const where = ({ functionName, lineNumber, url }: CallFrame): string =>
  `${functionName || "(anonymous)"} ${
    url.replace(/.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/.*\/js\//, "")
  }:${lineNumber + 1}`

const ms = (micros: number): string => (micros / 1000).toFixed(0).padStart(7)

const summarize = (file: string, top: number): string => {
  const profile: Profile = JSON.parse(readFileSync(file, "utf8"))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const byCategory = new Map<string, number>()
  const bySelf = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    const delta = profile.timeDeltas[i] ?? 0
    if (frame === undefined) return
    total += delta
    const name = category(frame)
    byCategory.set(name, (byCategory.get(name) ?? 0) + delta)
    if (name !== "idle") bySelf.set(where(frame), (bySelf.get(where(frame)) ?? 0) + delta)
  })
  const busy = total - (byCategory.get("idle") ?? 0)
  const share = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1])
  return [
    `${basename(file)}: ${ms(total).trim()} ms sampled, ${ms(busy).trim()} ms busy`,
    ...sorted(byCategory).filter(([name]) => name !== "idle").map(([name, t]) =>
      `  ${name.padEnd(22)} ${ms(t)} ms ${share(t)}`
    ),
    `  top ${top} functions by self time:`,
    ...sorted(bySelf).slice(0, top).map(([name, t]) => `  ${ms(t)} ms ${share(t)}  ${name}`)
  ].join("\n")
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } }
})
for (const file of positionals) console.log(summarize(file, Number(values.top)), "\n")
