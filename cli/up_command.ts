/**
 * `tollgate up`: the embedded default — a gateway and one sandbox's proxy in one process,
 * sharing one policies directory and one state directory.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath } from "./context.ts";
import { startProxyService } from "../proxy/mod.ts";
import { startGateway, TOKEN_FILE } from "../gateway/mod.ts";

/**
 * Register `up --policy NAME [--policies DIR] [--state DIR] [--listen HOST:PORT]
 * [--gateway-listen HOST:PORT] [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]…`.
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
    .action(async (options) => {
      const policiesDir = resolveUserPath(ctx, options.policies);
      const stateDir = resolveUserPath(ctx, options.state);
      const gateway = await startGateway({
        policiesDir,
        stateDir,
        listen: options.gatewayListen,
      }).catch(oneLine);
      try {
        const service = await startProxyService({
          policy: options.policy,
          policiesDir,
          stateDir,
          listen: parseHostPort(options.listen),
          resolve: options.resolve,
          upstreamCaFiles: options.upstreamCa.map((f) => resolveUserPath(ctx, f)),
          // The gateway's own store: proposals land in pending/ and fire its events.
          sink: gateway.store,
        }).catch(oneLine);
        const { proxy, holder } = service;
        ctx.out(
          `tollgate gateway listening on ${gateway.url} (token in ${stateDir}/${TOKEN_FILE})\n`,
        );
        ctx.out(
          `tollgate proxy listening on ${proxy.hostname}:${proxy.port} ` +
            `(policy ${options.policy}, revision ${holder.current().revision})\n`,
        );
        await untilAborted(ctx.signal);
        await service.close();
      } finally {
        await gateway.close();
      }
    });
}

function parseHostPort(text: string): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535) {
    throw new CliFailure(`Invalid --listen "${text}": expected HOST:PORT`);
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

function oneLine(error: unknown): never {
  throw new CliFailure(error instanceof Error ? error.message.split("\n")[0]! : String(error));
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
