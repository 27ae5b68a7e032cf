/**
 * `--remote URL [--branch B] [--fetch-interval S] [--hook-listen HOST:PORT]` of `gateway`:
 * share the policy repository through a Git remote (see `gateway/remote/`).
 *
 * @module
 */

import type { CliContext } from "./context.ts";
import { parsePositiveInt } from "./_flags.ts";
import type { RemoteOptions } from "../gateway/mod.ts";

/** The flags, as commander parses them. */
export interface RemoteFlags {
  remote?: string;
  branch: string;
  fetchInterval: string;
  hookListen?: string;
}

/** Commander option definitions: `[flags, description, default?]`. */
export const REMOTE_FLAGS = [
  ["--remote <url>", "share the policy repository through this Git remote"],
  ["--branch <name>", "the remote's shared branch", "main"],
  ["--fetch-interval <s>", "seconds between fetches of the remote (the hook's fallback)", "5"],
  ["--hook-listen <host:port>", "address where the remote's post-receive hook signals a change"],
] as const;

/**
 * The gateway's `remote` option, or nothing without `--remote`; sync reports go to stderr.
 *
 * @throws {UsageError} for a malformed `--fetch-interval` (exit 2)
 * @example
 * ```ts ignore
 * await startGateway({ policiesDir, stateDir, listen, ...remoteFlags(ctx, o) });
 * ```
 */
export function remoteFlags(ctx: CliContext, o: RemoteFlags): { remote?: RemoteOptions } {
  if (o.remote === undefined) return {};
  return {
    remote: {
      url: o.remote,
      branch: o.branch,
      fetchIntervalMs: parsePositiveInt(o.fetchInterval, "--fetch-interval") * 1000,
      hookListen: o.hookListen,
      report: (message) => ctx.err(`${message}\n`),
    },
  };
}
