/**
 * A command group (`proposals`, `leases`, `reviewers`): a command that only holds subcommands.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { missingSubcommand } from "./context.ts";

/**
 * Add group `name` to `program`; run without a subcommand, it fails with a usage error that
 * names them.
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
 * ```
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  const group: Command = program.command(name).description(description)
    .action(() => {
      throw missingSubcommand(group);
    });
  return group;
}
