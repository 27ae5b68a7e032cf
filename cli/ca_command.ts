/**
 * `tollgate ca`: where the proxy's CA certificate is (created on first use), so that a person
 * or a sandbox can trust it.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath } from "./context.ts";
import { CertificateAuthority } from "../proxy/mod.ts";
import { STATE_FLAG } from "./_flags.ts";
import { requireStateHome } from "./_project.ts";

/**
 * Register `ca [--state DIR]`: print the CA certificate path, creating the CA if needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerCaCommands } from "./ca_command.ts";
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
 * registerCaCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["ca"]);
 * ```
 */
export function registerCaCommands(program: Command, ctx: CliContext): void {
  program
    .command("ca")
    .description("Print the path of the proxy's CA certificate (created on first use)")
    .option(...STATE_FLAG)
    .action(async (options) => {
      await requireStateHome(ctx.cwd, options.state);
      const ca = await CertificateAuthority.loadOrCreate(resolveUserPath(ctx, options.state));
      ctx.out(`${ca.certPath}\n`);
    });
}
