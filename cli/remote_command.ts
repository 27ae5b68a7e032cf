/**
 * `tollgate remote install-hook`: make a bare policy remote tell the gateways when its branch
 * moves (a `post-receive` hook that POSTs an empty change signal to each gateway).
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, UsageError } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import { collect } from "./_flags.ts";
import { installPostReceiveHook } from "../gateway/mod.ts";

/**
 * Register `remote install-hook --repo DIR --gateway URL…`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerRemoteCommands } from "./remote_command.ts";
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
 * registerRemoteCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["remote"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["install-hook"]);
 * ```
 */
export function registerRemoteCommands(program: Command, ctx: CliContext): void {
  const remote = commandGroup(program, "remote", "Manage the shared policy remote");
  remote.command("install-hook")
    .description("Install a post-receive hook that signals the gateways after every push")
    .requiredOption("--repo <dir>", "the bare repository on the remote host")
    .option("--gateway <url>", "a gateway's hook URL (repeatable)", collect, [])
    .action(async (o) => {
      if (o.gateway.length === 0) throw new UsageError("Give at least one --gateway URL");
      const path = await installPostReceiveHook(resolveUserPath(ctx, o.repo), o.gateway)
        .catch((error) => {
          throw new UsageError((error as Error).message);
        });
      ctx.out(`Installed ${path} (notifies ${o.gateway.length} gateway(s))\n`);
    });
}
