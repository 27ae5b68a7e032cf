/**
 * Flag parsing and run-until-stopped helpers shared by the long-running commands.
 *
 * @module
 */

import { CliFailure, UsageError } from "./context.ts";
import { classifyAddress, formatIssue, PolicyValidationError } from "../proxy/policy/mod.ts";

/**
 * Parse a positive whole number given to `flag`.
 *
 * @throws {UsageError} On anything else (exit 2).
 * @example
 * ```ts
 * import { parsePositiveInt } from "./_flags.ts";
 * console.assert(parsePositiveInt("64", "--max-connections") === 64);
 * ```
 */
export function parsePositiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`Invalid ${flag} "${text}": expected a positive whole number`);
  }
  return value;
}

/** Flags of every command that runs a proxy: OCSF log rotation and retention. */
export const LOG_FLAGS = {
  maxMb: [
    "--log-max-mb <mb>",
    "start a new OCSF log file once the current one reaches this many MB",
    "256",
  ],
  keepDays: ["--log-keep-days <days>", "delete OCSF log files older than this many days", "14"],
} as const;

/**
 * The proxy service's log options from `--log-max-mb` and `--log-keep-days`.
 *
 * @throws {UsageError} When either is not a positive whole number (exit 2).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLogFlags } from "./_flags.ts";
 * assert.deepEqual(parseLogFlags({ logMaxMb: "1", logKeepDays: "2" }), {
 *   logMaxBytes: 1024 * 1024, logKeepDays: 2,
 * });
 * ```
 */
export function parseLogFlags(
  options: { logMaxMb: string; logKeepDays: string },
): { logMaxBytes: number; logKeepDays: number } {
  return {
    logMaxBytes: parsePositiveInt(options.logMaxMb, "--log-max-mb") * 1024 * 1024,
    logKeepDays: parsePositiveInt(options.logKeepDays, "--log-keep-days"),
  };
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

/**
 * Parse `HOST:PORT` (IPv6 in brackets); refuse a non-loopback host unless `allowRemote`.
 *
 * @throws {UsageError} On a malformed address or a refused host (exit 2).
 */
export function parseListen(
  text: string,
  flag = "--listen",
  allowRemote = false,
): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new UsageError(`Invalid ${flag} "${text}": expected HOST:PORT`);
  }
  const hostname = match[1]!.replace(/^\[|\]$/g, "");
  const loopback = hostname === "localhost" || classifyAddress(hostname) === "loopback";
  if (!loopback && !allowRemote) {
    throw new UsageError(
      `Refusing to listen on non-loopback address "${hostname}": pass --allow-remote to insist`,
    );
  }
  return { hostname, port };
}

/** Turn a start-up error into one CLI line (an invalid policy names its first problem). */
export function startFailure(error: unknown): never {
  if (error instanceof PolicyValidationError) {
    const [first, ...rest] = error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : "";
    throw new CliFailure(`Invalid policy: ${first ? formatIssue(first) : error.message}${more}`);
  }
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  throw new CliFailure(message);
}

/** Resolve when the command is asked to stop (SIGINT/SIGTERM). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
