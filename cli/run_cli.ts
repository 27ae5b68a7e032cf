/**
 * The `tollgate` dispatcher: `--version`, the top-level help and a mistyped command are
 * answered from the command table; any other command line imports commander and the one
 * command group it names (`run_program.ts`). So `tollgate --version` loads this file, the
 * table and the help text, and no command's modules, no package and no `node:` module.
 *
 * @module
 */

import type { CliContext } from "./context.ts";
import { COMMANDS } from "./command_table.ts";
import { topHelp, unknownCommand } from "./top_help.ts";
import config from "../deno.json" with { type: "json" };

/**
 * Run the CLI with arguments (without the program name) and return the exit code: 0 ok, 1
 * failed operation, 2 bad usage, each error one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "./run_cli.ts";
 *
 * let help = "";
 * const code = await runCli(["policy", "--help"], {
 *   cwd: "/",
 *   env: {},
 *   out: (text) => void (help += text),
 *   err: (text) => void (help += text),
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * });
 * assert.equal(code, 0);
 * assert(help.includes("validate"));
 * ```
 */
export async function runCli(args: string[], ctx: CliContext): Promise<number> {
  const answered = answerFromTable(args, ctx);
  if (answered !== undefined) return answered;
  // A computed specifier: a literal import() would have Deno read commander's and the
  // command table's whole graph before `--version` could answer.
  const url = new URL("./run_program.ts", import.meta.url).href;
  const { runProgram }: typeof import("./run_program.ts") = await import(url);
  return await runProgram(args, ctx);
}

/** The exit code of a command line the table answers alone, or undefined. */
function answerFromTable(args: string[], ctx: CliContext): number | undefined {
  const [first] = args;
  if (args.length === 1 && (first === "--version" || first === "-V")) {
    ctx.out(`${config.version}\n`);
    return 0;
  }
  // No command at all is bad usage (2) that shows the help; asking for it is not.
  if (args.length === 0 || (args.length === 1 && (first === "--help" || first === "-h"))) {
    ctx.out(topHelp(helpWidth()));
    return args.length === 0 ? 2 : 0;
  }
  // An unknown first word with no flag after it: a flag (`bogus --help`) is commander's.
  const unknown = first !== undefined && /^[^-]/.test(first) && first !== "help" &&
    !Object.hasOwn(COMMANDS, first) && args.every((arg) => !arg.startsWith("-"));
  if (unknown) {
    ctx.err(`${unknownCommand(first)}\n`);
    return 2;
  }
  return undefined;
}

/** The width commander wraps help to: the terminal's on a terminal, else 80 columns. */
function helpWidth(): number {
  try {
    return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : 80;
  } catch {
    return 80;
  }
}
