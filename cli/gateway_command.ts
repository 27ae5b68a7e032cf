/**
 * `tollgate gateway`: run the control plane — the HTTP API and event stream on a loopback
 * address, over one policies directory, with its token and OCSF log in a state directory.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, UsageError } from "./context.ts";
import { parseListen, startGateway, TOKEN_FILE } from "../gateway/mod.ts";
import { collect } from "./_flags.ts";
import { notifyFlags } from "./_notify_flags.ts";

/**
 * Register `gateway --policies DIR --listen HOST:PORT --state DIR`.
 *
 * @example
 * ```ts ignore
 * registerGatewayCommands(program, ctx);
 * ```
 */
export function registerGatewayCommands(program: Command, ctx: CliContext): void {
  program.command("gateway").description("Run the gateway: proposals API, approvals, reload push")
    .option("--policies <dir>", "policies directory", "./policies")
    .option("--listen <host:port>", "loopback address to listen on", "127.0.0.1:8787")
    .option("--state <dir>", "state directory (token, logs)", "./.tollgate")
    .option("--notify <url>", "POST proposal events as JSON to URL (repeatable)", collect, [])
    .option("--public-url <url>", "address reviewers reach the gateway at (inbox links)")
    .action(async (o) => {
      try {
        parseListen(o.listen);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const stateDir = resolveUserPath(ctx, o.state);
      const gateway = await startGateway({
        policiesDir: resolveUserPath(ctx, o.policies),
        stateDir,
        listen: o.listen,
        ...notifyFlags(ctx, o),
      });
      ctx.out(`Gateway listening on ${gateway.url} (token in ${stateDir}/${TOKEN_FILE})\n`);
      ctx.out(`Inbox: ${gateway.url}/inbox (sign in with a token from "tollgate reviewers add")\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await gateway.close();
      ctx.out("Gateway stopped\n");
    });
}
