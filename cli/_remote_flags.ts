/**
 * `--remote URL [--branch B] [--fetch-interval S] [--remote-timeout S] [--hook-listen
 * HOST:PORT]` of `gateway` and `up` (defined in `_flags.ts`): share the policy repository
 * through a Git remote (see `gateway/remote/`).
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
  remoteTimeout: string;
  hookListen?: string;
}

/**
 * The gateway's `remote` option, or nothing without `--remote`; sync reports go to stderr.
 *
 * @throws {UsageError} for a malformed `--fetch-interval` or `--remote-timeout` (exit 2)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remoteFlags } from "./_remote_flags.ts";
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
 * const flags = { branch: "main", fetchInterval: "30", remoteTimeout: "5" };
 * assert.deepEqual(remoteFlags(ctx, flags), {});
 * const { remote } = remoteFlags(ctx, { ...flags, remote: "https://git.example.com/p.git" });
 * assert.equal(remote?.timeoutMs, 5_000);
 * ```
 */
export function remoteFlags(ctx: CliContext, o: RemoteFlags): { remote?: RemoteOptions } {
  if (o.remote === undefined) return {};
  return {
    remote: {
      url: o.remote,
      branch: o.branch,
      fetchIntervalMs: parsePositiveInt(o.fetchInterval, "--fetch-interval") * 1000,
      timeoutMs: parsePositiveInt(o.remoteTimeout, "--remote-timeout") * 1000,
      hookListen: o.hookListen,
      report: (message) => ctx.err(`${message}\n`),
    },
  };
}
