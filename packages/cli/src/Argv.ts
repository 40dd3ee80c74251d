/**
 * The command line checked before `@effect/cli` parses it. The parser takes an option it does not know
 * for a positional argument (`--concurency 4` becomes the path `--concurency`) and a misspelt
 * subcommand for a mismatch of the whole tree, so an unknown name is caught here first and reported as
 * what it is, with the closest known name. What is known comes from the command tree itself: its
 * commands, their options and `@effect/cli`'s built-in options, read from the descriptors.
 *
 * @since 0.1.0
 */
import * as AutoCorrect from "@effect/cli/AutoCorrect"
import * as BuiltInOptions from "@effect/cli/BuiltInOptions"
import * as CliConfig from "@effect/cli/CliConfig"
import type * as Command from "@effect/cli/Command"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Usage from "@effect/cli/Usage"
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

/**
 * An option as the command line may spell it: every name (`--concurrency`, `-c`), and whether a
 * value follows it.
 *
 * @since 0.1.0
 */
export interface Flag {
  readonly names: ReadonlyArray<string>
  readonly takesValue: boolean
}

/**
 * One command of the tree: its words from the program name down, its own options, whether it takes
 * positional arguments, and its subcommands.
 *
 * @since 0.1.0
 */
export interface Grammar {
  readonly path: Arr.NonEmptyReadonlyArray<string>
  readonly options: ReadonlyArray<Flag>
  readonly takesArguments: boolean
  readonly subcommands: ReadonlyArray<Grammar>
}

// The nesting of a descriptor as @effect/cli (exact-pinned) builds it. The public API answers names
// and usage for one command, but lists only the direct children of a tree and not theirs, so the
// nesting is read here; all else goes through the public accessors. Argv.test holds this to the tree.
type Node =
  | { readonly _tag: "Standard" | "GetUserInput" }
  | { readonly _tag: "Map"; readonly command: Node }
  | { readonly _tag: "Subcommands"; readonly parent: Node; readonly children: ReadonlyArray<Node> }

const node = (descriptor: Descriptor.Command<unknown>): Node => descriptor as unknown as Node

const flagsAndArguments = (usage: Usage.Usage): { flags: Array<Flag>; arguments: number } => {
  switch (usage._tag) {
    case "Empty":
    case "Mixed":
      return { flags: [], arguments: 0 }
    case "Named":
      // Options are named with their dashes; arguments by their pseudo-name (`<paths>`).
      return usage.names.some((name) => name.startsWith("-"))
        ? { flags: [{ names: usage.names, takesValue: Option.isSome(usage.acceptedValues) }], arguments: 0 }
        : { flags: [], arguments: 1 }
    case "Optional":
    case "Repeated":
      return flagsAndArguments(usage.usage)
    case "Alternation":
    case "Concat": {
      const left = flagsAndArguments(usage.left)
      const right = flagsAndArguments(usage.right)
      return { flags: [...left.flags, ...right.flags], arguments: left.arguments + right.arguments }
    }
  }
}

const grammarOf = (descriptor: Descriptor.Command<unknown>, parent: ReadonlyArray<string>): Grammar => {
  const self = node(descriptor)
  switch (self._tag) {
    case "Map":
      return grammarOf(self.command as unknown as Descriptor.Command<unknown>, parent)
    case "Subcommands": {
      const own = grammarOf(self.parent as unknown as Descriptor.Command<unknown>, parent)
      return {
        ...own,
        subcommands: self.children.map((child) => grammarOf(child as unknown as Descriptor.Command<unknown>, own.path))
      }
    }
    default: {
      const name = Arr.fromIterable(Descriptor.getNames(descriptor))[0] ?? ""
      // A command's usage is its name followed by its options and arguments.
      const usage = Descriptor.getUsage(descriptor)
      const rest = usage._tag === "Concat" && usage.left._tag === "Named" ? usage.right : Usage.empty
      const { arguments: count, flags } = flagsAndArguments(rest)
      return { path: Arr.append(parent, name), options: flags, takesArguments: count > 0, subcommands: [] }
    }
  }
}

/**
 * The grammar of a command tree, as `Command.withSubcommands` assembled it.
 *
 * @since 0.1.0
 */
export const grammar = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>): Grammar =>
  grammarOf(command.descriptor as Descriptor.Command<unknown>, [])

/**
 * The options `@effect/cli` adds to every command (`--help`, `-h`, `--version`, `--wizard`,
 * `--completions`, `--log-level`).
 *
 * @since 0.1.0
 */
export const builtIns: ReadonlyArray<Flag> = flagsAndArguments(
  Options.getUsage(BuiltInOptions.builtInOptions(Descriptor.make("builtins"), Usage.empty, HelpDoc.empty))
).flags

/**
 * What is wrong with a command line: an option no command of the tree has, one that belongs to a
 * subcommand but comes before its name, or a subcommand that does not exist.
 *
 * @since 0.1.0
 */
export type Problem =
  | {
    readonly _tag: "UnknownOption"
    readonly option: string
    readonly command: Grammar
    readonly suggestion: Option.Option<string>
  }
  | {
    readonly _tag: "MisplacedOption"
    readonly option: string
    readonly command: Grammar
    /** The subcommands that take it. */
    readonly owners: Arr.NonEmptyReadonlyArray<Grammar>
  }
  | {
    readonly _tag: "UnknownCommand"
    readonly name: string
    readonly command: Grammar
    readonly suggestion: Option.Option<string>
  }

