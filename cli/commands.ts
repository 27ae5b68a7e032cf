/**
 * Registers the command groups a command line needs, each loaded from the command table only
 * when it runs: `tollgate proposals list` loads only `proposals`.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import { COMMANDS } from "./command_table.ts";

/**
 * The command groups `args` needs: the one it names; none for a lone `--version`; every
 * group otherwise (help of a group through `help GROUP`, an option before the command), so
 * help lists them all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupsFor } from "./commands.ts";
 * assert.equal(groupsFor(["proposals", "list"]).join(), "proposals");
 * assert.equal(groupsFor(["--version"]).length, 0);
 * ```
 */
export function groupsFor(args: string[]): string[] {
  const first = args[0];
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (args.length === 1 && (first === "--version" || first === "-V")) return [];
  return Object.keys(COMMANDS);
}

/**
 * Register the command groups `args` needs on the program (all of them by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerCommands } from "./commands.ts";
 *
 * const ctx = {
 *   cwd: "/",
 *   env: {},
 *   out() {},
 *   err() {},
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * };
 * const program = new Command();
 * await registerCommands(program, ctx, ["proposals", "list"]);
 * assert(program.commands.some((c) => c.name() === "proposals"));
 * ```
 */
export async function registerCommands(
  program: Command,
  ctx: CliContext,
  args?: string[],
): Promise<void> {
  const names = args === undefined ? Object.keys(COMMANDS) : groupsFor(args);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]!.load()));
  for (const register of registers) register(program, ctx);
}
