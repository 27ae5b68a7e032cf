/**
 * The flags shared by the commands, defined once (`.option(...POLICIES_FLAG)`), and their
 * parsers: bad usage is a `UsageError` (exit 2) whose one line names the flag. Every command
 * imports this file, so it imports nothing heavy (no policy engine, no TLS).
 *
 * @module
 */

import { UsageError } from "./context.ts";
import { DEFAULT_POLICIES } from "./_defaults.ts";
import { parseListen } from "../proxy/policy/mod.ts";

/**
 * Parse a positive whole number given to `flag`.
 *
 * @throws {UsageError} On anything else (exit 2).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePositiveInt } from "./_flags.ts";
 * assert.equal(parsePositiveInt("64", "--max-connections"), 64);
 * ```
 */
export function parsePositiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`Invalid ${flag} "${text}": expected a positive whole number`);
  }
  return value;
}
/**
 * Flags of every command that runs a gateway: share its policy repository through a Git
 * remote (`gateway`, `up`; parsed by `remoteFlags` in `_remote_flags.ts`).
 */
export const REMOTE_FLAGS = {
  remote: ["--remote <url>", "share the policy repository through this Git remote"],
  branch: ["--branch <name>", "the remote's shared branch", "main"],
  fetchInterval: [
    "--fetch-interval <s>",
    "seconds between fetches of the remote (the hook's fallback)",
    "5",
  ],
  remoteTimeout: [
    "--remote-timeout <s>",
    "seconds a fetch or push may take before an approval is refused",
    "5",
  ],
  hookListen: [
    "--hook-listen <host:port>",
    "address where the remote's post-receive hook signals a change",
  ],
} as const;

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--policies DIR`, the same on every command that reads policies or proposals. */
export const POLICIES_FLAG = [
  "--policies <dir>",
  "policies directory (tollgate init makes one)",
  DEFAULT_POLICIES,
] as const;

/** `--state DIR`, the same on every command: Tollgate's own files, never committed. */
export const STATE_FLAG = [
  "--state <dir>",
  "state directory: CA, tokens, credentials, logs",
  "./.tollgate",
] as const;

/** `--resolve HOST:PORT:ADDR[:PORT]` (repeatable) on every command that runs a proxy. */
export const RESOLVE_FLAG = [
  "--resolve <host:port:addr[:port]>",
  "send HOST:PORT to ADDR[:PORT]; trusted, bypasses the SSRF guard (repeatable)",
  collect,
  [] as string[],
] as const;

/** `--upstream-ca PEM` (repeatable) on every command that runs a proxy. */
export const UPSTREAM_CA_FLAG = [
  "--upstream-ca <pem>",
  "extra CA file trusted for upstream TLS (repeatable)",
  collect,
  [] as string[],
] as const;

/** `--gateway URL` (repeatable: several fail over) on the commands that run a proxy. */
export const GATEWAY_FLAG = [
  "--gateway <url>",
  "take policy and reloads from this gateway and send it proposals (repeatable: failover)",
  collect,
  [] as string[],
] as const;

/** `--gateway-token-file FILE`: the host's enrolment token a proxy enrols with. */
export const GATEWAY_TOKEN_FILE_FLAG = [
  "--gateway-token-file <file>",
  "the gateway's enrolment token (its STATE/gateway.token; or set TOLLGATE_GATEWAY_TOKEN)",
] as const;

/**
 * Check a `--gateway` URL: http or https, nothing else.
 *
 * @throws {UsageError} For anything else (exit 2).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGatewayUrl } from "./_flags.ts";
 * assert.equal(checkGatewayUrl("http://127.0.0.1:8787/"), "http://127.0.0.1:8787");
 * ```
 */
export function checkGatewayUrl(text: string, flag = "--gateway"): string {
  const url = URL.parse(text);
  if (url === null || !/^https?:$/.test(url.protocol)) {
    throw new UsageError(`Invalid ${flag} "${text}": expected a URL such as http://127.0.0.1:8787`);
  }
  return text.replace(/\/+$/, "");
}

/** How a command treats a non-loopback listen address. */
export interface RemoteListen {
  /** The command's `--allow-remote` was given. */
  allowed: boolean;
  /** What the refusal tells the user to do (the flag or flags that permit it). */
  hint: string;
}

/**
 * Check a listen flag's `HOST:PORT` with the one parser, `parseListen()`; refuse a non-loopback
 * host unless `remote.allowed`. A command without `--allow-remote` passes no `remote`, and its
 * refusal names no such flag.
 *
 * @throws {UsageError} On a malformed address or a refused host (exit 2).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkListen } from "./_flags.ts";
 * assert.equal(checkListen("[::1]:3128").hostname, "::1");
 * assert.throws(() => checkListen("0.0.0.0:80"), /loopback only/);
 * ```
 */
export function checkListen(
  text: string,
  flag = "--listen",
  remote?: RemoteListen,
): { hostname: string; port: number } {
  let address;
  try {
    address = parseListen(text);
  } catch {
    throw new UsageError(`Invalid ${flag} "${text}": expected HOST:PORT`);
  }
  const { hostname, port, loopback } = address;
  if (!loopback && !remote?.allowed) {
    const hint = remote ? `: ${remote.hint}` : " (this command listens on loopback only)";
    throw new UsageError(`Refusing ${flag} on non-loopback address "${hostname}"${hint}`);
  }
  return { hostname, port };
}

/** Resolve when the command is asked to stop (SIGINT/SIGTERM). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