const closest = (
  typed: string,
  candidates: ReadonlyArray<string>,
  config: CliConfig.CliConfig
): Option.Option<string> => {
  let best: Option.Option<readonly [string, number]> = Option.none()
  for (const candidate of candidates) {
    const distance = AutoCorrect.levensteinDistance(typed, candidate, config)
    if (
      distance <= config.autoCorrectLimit && Option.match(best, { onNone: () => true, onSome: ([, d]) => distance < d })
    ) {
      best = Option.some([candidate, distance] as const)
    }
  }
  return Option.map(best, ([name]) => name)
}

const descendants = (command: Grammar): Array<Grammar> =>
  command.subcommands.flatMap((child) => [child, ...descendants(child)])

/**
 * Checks `args` (the words after the program name) against the grammar: every option must be known
 * where it stands, and a command that takes no arguments of its own must be followed by one of its
 * subcommands. Values, arguments and the order of options are left to the parser. `--` ends the
 * options; a word that does not start with `-` is an argument or a subcommand, never an option.
 *
 * @since 0.1.0
 */
export const check = (
  root: Grammar,
  args: ReadonlyArray<string>,
  config: CliConfig.CliConfig = CliConfig.defaultConfig
): Either.Either<void, Problem> => {
  const normalize = (name: string) => CliConfig.normalizeCase(config, name)
  let command = root
  let ancestors: Array<Grammar> = []
  // A subcommand without subcommands of its own also takes its ancestors' options (the parser hands
  // what it leaves to the parent); one with subcommands takes only its own before the next name.
  const known = (): ReadonlyArray<Flag> => [
    ...command.options,
    ...(command.subcommands.length === 0 ? ancestors.flatMap((ancestor) => ancestor.options) : []),
    ...builtIns
  ]
  const find = (name: string): Flag | undefined =>
    known().find((flag) => flag.names.some((candidate) => normalize(candidate) === normalize(name)))
  const unknown = (option: string, suggestion: Option.Option<string> = Option.none()): Problem => {
    const owners = descendants(command).filter((child) =>
      child.options.some((flag) => flag.names.some((name) => normalize(name) === normalize(option)))
    )
    return Arr.isNonEmptyReadonlyArray(owners)
      ? { _tag: "MisplacedOption", option, command, owners }
      : {
        _tag: "UnknownOption",
        option,
        command,
        suggestion: Option.orElse(
          suggestion,
          () => closest(option, known().flatMap((flag) => flag.names.filter((name) => name.startsWith("--"))), config)
        )
      }
  }

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") break
    if (arg.startsWith("--")) {
      // `--name=value` carries its value.
      const [name] = arg.split("=", 1) as [string]
      const flag = find(name)
      if (flag === undefined) return Either.left(unknown(name))
      if (flag.takesValue && name === arg) i++
    } else if (arg.startsWith("-") && arg.length > 1) {
      const flag = find(arg)
      if (flag !== undefined) {
        if (flag.takesValue) i++
        continue
      }
      // `-rj` is `-r -j` when each letter is a flag without a value. A flag that takes one cannot be
      // grouped (the parser cannot either): `-rw x` is suggested apart, as `-r -w`.
      const letters = arg.slice(1).split("").map((letter) => `-${letter}`)
      const flags = letters.map(find)
      if (arg.length === 2 || flags.some((letter) => letter === undefined)) return Either.left(unknown(arg))
      if (flags.some((letter) => letter!.takesValue)) return Either.left(unknown(arg, Option.some(letters.join(" "))))
    } else {
      const child = command.subcommands.find((subcommand) => Arr.lastNonEmpty(subcommand.path) === arg)
      if (child !== undefined) {
        ancestors = [...ancestors, command]
        command = child
      } else if (command.subcommands.length > 0 && !command.takesArguments) {
        return Either.left({
          _tag: "UnknownCommand",
          name: arg,
          command,
          suggestion: closest(arg, command.subcommands.map((subcommand) => Arr.lastNonEmpty(subcommand.path)), config)
        })
      }
    }
  }
  return Either.void
}

const words = (command: Grammar): string => command.path.join(" ")

/**
 * A problem as the CLI says it: what is wrong on the first line, where to look on the second.
 *
 * @since 0.1.0
 */
export const describe = (problem: Problem): string => {
  const help = `See ${words(problem.command)} --help.`
  switch (problem._tag) {
    case "UnknownOption":
      return Option.match(problem.suggestion, {
        onNone: () => `unknown option ${problem.option}\n${help}`,
        onSome: (name) => `unknown option ${problem.option}; did you mean ${name}?\n${help}`
      })
    case "MisplacedOption":
      return `${problem.option} goes after the command's name: it is an option of ${
        problem.owners.map((owner) => owner.path.slice(1).join(" ")).join(", ")
      }.\nSee ${words(problem.owners[0])} --help.`
    case "UnknownCommand": {
      // The words after the program name, as typed: `sessions lst`.
      const typed = [...problem.command.path.slice(1), problem.name].join(" ")
      const commands = `Commands: ${
        problem.command.subcommands.map((child) => Arr.lastNonEmpty(child.path)).join(", ")
      }.`
      return Option.match(problem.suggestion, {
        onNone: () => `unknown command ${typed}\n${commands} ${help}`,
        onSome: (name) => `unknown command ${typed}; did you mean ${name}?\n${commands} ${help}`
      })
    }
  }
}
