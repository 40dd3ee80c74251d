import { PCGRandom } from "effect/Utils"
import type * as Fault from "../Fault.js"
import type { RouteName } from "../Inspection.js"

interface ActiveRule {
  readonly rule: Fault.Rule
  readonly patterns: ReadonlyArray<RegExp> | undefined
  /** The next step of a sequence rule. */
  next: number
}

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    "^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$",
    "s"
  )

/**
 * Decides, request by request, which fault (if any) to inject. Rates draw from a generator seeded
 * apart from the id generator, so that adding a fault does not change the ids a run hands out.
 *
 * @internal
 */
export class FaultEngine {
  private rules: Array<ActiveRule> = []
  private random: PCGRandom

  constructor(private readonly seed: number) {
    this.random = new PCGRandom(0x5eed, seed >>> 0)
  }

  set(rules: ReadonlyArray<Fault.Rule>): void {
    this.rules = []
    this.add(rules)
  }

  add(rules: ReadonlyArray<Fault.Rule>): void {
    for (const rule of rules) {
      const match = rule.match
      const patterns = match === undefined
        ? undefined
        : (typeof match === "string" ? [match] : match).map(globToRegExp)
      this.rules.push({ rule, patterns, next: 0 })
    }
  }

  reset(): void {
    this.rules = []
    this.random = new PCGRandom(0x5eed, this.seed >>> 0)
  }

  /** The rules with what is left of each sequence. */
  current(): ReadonlyArray<Fault.Rule> {
    const out: Array<Fault.Rule> = []
    for (const { next, rule } of this.rules) {
      if (!("sequence" in rule)) out.push(rule)
      else if (next < rule.sequence.length) out.push({ ...rule, sequence: rule.sequence.slice(next) })
    }
    return out
  }

  /** The fault for this request; `filename` is known only on `s3`, where rules may match on it. */
  next(route: RouteName, filename: string | undefined): Fault.Fault | undefined {
    for (const active of this.rules) {
      const rule = active.rule
      if (rule.route !== "*" && rule.route !== route) continue
      if (active.patterns !== undefined) {
        if (filename === undefined || !active.patterns.some((p) => p.test(filename))) continue
      }
      if ("sequence" in rule) {
        const step = rule.sequence[active.next]
        if (step === undefined) continue
        active.next++
        return step._tag === "Pass" ? undefined : step
      }
      const rate = rule.rate ?? 1
      if (rate >= 1 || this.random.number() < rate) return rule.fault
    }
    return undefined
  }
}
