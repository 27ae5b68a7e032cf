/**
 * Compile a validated policy once into a host index and prebuilt matchers, so `decide()`
 * costs about the same for ten rules as for ten thousand.
 *
 * @module
 */

import type { BinaryMatcher, CompiledPolicy, Grant } from "../model/mod.ts";
import { type CompileOptions, normaliseHost } from "./_compile_grant.ts";
import { wildcardMatches } from "../host/mod.ts";
import { ipInCidrs, isIpLiteral } from "../host/mod.ts";
import { compilePlan, planPolicy } from "./policy_plan.ts";
import type { Endpoint, Policy } from "../model/mod.ts";

export type { CompileOptions };

/** The ports of an endpoint (`port` or `ports`). */
export function endpointPorts(ep: Endpoint): number[] {
  return ep.ports ?? (ep.port === undefined ? [] : [ep.port]);
}

/**
 * Compile a validated policy: an index of exact hosts, wildcard hosts by their fixed suffix
 * and host-less endpoints by port (`planPolicy`), whose path and binary globs and query
 * matchers are built the first time a lookup reaches them (`compilePlan`); presets expanded;
 * each literal binary path also matches its real path when `options.resolveBinary` gives one.
 * Grants are listed in rule-key order, so the first match in a list is the lexicographically
 * smallest key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "./compile_policy.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * assert.equal(compiled.ruleCount, 0);
 * ```
 */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledPolicy {
  const plan = planPolicy(policy);
  const rules = Object.values(policy.network_policies);
  return compilePlan(plan, { rule: (i) => rules[i]!, policy: () => policy }, options);
}

/**
 * The grants whose endpoint matches a host and port, in no particular order.
 *
 * A host-less endpoint matches an IP-literal host inside its `allowed_ips`, or a host name
 * whose resolved `addresses` (given by the caller) all lie inside them (OpenShell's
 * `hostless_endpoint_*` / `allowed_ips_mode3_*`); without addresses a name never matches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, lookupGrants } from "./compile_policy.ts";
 * const c = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * assert.equal(lookupGrants(c, "example.com", 443).length, 0);
 * ```
 */
export function lookupGrants(
  compiled: CompiledPolicy,
  rawHost: string,
  port: number,
  addresses?: readonly string[],
): readonly Grant[] {
  let host = normaliseHost(rawHost);
  if (host.endsWith(".")) host = host.slice(0, -1);
  const exact = compiled.exact.get(`${host}:${port}`);
  let out: Grant[] | undefined;
  const add = (g: Grant) => (out ??= [...(exact ?? [])]).push(g);
  if (compiled.wildcardDepths.size > 0) {
    let labels = 1;
    for (let i = host.indexOf("."); i !== -1; i = host.indexOf(".", i + 1)) labels++;
    let depth = labels;
    // Only suffixes as deep as some wildcard's suffix can hit the index: skip the rest cheaply.
    for (let i = host.indexOf("."); i !== -1; i = host.indexOf(".", i + 1)) {
      depth--;
      if (!compiled.wildcardDepths.has(depth)) continue;
      const list = compiled.wildcard.get(`${host.slice(i + 1)}:${port}`);
      if (list) { for (const g of list) if (wildcardMatches(g.host!, host, labels)) add(g); }
    }
  }
  const hostless = compiled.hostless.get(port);
  if (hostless) {
    const ips = isIpLiteral(host) ? [host] : addresses ?? [];
    for (const g of hostless) {
      if (ips.length > 0 && ips.every((ip) => ipInCidrs(ip, g.allowedIps))) add(g);
    }
  }
  return out ?? exact ?? [];
}

/** True when the binary matcher accepts the path. */
export function binaryMatches(m: BinaryMatcher, path: string): boolean {
  return m.any === true || m.exact.has(path) || m.globs.some((g) => g(path));
}
