/**
 * The policy the Tollgate rows run under (pure): one rule per bench endpoint, granted to the
 * fixed benchmark identity and to the Deno binary (for the rows that resolve identity
 * through /proc, where the requester is this process).
 *
 * @module
 */

import { BENCH_HOSTS } from "./setup.ts";

/** The identity injected into proxies whose rows skip the /proc lookup. */
export const FIXED_EXE = "/usr/bin/curl";

/** Ports of the upstream, and who may use it. */
export interface BenchPolicyOptions {
  httpPort: number;
  httpsPort: number;
  /** Executables granted by every rule. */
  binaries: string[];
  /** Extra rules (YAML text, indented under `network_policies:`). */
  extraRules?: string;
}

/**
 * YAML policy text for the benchmark.
 *
 * @example
 * ```ts
 * benchPolicyYaml({ httpPort: 8080, httpsPort: 8443, binaries: ["/usr/bin/curl"] });
 * ```
 */
export function benchPolicyYaml(o: BenchPolicyOptions): string {
  const binaries = o.binaries.map((path) => `      - path: ${JSON.stringify(path)}`).join("\n");
  const rule = (key: string, host: string, port: number, l7: boolean) =>
    [
      `  ${key}:`,
      "    endpoints:",
      `      - host: ${host}`,
      `        port: ${port}`,
      ...(l7 ? ["        protocol: rest", "        access: read-only"] : []),
      "    binaries:",
      binaries,
    ].join("\n");
  return [
    "version: 1",
    "revision: 1",
    "network_policies:",
    rule("bench_http", BENCH_HOSTS.http, o.httpPort, false),
    rule("bench_l4", BENCH_HOSTS.l4, o.httpsPort, false),
    rule("bench_l7", BENCH_HOSTS.l7, o.httpsPort, true),
    rule("bench_rest", BENCH_HOSTS.rest, o.httpPort, true),
    ...(o.extraRules ? [o.extraRules.trimEnd()] : []),
    "",
  ].join("\n");
}

/**
 * Resolve overrides mapping every bench host (on both upstream ports, and on the HTTP/2
 * origin's when given) to 127.0.0.1.
 *
 * @example
 * ```ts
 * benchResolve(8080, 8443).length; // 10
 * benchResolve(8080, 8443, 8444).length; // 15
 * ```
 */
export function benchResolve(
  httpPort: number,
  httpsPort: number,
  h2Port?: number,
): { host: string; port: number; address: string }[] {
  const ports = h2Port === undefined ? [httpPort, httpsPort] : [httpPort, httpsPort, h2Port];
  return Object.values(BENCH_HOSTS).flatMap((host) =>
    ports.map((port) => ({ host, port, address: "127.0.0.1" }))
  );
}
