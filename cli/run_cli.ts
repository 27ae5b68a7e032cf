/**
 * Builds the `tollgate` program from the command modules and runs it, mapping every error to
 * one line and an exit code (0 ok, 1 failed operation, 2 bad usage).
 *
 * @module
 */

import { Command, CommanderError } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, UsageError } from "./context.ts";
import { registerCommands } from "./commands.ts";
import config from "../deno.json" with { type: "json" };

/**
 * Commander's `Command`, under a name of our own: documenting commander's declarations is
 * commander's job, and `@ignore` keeps `deno doc --lint` from walking them.
 *
 * @ignore
 */
type Program = Command;

/**
 * Build the commander program for a context.
 *
 * @example
 * ```ts
 * import { buildProgram } from "./run_cli.ts";
 * ```
 */
export function buildProgram(ctx: CliContext): Program {
  const program = new Command("tollgate")
    .description("Agent-driven network policy management for AI agents")
    .version(config.version)
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
    });
  registerCommands(program, ctx);
  return program;
}

/**
 * Run the CLI with arguments (without the program name) and return the exit code.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "./run_cli.ts";
 * const code = await runCli(["--help"], ctx);
 * ```
 */
export async function runCli(args: string[], ctx: CliContext): Promise<number> {
  let code = 0;
  const inner: CliContext = { ...ctx, setExitCode: (c) => (code = Math.max(code, c)) };
  const program = buildProgram(inner);
  if (args.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    return Math.max(code, exitCodeFor(error, inner));
  }
  return code;
}

function exitCodeFor(error: unknown, ctx: CliContext): number {
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
  const message = error instanceof Error ? error.message : String(error);
  ctx.err(`error: ${message.split("\n")[0]}\n`);
  return 1;
}
