/**
 * `tollgate reviewers add|list|remove`: the named reviewer credentials that may approve and
 * reject through the gateway API. A token is printed once; the state directory keeps only its
 * SHA-256 (`STATE/credentials/`, 0600), so a lost token is replaced, never recovered.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath, UsageError } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import { CredentialStore, safeJson } from "../gateway/mod.ts";
import { STATE_FLAG as STATE } from "./_flags.ts";
import { requireStateHome } from "./_project.ts";

/**
 * Register the `reviewers` command group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerReviewersCommands } from "./reviewers_command.ts";
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
 * registerReviewersCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["reviewers"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["add", "list", "remove"]);
 * ```
 */
export function registerReviewersCommands(program: Command, ctx: CliContext): void {
  const group = commandGroup(
    program,
    "reviewers",
    "Manage the reviewer credentials that may approve and reject over the API",
  );
  group.command("add").description("Add a reviewer; prints its token once (stdout)")
    .argument("<name>").option(...STATE)
    .action(async (name, o) => {
      await requireStateHome(ctx.cwd, o.state);
      const token = await store(ctx, o.state).addReviewer(name).catch((error: Error) => {
        if (error instanceof TypeError) throw new UsageError(error.message);
        // Rethrown as it is: runCli says a file-system error by its code.
        throw error;
      });
      ctx.out(`${token}\n`);
      ctx.err(
        `Reviewer "${name}" added. Keep the token above: it is shown once, and only its hash ` +
          `is stored. Send it as "Authorization: Bearer TOKEN" to approve or reject.\n`,
      );
    });
  group.command("list").description("List reviewers").option(...STATE).option("--json")
    .action(async (o) => {
      const reviewers = await store(ctx, o.state).listReviewers();
      if (o.json) {
        const rows = reviewers.map(({ name, created }) => ({ name, created }));
        return ctx.out(safeJson(rows, 2) + "\n");
      }
      if (reviewers.length === 0) return ctx.out("No reviewers\n");
      for (const r of reviewers) ctx.out(`${r.name}  added ${r.created}\n`);
    });
  group.command("remove").description("Remove a reviewer; its token stops working at once")
    .argument("<name>").option(...STATE)
    .action(async (name, o) => {
      if (!(await store(ctx, o.state).removeReviewer(name))) {
        throw new CliFailure(`No reviewer "${name}"`);
      }
      ctx.out(`OK Reviewer "${name}" removed.\n`);
    });
}

function store(ctx: CliContext, state: string): CredentialStore {
  return new CredentialStore(resolveUserPath(ctx, state));
}
