/**
 * Required options checked after unknown ones. Commander checks `requiredOption`s before it
 * looks for unknown options, so `up --polcy agent` said "required option '--policy <name>' not
 * specified" and never named the misspelled `--polcy`; checked here, just before the action,
 * the misspelling is named first, with commander's suggestion of the flag meant.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "./context.ts";

/**
 * Take over the required-option check of `program` and every command under it: each
 * `requiredOption` becomes an ordinary option for commander's parse, and a `preAction` hook
 * refuses a missing one with commander's own words (exit 2), once unknown options have been
 * refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { requireOptionsLast } from "./_required_options.ts";
 *
 * const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
 * program.command("up").requiredOption("--policy <name>").action(() => {});
 * requireOptionsLast(program);
 * await assert.rejects(
 *   program.parseAsync(["up", "--polcy", "agent"], { from: "user" }),
 *   /unknown option '--polcy'/,
 * );
 * await assert.rejects(
 *   program.parseAsync(["up"], { from: "user" }),
 *   /required option '--policy <name>' not specified/,
 * );
 * ```
 */
export function requireOptionsLast(program: Command): void {
  const required = new Set<object>();
  for (const command of descendants(program)) {
    for (const option of command.options) {
      if (!option.mandatory) continue;
      option.mandatory = false;
      required.add(option);
    }
  }
  if (required.size === 0) return;
  program.hook("preAction", (_program, action) => {
    for (const option of action.options) {
      const missing = required.has(option) &&
        action.getOptionValue(option.attributeName()) === undefined;
      if (missing) throw new UsageError(`required option '${option.flags}' not specified`);
    }
  });
}

function descendants(command: Command): Command[] {
  return [command, ...command.commands.flatMap((c) => descendants(c as Command))];
}
