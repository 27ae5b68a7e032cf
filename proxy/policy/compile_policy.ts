/**
 * Compile a validated policy once into a host index and prebuilt matchers, so `decide()`
 * costs about the same for ten rules as for ten thousand.
 *
 * @module
 */

import type { BinaryMatcher, CompiledMatch, CompiledPolicy, Grant } from "./compiled_policy.ts";
import { canonicalizePattern } from "./canonicalize_path.ts";
import { compilePathGlob, type GlobMatcher } from "./glob.ts";
import { parseHostPattern, wildcardMatches } from "./host_pattern.ts";
import { ipInCidrs, isIpLiteral } from "./ip.ts";
import { presetMethods } from "./presets.ts";
import { compileQuery } from "./_query.ts";
import { compileGraphql } from "./compile_graphql.ts";
import { restAllows, restDenies } from "./l7_rules.ts";
import type { RuleLease } from "./rule_leases.ts";
import type { Endpoint, L7Match, NetworkRule, Policy } from "./types.ts";

function compileMatch(m: L7Match, deny: boolean): CompiledMatch {
  const method = m.method.toUpperCase();
  const pattern = canonicalizePattern(m.path);
  return {
    anyMethod: method === "*",
    // RFC 9110 §9.3.2: HEAD is GET without the body, so a rule on GET covers HEAD, for allow
    // and deny alike (OpenShell's `method_matches`); otherwise HEAD slips past a GET deny.
    methods: new Set(method === "GET" ? ["GET", "HEAD"] : [method]),
    // Deny paths ignore letter case (decide() hands them the lower-cased path): many origins
    // route `/Admin` to `/admin`, and a deny must not be dodged by spelling. Allow stays exact.
    path: compilePathGlob(deny ? pattern.toLowerCase() : pattern),
    query: compileQuery(m.query),
  };
}

const compileAllowMatch = (m: L7Match) => compileMatch(m, false);
const compileDenyMatch = (m: L7Match) => compileMatch(m, true);

function compileAllow(ep: Endpoint): CompiledMatch[] {
  if (ep.protocol === "graphql") return [];
  if (ep.access) {
    const methods = presetMethods(ep.access);
    const any = methods.includes("*");
    return [{ anyMethod: any, methods: new Set(methods), path: () => true }];
  }
  return restAllows(ep).map(compileAllowMatch);
}

/** Options of {@linkcode compilePolicy}. */
export interface CompileOptions {
  /**
   * The real path of a binary path (symlinks resolved), or undefined when it has none; the
   * loader injects the file system's, so that compiling stays pure.
   */
  resolveBinary?: (path: string) => string | undefined;
  /** Rule key → lease (from the policy text's lease comments); other rules are durable. */
  leases?: ReadonlyMap<string, RuleLease>;
}

function compileBinaries(rule: NetworkRule, options: CompileOptions): BinaryMatcher {
  const exact = new Set<string>();
  const globs: GlobMatcher[] = [];
  if (!rule.binaries) return { any: true, exact, globs };
  for (const b of rule.binaries) {
    if (b.path.includes("*")) globs.push(compilePathGlob(b.path));
    else {
      exact.add(b.path);
      // The proxy sees the executable the kernel ran (/proc/PID/exe, symlinks resolved):
      // /usr/bin/python3 as written must also match the /usr/bin/python3.11 it points to.
      const real = options.resolveBinary?.(b.path);
      if (real !== undefined) exact.add(real);
    }
  }
  return { exact, globs };
}

/** The ports of an endpoint (`port` or `ports`). */
export function endpointPorts(ep: Endpoint): number[] {
  return ep.ports ?? (ep.port === undefined ? [] : [ep.port]);
}

function push<K>(map: Map<K, Grant[]>, key: K, grant: Grant): void {
  const list = map.get(key);
  if (list) list.push(grant);
  else map.set(key, [grant]);
}

function normaliseHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/**
 * Compile a validated policy: an index of exact hosts, wildcard hosts by their fixed suffix
 * and host-less endpoints by port; path and binary globs and query matchers built once;
 * presets expanded; each literal binary path also matches its real path when
 * `options.resolveBinary` gives one. Grants are inserted in rule-key order, so the first match
 * in a list is the lexicographically smallest key.
 *
 * @example
 * ```ts
 * import { compilePolicy } from "./compile_policy.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * console.assert(compiled.ruleCount === 0);
 * ```
 */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledPolicy {
  const steps = compileInSlices(policy, options, Infinity);
  for (let step = steps.next();; step = steps.next()) if (step.done) return step.value;
}

/**
 * `compilePolicy()` in slices: the generator yields after every `sliceRules` rules and returns
 * the compiled policy. A proxy reloading a 10,000-rule policy gives its event loop back between
 * slices, so no request waits for the whole compile; nothing is published until the end.
 *
 * @example
 * ```ts
 * import { compileInSlices } from "./compile_policy.ts";
 * const steps = compileInSlices({ version: 1, revision: 0, network_policies: {} }, {}, 100);
 * console.assert(steps.next().done === true);
 * ```
 */
export function* compileInSlices(
  policy: Policy,
  options: CompileOptions,
  sliceRules: number,
): Generator<void, CompiledPolicy, void> {
  const exact = new Map<string, Grant[]>();
  const wildcard = new Map<string, Grant[]>();
  const hostless = new Map<number, Grant[]>();
  const keys = Object.keys(policy.network_policies).sort();
  for (const [i, ruleKey] of keys.entries()) {
    if (i > 0 && i % sliceRules === 0) yield;
    const rule = policy.network_policies[ruleKey]!;
    const binaries = compileBinaries(rule, options);
    for (const endpoint of rule.endpoints) {
      const host = endpoint.host === undefined
        ? undefined
        : parseHostPattern(normaliseHost(endpoint.host));
      const grant: Grant = {
        ruleKey,
        endpoint,
        host,
        // `tls: skip` on an L7 endpoint is ignored (validation warns): its rules must hold.
        l7: endpoint.protocol === "rest" || endpoint.protocol === "graphql",
        enforcement: endpoint.enforcement ?? "enforce",
        allow: compileAllow(endpoint),
        deny: restDenies(endpoint).map(compileDenyMatch),
        allowedIps: endpoint.allowed_ips ?? [],
        allowEncodedSlash: endpoint.allow_encoded_slash ?? false,
        binaries,
      };
      if (endpoint.protocol === "graphql") grant.graphql = compileGraphql(endpoint);
      const lease = options.leases?.get(ruleKey);
      if (lease) grant.lease = lease;
      if (endpoint.path !== undefined && endpoint.path !== "**") {
        grant.path = compilePathGlob(canonicalizePattern(endpoint.path));
      }
      for (const port of new Set(endpointPorts(endpoint))) {
        if (!host) push(hostless, port, grant);
        else if (host.kind === "exact") push(exact, `${host.host}:${port}`, grant);
        else push(wildcard, `${host.suffix}:${port}`, grant);
      }
    }
  }
  const wildcardDepths = new Set(
    [...wildcard.values()].map((list) => (list[0]!.host as { suffixLabels: number }).suffixLabels),
  );
  return { policy, ruleCount: keys.length, exact, wildcard, wildcardDepths, hostless };
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
 * import { compilePolicy, lookupGrants } from "./compile_policy.ts";
 * const c = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * console.assert(lookupGrants(c, "example.com", 443).length === 0);
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
