/**
 * A command group (`proposals`, `leases`, `policy`, ...): a command that only holds
 * subcommands.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "./context.ts";

/** Options of {@linkcode commandGroup}. */
export interface GroupOptions {
  /**
   * What the usage error tells a person to run, e.g. `sandbox run --policy NAME -- CMD ARGS...`
   * (default: the group's name and every subcommand's, `leases list|revoke|sweep`).
   */
  usage?: string;
}

/**
 * Add group `name` to `program`. Run without a subcommand, or with one it does not have, it
 * fails with one usage line that says what to run (commander's own answers were "too many
 * arguments for 'proposals'. Expected 0 arguments but got 1." and, for a group without an
 * action, its whole help).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { commandGroup } from "./_command_group.ts";
 *
 * const group = commandGroup(new Command(), "leases", "Scoped rules");
 * group.command("list");
 * assert.equal(group.description(), "Scoped rules");
 * await assert.rejects(group.parseAsync([], { from: "user" }), /Missing subcommand: use "leases list"/);
 * await assert.rejects(
 *   group.parseAsync(["lst"], { from: "user" }),
 *   /Unknown subcommand "lst": use "leases list"/,
 * );
 * ```
 */
export function commandGroup(
  program: Command,
  name: string,
  description: string,
  options: GroupOptions = {},
): Command {
  const group: Command = program.command(name).description(description)
    // Extra words reach the action, which names the unknown subcommand.
    .allowExcessArguments()
    .action((_options, command) => {
      const [word] = command.args;
      const what = word === undefined ? "Missing subcommand" : `Unknown subcommand ${quoted(word)}`;
      // Read from the group itself, so a subcommand added later is never missing from it.
      const use = options.usage ?? `${name} ${group.commands.map((c) => c.name()).join("|")}`;
      throw new UsageError(`${what}: use "${use}"`);
    });
  return group;
}

function quoted(word: string): string {
  return JSON.stringify(word.length > 40 ? `${word.slice(0, 40)}…` : word);
}
