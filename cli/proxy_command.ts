/**
 * `tollgate proxy`: one enforcing proxy for one sandbox policy, with hot reload, the OCSF log
 * and policy.local; the composition root of the data plane.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath } from "./context.ts";
import { gatewayLink } from "./_gateway_link.ts";
import { reportScopedRules } from "./_scoped_rules.ts";
import { MAX_CLIENT_CONNECTIONS, startProxyService } from "../proxy/mod.ts";
import {
  checkListen,
  GATEWAY_FLAG,
  GATEWAY_TOKEN_FILE_FLAG,
  parsePositiveInt,
  POLICIES_FLAG,
  RESOLVE_FLAG,
  STATE_FLAG,
  untilAborted,
  UPSTREAM_CA_FLAG,
} from "./_flags.ts";
import { LOG_FLAGS, parseLogFlags } from "./_log_flags.ts";
import { checkProxyFlags } from "./_proxy_flags.ts";
import { listenFailure, startFailure } from "./_start_errors.ts";
import { requirePolicy } from "./_project.ts";

/**
 * Register `proxy --policy NAME [--policies DIR] [--listen HOST:PORT] [--state DIR]
 * [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]… [--gateway URL] [--allow-remote]
 * [--max-connections N] [--log-max-mb MB] [--log-keep-days DAYS] [--log-budget-mb MB] [--log-rate-kb KB]`. Prints
 * one ready line, then runs until interrupted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerProxyCommands } from "./proxy_command.ts";
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
 * registerProxyCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["proxy"]);
 * ```
 */
export function registerProxyCommands(program: Command, ctx: CliContext): void {
  program
    .command("proxy")
    .description("Run the enforcing proxy for one sandbox policy (POLICIES/NAME.yaml)")
    .requiredOption("--policy <name>", "policy name (POLICIES/NAME.yaml)")
    .option(...POLICIES_FLAG)
    .option("--listen <host:port>", "listen address (loopback only)", "127.0.0.1:3128")
    .option(...STATE_FLAG)
    .option(...RESOLVE_FLAG)
    .option(...UPSTREAM_CA_FLAG)
    .option(...GATEWAY_FLAG)
    .option(...GATEWAY_TOKEN_FILE_FLAG)
    .option("--allow-remote", "allow a non-loopback listen address")
    .option(
      "--max-connections <n>",
      "client connections served at once; more are answered 503",
      String(MAX_CLIENT_CONNECTIONS),
    )
    .option(...LOG_FLAGS.maxMb)
    .option(...LOG_FLAGS.keepDays)
    .option(...LOG_FLAGS.budgetMb)
    .option(...LOG_FLAGS.rateKb)
    .action(async (options) => {
      const listen = checkListen(options.listen, "--listen", {
        allowed: options.allowRemote === true,
        hint: "pass --allow-remote to insist",
      });
      const logs = parseLogFlags(options);
      const maxConnections = parsePositiveInt(options.maxConnections, "--max-connections");
      const { upstream, gateway, gatewayTokenFile } = await checkProxyFlags(ctx, options);
      const policiesDir = resolveUserPath(ctx, options.policies);
      const stateDir = resolveUserPath(ctx, options.state);
      const flags = { gateway, gatewayTokenFile, policy: options.policy, policiesDir, stateDir };
      if (gateway === undefined) await requirePolicy(policiesDir, options.policy);
      const link = await gatewayLink(flags, ctx.env).catch(startFailure);
      const service = await startProxyService({
        ...link,
        policy: options.policy,
        policiesDir,
        stateDir,
        listen,
        ...upstream,
        allowRemote: options.allowRemote,
        maxConnections,
        ...logs,
        report: (message) => ctx.err(`${message}\n`),
      }).catch(async (error) => {
        await link.retire();
        return listenFailure(options.listen, "--listen")(error);
      });
      const { proxy, holder } = service;
      const scoped = reportScopedRules(holder, link.scopes, ctx.err);
      const host = proxy.hostname.includes(":") ? `[${proxy.hostname}]` : proxy.hostname;
      ctx.out(
        `tollgate proxy listening on ${host}:${proxy.port} ` +
          `(policy ${options.policy}, revision ${holder.current().revision})\n`,
      );
      await untilAborted(ctx.signal);
      await service.close();
      await scoped.end(service.sandboxId);
      await link.retire();
    });
}
