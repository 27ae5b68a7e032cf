/**
 * `tollgate proxy`: one enforcing proxy for one sandbox policy, with hot reload, the OCSF log
 * and policy.local; the composition root of the data plane.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath, UsageError } from "./context.ts";
import {
  CertificateAuthority,
  parseResolveOverride,
  PolicyHolder,
  type ProxyHandle,
  startProxy,
  watchPolicyFile,
} from "../proxy/mod.ts";
import { configEvent, type OcsfEvent, OcsfLog } from "../proxy/ocsf/mod.ts";
import { formatIssue, PolicyValidationError } from "../proxy/policy/mod.ts";
import { createPolicyLocalApp, type ProposalSink } from "../proxy/policy_local/mod.ts";
import { classifyAddress } from "../proxy/policy/mod.ts";

const SKILL_PATH = fileURLToPath(new URL("../skills/policy_advisor.md", import.meta.url));

/** Everything `tollgate proxy` composes, with paths already resolved. */
export interface ProxyServiceOptions {
  /** Policy name: the file is `policiesDir/NAME.yaml`. */
  policy: string;
  /** Directory of the policy files. */
  policiesDir: string;
  /** State directory: `ca/`, `logs/`. */
  stateDir: string;
  /** Listen address (port 0 picks one). */
  listen: { hostname: string; port: number };
  /** `HOST:PORT:ADDR[:PORT]` overrides (operator-trusted: they bypass the SSRF guard). */
  resolve?: string[];
  /** PEM files trusted for upstream TLS besides the default roots. */
  upstreamCaFiles?: string[];
  /** Allow a non-loopback listen address. */
  allowRemote?: boolean;
  /** The skill file (served at /v1/skill, named in deny bodies); the repository's by default. */
  skillPath?: string;
  /** Where policy.local sends proposals; without it the proposal routes answer 503. */
  sink?: ProposalSink;
}

/** A running proxy service. */
export interface ProxyService {
  /** The running proxy. */
  proxy: ProxyHandle;
  /** The policy in force (reloaded from the watched file). */
  holder: PolicyHolder;
  /** Stop watching the policy and close the proxy. */
  close(): Promise<void>;
}

/**
 * Start the proxy service: CA, policy (watched), OCSF log with CONFIG:LOADED, policy.local and
 * the listener.
 *
 * @throws {PolicyValidationError} When the policy file is missing or invalid.
 * @throws {RangeError} For a non-loopback listen address without `allowRemote`.
 * @example
 * ```ts ignore
 * const service = await startProxyService({
 *   policy: "demo", policiesDir: "policies", stateDir: ".tollgate",
 *   listen: { hostname: "127.0.0.1", port: 3128 },
 * });
 * await service.close();
 * ```
 */
export async function startProxyService(options: ProxyServiceOptions): Promise<ProxyService> {
  const resolve = (options.resolve ?? []).map(parseResolveOverride);
  const upstreamCa = await Promise.all(
    (options.upstreamCaFiles ?? []).map((f) => Deno.readTextFile(f)),
  );
  const file = join(options.policiesDir, `${options.policy}.yaml`);
  const holder = await PolicyHolder.load(options.policy, file);
  const ca = await CertificateAuthority.loadOrCreate(options.stateDir);
  const logDir = join(options.stateDir, "logs");
  const log = new OcsfLog(logDir);
  const onEvent = (event: OcsfEvent) => void log.append(event).catch(() => {});
  const { revision, hash } = holder.current();
  onEvent(configEvent("LOADED", "Policy loaded", { revision, hash, policy: options.policy }));
  const skillPath = options.skillPath ?? SKILL_PATH;
  const app = createPolicyLocalApp({
    sandbox: options.policy,
    policy: holder,
    sink: options.sink,
    logDir,
    skill: () => Deno.readTextFile(skillPath),
    emit: onEvent,
  });
  const proxy = await startProxy({
    listen: options.listen,
    allowRemote: options.allowRemote,
    holder,
    ca,
    resolve,
    upstreamCa,
    policyLocal: async (request) => await app.fetch(request),
    onEvent,
    skillPath,
  });
  const stop = new AbortController();
  const watching = watchPolicyFile(holder, file, { signal: stop.signal, onEvent });
  return {
    proxy,
    holder,
    async close() {
      stop.abort();
      await watching;
      await proxy.close();
    },
  };
}

/**
 * Register `proxy --policy NAME [--policies DIR] [--listen HOST:PORT] [--state DIR]
 * [--resolve HOST:PORT:ADDR]… [--upstream-ca PEM]… [--allow-remote]`. Prints one ready line,
 * then runs until interrupted.
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
    .option("--allow-remote", "allow a non-loopback listen address")
    .action(async (options) => {
      const listen = parseListen(options.listen);
      if (!options.allowRemote && !isLoopback(listen.hostname)) {
        throw new UsageError(
          `Refusing to listen on non-loopback address "${listen.hostname}": pass --allow-remote to insist`,
        );
      }
      for (const entry of options.resolve) parseOrUsage(entry);
      const service = await startProxyService({
        policy: options.policy,
        policiesDir: resolveUserPath(ctx, options.policies),
        stateDir: resolveUserPath(ctx, options.state),
        listen,
        resolve: options.resolve,
        upstreamCaFiles: options.upstreamCa.map((f) => resolveUserPath(ctx, f)),
        allowRemote: options.allowRemote,
      }).catch(failure);
      const { proxy, holder } = service;
      const host = proxy.hostname.includes(":") ? `[${proxy.hostname}]` : proxy.hostname;
      ctx.out(
        `tollgate proxy listening on ${host}:${proxy.port} ` +
          `(policy ${options.policy}, revision ${holder.current().revision})\n`,
      );
      await untilAborted(ctx.signal);
      await service.close();
    });
}

function parseListen(text: string): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new UsageError(`Invalid --listen "${text}": expected HOST:PORT`);
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || classifyAddress(hostname) === "loopback";
}

function parseOrUsage(entry: string): void {
  try {
    parseResolveOverride(entry);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function failure(error: unknown): never {
  if (error instanceof PolicyValidationError) {
    const [first, ...rest] = error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : "";
    throw new CliFailure(`Invalid policy: ${first ? formatIssue(first) : error.message}${more}`);
  }
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  throw new CliFailure(message);
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
