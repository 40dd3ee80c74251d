import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Argv from "../src/Argv.js"
import * as Cli from "../src/Cli.js"

const check = (...args: ReadonlyArray<string>): string =>
  Either.match(Argv.check(Cli.grammar, args), { onLeft: Argv.describe, onRight: () => "ok" })

const firstLine = (...args: ReadonlyArray<string>): string => check(...args).split("\n")[0]!

describe("Argv", () => {
  it("reads the whole command tree: commands, their options and whether they take arguments", () => {
    const paths = (grammar: Argv.Grammar): Array<string> => [
      grammar.path.join(" "),
      ...grammar.subcommands.flatMap(paths)
    ]
    assert.deepStrictEqual(paths(Cli.grammar), [
      "deepset-upload",
      "deepset-upload sessions",
      "deepset-upload sessions list",
      "deepset-upload sessions status",
      "deepset-upload sessions files",
      "deepset-upload sessions close"
    ])
    const names = (grammar: Argv.Grammar) => grammar.options.flatMap((flag) => flag.names)
    for (const name of ["--concurrency", "-c", "--max-files-per-session", "--allow-insecure-http", "--write-mode"]) {
      assert.include(names(Cli.grammar), name)
    }
    assert.isTrue(Cli.grammar.takesArguments)
    const sessions = Cli.grammar.subcommands[0]!
    assert.isFalse(sessions.takesArguments)
    assert.include(names(sessions.subcommands.find((c) => c.path.at(-1) === "close")!), "--all-open")
    const concurrency = Cli.grammar.options.find((flag) => flag.names.includes("--concurrency"))!
    assert.isTrue(concurrency.takesValue)
    assert.isFalse(Cli.grammar.options.find((flag) => flag.names.includes("--wait"))!.takesValue)
    assert.includeMembers(Argv.builtIns.flatMap((flag) => flag.names), ["--help", "-h", "--version"])
  })

  it("an unknown option is named with the closest known one, wherever it stands", () => {
    assert.strictEqual(
      check("--concurency", "4", "docs"),
      "unknown option --concurency; did you mean --concurrency?\nSee deepset-upload --help."
    )
    assert.strictEqual(
      firstLine("docs", "--concurency", "4"),
      "unknown option --concurency; did you mean --concurrency?"
    )
    assert.strictEqual(firstLine("docs", "--wiat"), "unknown option --wiat; did you mean --wait?")
    assert.strictEqual(
      firstLine("--wirte-mode=KEEP", "docs"),
      "unknown option --wirte-mode; did you mean --write-mode?"
    )
    assert.strictEqual(check("--bogus", "docs"), "unknown option --bogus\nSee deepset-upload --help.")
    assert.strictEqual(firstLine("-x", "docs"), "unknown option -x")
    assert.strictEqual(
      firstLine("-concurrency", "4", "docs"),
      "unknown option -concurrency; did you mean --concurrency?"
    )
    assert.strictEqual(
      check("sessions", "list", "--limt", "3"),
      "unknown option --limt; did you mean --limit?\nSee deepset-upload sessions list --help."
    )
  })

  it("an unknown subcommand is named with the closest one and the list of commands", () => {
    assert.strictEqual(
      check("sessions", "lst"),
      "unknown command sessions lst; did you mean list?\nCommands: list, status, files, close. " +
        "See deepset-upload sessions --help."
    )
    assert.strictEqual(firstLine("sessions", "delete", "x"), "unknown command sessions delete")
  })

  it("an option of a subcommand given before the subcommand's name is said to belong there", () => {
    assert.strictEqual(
      check("--limit", "3", "sessions", "list"),
      "--limit goes after the command's name: it is an option of sessions list.\n" +
        "See deepset-upload sessions list --help."
    )
  })

  it("accepts what the parser accepts", () => {
    for (
      const args of [
        ["docs", "--concurrency", "4", "-r", "--wait", "--timeout", "90s"],
        ["--write-mode=OVERWRITE", "docs"],
        ["-w", "docs", "sessions", "list", "--active", "-n", "5"],
        // A leaf also takes the options of the commands above it (the parser hands them up).
        ["sessions", "list", "--api-url", "http://127.0.0.1:1", "--JSON"],
        ["sessions", "close", "--all-open"],
        ["sessions", "status", "3f2b8a4e-0000-4000-8000-000000000000"],
        ["--help"],
        ["sessions", "--help"],
        ["--version"],
        // Values are the option's whatever they look like; `--` ends the options.
        ["--workspace", "--odd-name", "docs"],
        ["--", "--a-file-named-like-a-flag", "-x"],
        // A word that is not a subcommand is a path at the root: the parser checks that it exists.
        ["lst"],
        ["sessions.txt"],
        ["-"]
      ]
    ) assert.strictEqual(check(...args), "ok", args.join(" "))
  })

  it("grouped short flags must each be a flag without a value", () => {
    assert.strictEqual(check("-rh"), "ok")
    assert.strictEqual(firstLine("-rw", "docs"), "unknown option -rw; did you mean -r -w?")
    assert.strictEqual(firstLine("-rq", "docs"), "unknown option -rq")
  })
})
