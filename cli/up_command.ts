/**
 * `tollgate up`: the embedded default — a gateway and one sandbox's proxy in one process,
 * sharing one policies directory and one state directory.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath } from "./context.ts";
import {
  checkListen,
  collect,
  POLICIES_FLAG,
  REMOTE_FLAGS,
  RESOLVE_FLAG,
  STATE_FLAG,
  untilAborted,
  UPSTREAM_CA_FLAG,
} from "./_flags.ts";
import { LOG_FLAGS, parseLogFlags } from "./_log_flags.ts";
import { checkProxyFlags } from "./_proxy_flags.ts";
import { listenFailure, startFailure } from "./_start_errors.ts";
import { requirePolicy } from "./_project.ts";
import { warnOutsideGit } from "./_git_warning.ts";
import { type ProxyService, startProxyService } from "../proxy/mod.ts";
import { startGateway, TOKEN_FILE } from "../gateway/mod.ts";
import { notifyFlags } from "./_notify_flags.ts";
import { reportScopedRules } from "./_scoped_rules.ts";
import { gatewayLink, storeScopes } from "./_gateway_link.ts";
import { remoteFlags } from "./_remote_flags.ts";

/**
 * Register `up --policy NAME [--policies DIR] [--state DIR] [--listen HOST:PORT]
 * [--gateway-listen HOST:PORT] [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]…
 * [--log-max-mb MB] [--log-keep-days DAYS] [--log-budget-mb MB] [--log-rate-kb KB] [--remote URL [--branch B] [--fetch-interval S]
 * [--remote-timeout S] [--hook-listen HOST:PORT]]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerUpCommands } from "./up_command.ts";
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
 * registerUpCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["up"]);
 * ```
 */
export function registerUpCommands(program: Command, ctx: CliContext): void {
  program
    .command("up")
    .description("Run the gateway and one sandbox's proxy in one process (embedded default)")
    .requiredOption("--policy <name>", "policy name (POLICIES/NAME.yaml)")
    .option(...POLICIES_FLAG)
    .option(...STATE_FLAG)
    .option("--listen <host:port>", "proxy address (loopback only)", "127.0.0.1:3128")
    .option("--gateway-listen <host:port>", "gateway address (loopback only)", "127.0.0.1:8787")
    .option(...RESOLVE_FLAG)
    .option(...UPSTREAM_CA_FLAG)
    .option(...LOG_FLAGS.maxMb)
    .option(...LOG_FLAGS.keepDays)
    .option(...LOG_FLAGS.budgetMb)
    .option(...LOG_FLAGS.rateKb)
    .option("--notify <url>", "POST proposal events as JSON to URL (repeatable)", collect, [])
    .option("--public-url <url>", "address reviewers reach the gateway at (inbox links)")
    .option(...REMOTE_FLAGS.remote)
    .option(...REMOTE_FLAGS.branch)
    .option(...REMOTE_FLAGS.fetchInterval)
    .option(...REMOTE_FLAGS.remoteTimeout)
    .option(...REMOTE_FLAGS.hookListen)
    .action(async (options) => {
      const logs = parseLogFlags(options);
      const listen = checkListen(options.listen);
      checkListen(options.gatewayListen, "--gateway-listen");
      const { upstream } = await checkProxyFlags(ctx, options);
      const policiesDir = resolveUserPath(ctx, options.policies);
      const stateDir = resolveUserPath(ctx, options.state);
      // With --remote the directory may be a clone the gateway is still to make.
      if (options.remote === undefined) await requirePolicy(policiesDir, options.policy);
      const gateway = await startGateway({
        policiesDir,
        stateDir,
        listen: options.gatewayListen,
        ...notifyFlags(ctx, options),
        ...remoteFlags(ctx, options),
      }).catch(listenFailure(options.gatewayListen, "--gateway-listen"));
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
          listen,
          ...upstream,
          // The gateway's own store: proposals land in pending/ and fire its events.
          sink: link?.sink ?? gateway.store,
          feed: link?.feed,
          sandboxId: link?.sandboxId,
          ...logs,
          report: (message) => ctx.err(`${message}\n`),
        }).catch(listenFailure(options.listen, "--listen"));
        const { holder } = service;
        // Once both are up: a failed start stays one line.
        if (options.remote === undefined) await warnOutsideGit(ctx, policiesDir);
        const scoped = reportScopedRules(
          holder,
          link?.scopes ?? storeScopes(gateway.store, options.policy),
          ctx.err,
        );
        ctx.out(
          `tollgate gateway listening on ${gateway.url} (token in ${stateDir}/${TOKEN_FILE})\n`,
        );
        ctx.out(nextSteps(service, options.policy, gateway.url));
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

/** The proxy's ready line, then what to do next: trust the CA, try it, watch proposals. */
function nextSteps(service: ProxyService, policy: string, gatewayUrl: string): string {
  const { hostname, port, holder, ca } = service;
  const address = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  return [
    `tollgate proxy listening on ${address} (policy ${policy}, revision ` +
    `${holder.current().revision})`,
    `CA certificate (clients of the proxy must trust it): ${ca.certPath}`,
    `Try it:  curl --proxy http://${address} --cacert ${ca.certPath} ` +
    `http://policy.local/v1/policy/current`,
    `Sandbox: tollgate sandbox run --policy ${policy} --gateway ${gatewayUrl} -- CMD ARGS...`,
    `Review:  tollgate proposals watch (in another terminal), or ${gatewayUrl}/inbox`,
    "",
  ].join("\n");
}
