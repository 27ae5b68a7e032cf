/**
 * Checks of the flags only the commands that run a proxy take; apart from `_flags.ts`, since
 * they need the proxy's own parsers (which the other commands need not load).
 *
 * @module
 */

import { type CliContext, resolveUserPath, UsageError } from "./context.ts";
import { checkGatewayUrl } from "./_flags.ts";
import { checkFlagFiles } from "./_start_errors.ts";
import { parseResolveOverride } from "../proxy/mod.ts";

/**
 * Check `--resolve` entries before anything starts, so a typo is a usage error (exit 2).
 *
 * @throws {UsageError} Naming the first malformed entry.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkResolve } from "./_proxy_flags.ts";
 * assert.equal(checkResolve(["api.test:443:127.0.0.1"]).length, 1);
 * ```
 */
export function checkResolve(entries: string[]): string[] {
  for (const entry of entries) {
    try {
      parseResolveOverride(entry);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return entries;
}

/** The flags `proxy`, `up` and `sandbox run` share, checked and resolved. */
export interface ProxyFlags {
  /** How upstreams are reached (`--resolve`, `--upstream-ca`), as `startProxyService` takes it. */
  upstream: { resolve: string[]; upstreamCaFiles: string[] };
  /** `--gateway` URLs, undefined for none (the embedded default). */
  gateway?: string[];
  /** `--gateway-token-file`, resolved against the working directory. */
  gatewayTokenFile?: string;
}

/**
 * Check the flags every command that runs a proxy shares, before anything starts: a malformed
 * `--resolve` or `--gateway` is a usage error (exit 2), a missing `--upstream-ca` file a
 * failure naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkProxyFlags } from "./_proxy_flags.ts";
 * const flags = await checkProxyFlags({ cwd: "/work" }, {
 *   resolve: ["api.test:443:127.0.0.1"],
 *   upstreamCa: [],
 *   gateway: ["http://127.0.0.1:8787/"],
 *   gatewayTokenFile: "gateway.token",
 * });
 * assert.deepEqual(flags.gateway, ["http://127.0.0.1:8787"]);
 * assert.equal(flags.gatewayTokenFile, "/work/gateway.token");
 * ```
 */
export async function checkProxyFlags(
  ctx: Pick<CliContext, "cwd">,
  options: {
    resolve: string[];
    upstreamCa: string[];
    gateway?: string[];
    gatewayTokenFile?: string;
  },
): Promise<ProxyFlags> {
  const resolve = checkResolve(options.resolve);
  const gateways = (options.gateway ?? []).map((url) => checkGatewayUrl(url));
  const upstreamCaFiles = await checkFlagFiles(
    options.upstreamCa.map((f) => resolveUserPath(ctx, f)),
    "--upstream-ca",
  );
  const tokenFile = options.gatewayTokenFile;
  return {
    upstream: { resolve, upstreamCaFiles },
    gateway: gateways.length > 0 ? gateways : undefined,
    gatewayTokenFile: tokenFile === undefined ? undefined : resolveUserPath(ctx, tokenFile),
  };
}
