/**
 * `tollgate up`: the embedded default — a gateway and one sandbox's proxy in one process,
 * sharing one policies directory and one state directory.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath } from "./context.ts";
import {
  collect,
  LOG_FLAGS,
  parseListen,
  parseLogFlags,
  REMOTE_FLAGS,
  startFailure,
  untilAborted,
} from "./_flags.ts";
import { startProxyService } from "../proxy/mod.ts";
import { startGateway, TOKEN_FILE } from "../gateway/mod.ts";
import { notifyFlags } from "./_notify_flags.ts";
import { reportScopedRules } from "./_scoped_rules.ts";
import { gatewayLink, storeScopes } from "./_gateway_link.ts";
import { remoteFlags } from "./_remote_flags.ts";

/**
 * Register `up --policy NAME [--policies DIR] [--state DIR] [--listen HOST:PORT]
 * [--gateway-listen HOST:PORT] [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]…
 * [--log-max-mb MB] [--log-keep-days DAYS] [--remote URL [--branch B] [--fetch-interval S]
 * [--remote-timeout S] [--hook-listen HOST:PORT]]`.
 *
 * @example
 * ```ts ignore
 * import { registerUpCommands } from "./up_command.ts";
 * registerUpCommands(program, ctx);
 * ```
 */
export function registerUpCommands(program: Command, ctx: CliContext): void {
  program
    .command("up")
    .description("Run the gateway and one sandbox's proxy in one process (embedded default)")
    .requiredOption("--policy <name>", "policy name (POLICIES/NAME.yaml)")
    .option("--policies <dir>", "policies directory", "./policies")
    .option("--state <dir>", "state directory (CA, token, logs)", "./.tollgate")
    .option("--listen <host:port>", "proxy address (loopback only)", "127.0.0.1:3128")
    .option("--gateway-listen <host:port>", "gateway address (loopback only)", "127.0.0.1:8787")
    .option("--resolve <host:port:addr>", "send HOST:PORT to ADDR[:PORT] (repeatable)", collect, [])
    .option("--upstream-ca <pem>", "extra CA trusted for upstream TLS (repeatable)", collect, [])
    .option(...LOG_FLAGS.maxMb)
    .option(...LOG_FLAGS.keepDays)
    .option("--notify <url>", "POST proposal events as JSON to URL (repeatable)", collect, [])
    .option("--public-url <url>", "address reviewers reach the gateway at (inbox links)")
    .option(...REMOTE_FLAGS.remote)
    .option(...REMOTE_FLAGS.branch)
    .option(...REMOTE_FLAGS.fetchInterval)
    .option(...REMOTE_FLAGS.remoteTimeout)
    .option(...REMOTE_FLAGS.hookListen)
    .action(async (options) => {
      const logs = parseLogFlags(options);
      const policiesDir = resolveUserPath(ctx, options.policies);
      const stateDir = resolveUserPath(ctx, options.state);
      parseListen(options.gatewayListen, "--gateway-listen");
      const gateway = await startGateway({
        policiesDir,
        stateDir,
        listen: options.gatewayListen,
        ...notifyFlags(ctx, options),
        ...remoteFlags(ctx, options),
      }).catch(startFailure);
      try {
        // With a remote, the proxy follows the gateway's push, never the files: a decision
        // the remote has not taken yet (or refused) is on disk for a moment, never enforced.
        const link = options.remote === undefined ? undefined : await gatewayLink(
          { gateway: gateway.url, policy: options.policy, policiesDir, stateDir },
          { TOLLGATE_GATEWAY_TOKEN: gateway.token },
        ).catch(startFailure);
        const service = await startProxyService({
          policy: options.policy,
          policiesDir,
          stateDir,
          listen: parseListen(options.listen),
          resolve: options.resolve,
          upstreamCaFiles: options.upstreamCa.map((f) => resolveUserPath(ctx, f)),
          // The gateway's own store: proposals land in pending/ and fire its events.
          sink: link?.sink ?? gateway.store,
          feed: link?.feed,
          sandboxId: link?.sandboxId,
          ...logs,
          report: (message) => ctx.err(`${message}\n`),
        }).catch(startFailure);
        const { proxy, holder } = service;
        const scoped = reportScopedRules(
          holder,
          link?.scopes ?? storeScopes(gateway.store, options.policy),
          ctx.err,
        );
        ctx.out(
          `tollgate gateway listening on ${gateway.url} (token in ${stateDir}/${TOKEN_FILE})\n`,
        );
        ctx.out(
          `tollgate proxy listening on ${proxy.hostname}:${proxy.port} ` +
            `(policy ${options.policy}, revision ${holder.current().revision})\n`,
        );
        if (gateway.hookUrl) ctx.out(`Remote hook signals accepted on ${gateway.hookUrl}\n`);
        await untilAborted(ctx.signal);
        await service.close();
        await scoped.end(service.sandboxId);
        await link?.retire();
      } finally {
        await gateway.close();
      }
    });
}
