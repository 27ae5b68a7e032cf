/**
 * `tollgate proxy`: one enforcing proxy for one sandbox policy, with hot reload, the OCSF log
 * and policy.local; the composition root of the data plane.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, UsageError } from "./context.ts";
import { gatewayLink } from "./_gateway_link.ts";
import { reportScopedRules } from "./_scoped_rules.ts";
import { MAX_CLIENT_CONNECTIONS, parseResolveOverride, startProxyService } from "../proxy/mod.ts";
import {
  collect,
  LOG_FLAGS,
  parseListen,
  parseLogFlags,
  parsePositiveInt,
  startFailure,
  untilAborted,
} from "./_flags.ts";

/**
 * Register `proxy --policy NAME [--policies DIR] [--listen HOST:PORT] [--state DIR]
 * [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]… [--gateway URL] [--allow-remote]
 * [--max-connections N] [--log-max-mb MB] [--log-keep-days DAYS]`. Prints
 * one ready line, then runs until interrupted.
 *
 * @example
 * ```ts ignore
 * import { registerProxyCommands } from "./proxy_command.ts";
 * registerProxyCommands(program, ctx);
 * ```
 */
export function registerProxyCommands(program: Command, ctx: CliContext): void {
  program
    .command("proxy")
    .description("Run the enforcing proxy for one sandbox policy (POLICIES/NAME.yaml)")
    .requiredOption("--policy <name>", "policy name (POLICIES/NAME.yaml)")
    .option("--policies <dir>", "policies directory", "./policies")
    .option("--listen <host:port>", "listen address (loopback only)", "127.0.0.1:3128")
    .option("--state <dir>", "state directory (CA, logs)", "./.tollgate")
    .option(
      "--resolve <host:port:addr>",
      "send HOST:PORT to ADDR[:PORT]; trusted, bypasses the SSRF guard (repeatable)",
      collect,
      [],
    )
    .option(
      "--upstream-ca <pem>",
      "extra CA file trusted for upstream TLS (repeatable)",
      collect,
      [],
    )
    .option(
      "--gateway <url>",
      "take policy and reloads from this gateway and send it proposals (repeatable: failover)",
      collect,
      [],
    )
    .option("--allow-remote", "allow a non-loopback listen address")
    .option(
      "--max-connections <n>",
      "client connections served at once; more are answered 503",
      String(MAX_CLIENT_CONNECTIONS),
    )
    .option(...LOG_FLAGS.maxMb)
    .option(...LOG_FLAGS.keepDays)
    .action(async (options) => {
      const listen = parseListen(options.listen, "--listen", options.allowRemote);
      const logs = parseLogFlags(options);
      const maxConnections = parsePositiveInt(options.maxConnections, "--max-connections");
      for (const entry of options.resolve) parseOrUsage(entry);
      const policiesDir = resolveUserPath(ctx, options.policies);
      const stateDir = resolveUserPath(ctx, options.state);
      const flags = { gateway: options.gateway, policy: options.policy, policiesDir, stateDir };
      const link = await gatewayLink(flags, ctx.env).catch(startFailure);
      const service = await startProxyService({
        ...link,
        policy: options.policy,
        policiesDir,
        stateDir,
        listen,
        resolve: options.resolve,
        upstreamCaFiles: options.upstreamCa.map((f) => resolveUserPath(ctx, f)),
        allowRemote: options.allowRemote,
        maxConnections,
        ...logs,
        report: (message) => ctx.err(`${message}\n`),
      }).catch(async (error) => {
        await link.retire();
        return startFailure(error);
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

function parseOrUsage(entry: string): void {
  try {
    parseResolveOverride(entry);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
