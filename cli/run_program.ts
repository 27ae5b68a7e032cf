/**
 * Builds the `tollgate` program from the command modules and runs it, mapping every error to
 * one line and an exit code (0 ok, 1 failed operation, 2 bad usage). `runCli()` imports this
 * module only for a command line it cannot answer from the command table, and this module
 * imports only the command group that line names.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, UsageError } from "./context.ts";
import { registerCommands } from "./commands.ts";
import { PROGRAM_DESCRIPTION } from "./command_table.ts";
import { requireOptionsLast } from "./_required_options.ts";
import config from "../deno.json" with { type: "json" };

/**
 * Commander's `Command`, under a name of our own: documenting commander's declarations is
 * commander's job, and `@ignore` keeps `deno doc --lint` from walking them.
 *
 * @ignore
 */
type Program = Command;

/**
 * Build the commander program for a context, with the command groups `args` needs (every
 * group when `args` is not given).
 *
 * @example
 * ```ts
 * import { buildProgram } from "./run_program.ts";
 * ```
 */
export async function buildProgram(ctx: CliContext, args?: string[]): Promise<Program> {
  const { Command } = await import("@commander-js/extra-typings");
  const program = new Command("tollgate")
    .description(PROGRAM_DESCRIPTION)
    .version(config.version)
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      // Commander puts its "(Did you mean --listen?)" on a second line: keep errors one line.
      outputError: (s, write) => write(`${s.trimEnd().replaceAll("\n", " ")}\n`),
    });
  await registerCommands(program, ctx, args);
  requireOptionsLast(program);
  return program;
}

/**
 * Run a command line with commander and the command groups it names, and return the exit
 * code: what `runCli()` does for any line the command table alone cannot answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProgram } from "./run_program.ts";
 *
 * let help = "";
 * const code = await runProgram(["policy", "--help"], {
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
export async function runProgram(args: string[], ctx: CliContext): Promise<number> {
  let code = 0;
  const inner: CliContext = { ...ctx, setExitCode: (c) => (code = Math.max(code, c)) };
  const program = await buildProgram(inner, args);
  if (args.length === 0) {
    program.outputHelp();
    return 2;
  }
  // The command that ran, so a failure offers only the flags it has.
  let acting: { options: readonly { long?: string }[] } | undefined;
  program.hook("preAction", (_program, action) => void (acting = action));
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    const { CommanderError } = await import("@commander-js/extra-typings");
    // Loaded only on failure, as commander's error class: it imports the policy module.
    const { failureMessage } = await load<typeof import("./_start_errors.ts")>(
      "./_start_errors.ts",
    );
    const stateFlag = acting?.options.some((option) => option.long === "--state") ?? false;
    const say = (failure: unknown) => failureMessage(failure, stateFlag);
    return Math.max(code, exitCodeFor(error, inner, { CommanderError, failureMessage: say }));
  }
  return code;
}

/**
 * Import by a computed specifier: a literal `import()` makes Deno read and parse the module's
 * whole graph (here the policy module) whenever this file loads, failure or not.
 */
function load<T>(path: string): Promise<T> {
  return import(new URL(path, import.meta.url).href);
}

function exitCodeFor(
  error: unknown,
  ctx: CliContext,
  { CommanderError, failureMessage }: {
    CommanderError: typeof import("@commander-js/extra-typings").CommanderError;
    failureMessage: (error: unknown) => string;
  },
): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its own one-line message.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    // "commander.help" is help shown because a subcommand was missing: bad usage.
    return 2;
  }
  if (error instanceof UsageError || error instanceof CliFailure) {
    ctx.err(`error: ${error.message}\n`);
    return error.exitCode;
  }
  ctx.err(`error: ${failureMessage(error)}\n`);
  return 1;
}
