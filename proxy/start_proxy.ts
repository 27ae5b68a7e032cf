/**
 * The transport composed with its HTTP/2 side: `startProxy()` as the rest of the proxy starts
 * it, with `transport/h2`'s loader passed in (the transport stands below `transport/h2`, whose
 * exchanges reuse its HTTP/1 ones, so it never imports it), and what its options are built from.
 *
 * @module
 */

import { loadH2Side } from "./transport/h2/mod.ts";
import {
  type ProxyHandle,
  type ProxyOptions,
  startProxy as startTransport,
} from "./transport/mod.ts";

export { parseResolveOverride } from "./transport/mod.ts";
export type { ProxyHandle, ProxyOptions };

/**
 * Start the proxy (see the transport's `startProxy()`); TLS interception serves HTTP/2 clients
 * too, loading the h2 side at the first one, unless `options.loadH2Side` names another loader.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startProxy } from "./start_proxy.ts";
 * import { CertificateAuthority, PolicyHolder } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p.yaml`, "version: 1\n");
 * const proxy = await startProxy({
 *   listen: { hostname: "127.0.0.1", port: 0 },
 *   holder: await PolicyHolder.load("p", `${dir}/p.yaml`),
 *   ca: await CertificateAuthority.loadOrCreate(dir),
 *   skillPath: "/skill.md",
 * });
 * assert.ok(proxy.port > 0);
 * await proxy.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  return startTransport({ loadH2Side, ...options });
}
