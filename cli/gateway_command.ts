/**
 * `tollgate gateway`: run the control plane — the HTTP API and event stream on a loopback
 * address, over one policies directory, with its token and OCSF log in a state directory.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, UsageError } from "./context.ts";
import { startGateway, TOKEN_FILE } from "../gateway/mod.ts";
import {
  checkListen,
  collect,
  POLICIES_FLAG,
  REMOTE_FLAGS,
  STATE_FLAG,
  untilAborted,
} from "./_flags.ts";
import { listenFailure, readPemFlagFile } from "./_start_errors.ts";
import { requirePoliciesDir } from "./_project.ts";
import { warnOutsideGit } from "./_git_warning.ts";
import { notifyFlags } from "./_notify_flags.ts";
import { remoteFlags } from "./_remote_flags.ts";

/**
 * Register `gateway --policies DIR --listen HOST:PORT --state DIR [--notify URL]…
 * [--public-url URL] [--tls-cert PEM --tls-key PEM [--allow-remote]] [--remote URL
 * [--branch B] [--fetch-interval S] [--remote-timeout S] [--hook-listen HOST:PORT]]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerGatewayCommands } from "./gateway_command.ts";
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
 * registerGatewayCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["gateway"]);
 * ```
 */
export function registerGatewayCommands(program: Command, ctx: CliContext): void {
  const command = program.command("gateway")
    .description("Run the gateway: proposals API, approvals, reload push")
    .option(...POLICIES_FLAG)
    .option("--listen <host:port>", "loopback address to listen on", "127.0.0.1:8787")
    .option(...STATE_FLAG)
    .option("--notify <url>", "POST proposal events as JSON to URL (repeatable)", collect, [])
    .option("--public-url <url>", "address reviewers reach the gateway at (inbox links)")
    .option("--tls-cert <pem>", "serve HTTPS with this certificate chain (needs --tls-key)")
    .option("--tls-key <pem>", "private key of --tls-cert")
    .option("--allow-remote", "listen on a non-loopback address (needs --tls-cert/--tls-key)")
    .option(...REMOTE_FLAGS.remote)
    .option(...REMOTE_FLAGS.branch)
    .option(...REMOTE_FLAGS.fetchInterval)
    .option(...REMOTE_FLAGS.remoteTimeout)
    .option(...REMOTE_FLAGS.hookListen);
  command.action(async (o) => {
    checkListen(o.listen, "--listen", {
      allowed: o.allowRemote === true,
      hint: "pass --allow-remote with --tls-cert and --tls-key",
    });
    if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) {
      throw new UsageError("Give --tls-cert and --tls-key together");
    }
    if (o.allowRemote && !o.tlsCert) {
      // Reviewer tokens and session cookies must not cross a network in clear text.
      throw new UsageError("--allow-remote needs --tls-cert and --tls-key (or a reverse proxy)");
    }
    const tls = o.tlsCert && o.tlsKey
      ? {
        cert: await readPemFlagFile(resolveUserPath(ctx, o.tlsCert), "--tls-cert", "CERTIFICATE"),
        key: await readPemFlagFile(resolveUserPath(ctx, o.tlsKey), "--tls-key", "PRIVATE KEY"),
      }
      : undefined;
    const stateDir = resolveUserPath(ctx, o.state);
    const policiesDir = resolveUserPath(ctx, o.policies);
    // With --remote the directory may be a clone the gateway is still to make.
    if (o.remote === undefined) await requirePoliciesDir(policiesDir);
    const gateway = await startGateway({
      policiesDir,
      stateDir,
      listen: o.listen,
      ...notifyFlags(ctx, o),
      ...(tls ? { tls, allowRemote: o.allowRemote } : {}),
      ...remoteFlags(ctx, o),
    }).catch(listenFailure(o.listen, "--listen"));
    // Once it is up: a failed start stays one line.
    if (o.remote === undefined) await warnOutsideGit(ctx, policiesDir);
    ctx.out(`Gateway listening on ${gateway.url} (token in ${stateDir}/${TOKEN_FILE})\n`);
    if (gateway.hookUrl) ctx.out(`Remote hook signals accepted on ${gateway.hookUrl}\n`);
    ctx.out(`Inbox: ${gateway.url}/inbox (sign in with a token from "tollgate reviewers add")\n`);
    await untilAborted(ctx.signal);
    await gateway.close();
    ctx.out("Gateway stopped\n");
  });
}
