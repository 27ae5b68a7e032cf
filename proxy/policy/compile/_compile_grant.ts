/**
 * One grant compiled: an endpoint of a rule with its path, query, method, binary and GraphQL
 * matchers built. Shared by the eager and the on-first-use compile (`policy_plan.ts`).
 *
 * @module
 */

import type { BinaryMatcher, CompiledMatch, Grant } from "../model/mod.ts";
import { canonicalizePattern } from "../path/mod.ts";
import { compilePathGlob, type GlobMatcher } from "../glob/mod.ts";
import { type HostPattern, parseHostPattern } from "../host/mod.ts";
import { isIpLiteral } from "../host/mod.ts";
import { presetMethods } from "../model/mod.ts";
import { compileQuery } from "./_query.ts";
import { compileGraphql } from "./compile_graphql.ts";
import { compileMcp } from "./compile_mcp.ts";
import { isJsonRpcFamily, judgesGraphqlWs, restAllows, restDenies } from "../model/mod.ts";
import type { RuleLease } from "../model/mod.ts";
import type { Endpoint, L7Match, NetworkRule } from "../model/mod.ts";

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

function compileMatch(m: L7Match, deny: boolean): CompiledMatch {
  const method = m.method.toUpperCase();
  const pattern = canonicalizePattern(m.path);
  return {
    anyMethod: method === "*",
    // RFC 9110 §9.3.2: HEAD is GET without the body, so a rule on GET covers HEAD, for allow
    // and deny alike (OpenShell's `method_matches`); otherwise HEAD slips past a GET deny.
    methods: new Set(method === "GET" ? ["GET", "HEAD"] : [method]),
    // Deny paths ignore letter case (decide() hands them the lower-cased path): many origins
    // route `/Admin` to `/admin`, and a deny must not be dodged by spelling; and a `**` inside
    // a segment (`/admin**`) crosses `/` in a deny, so that reading like OpenShell narrows no
    // deny a policy already had. Allow stays exact.
    path: deny ? compilePathGlob(pattern.toLowerCase(), "/", true) : compilePathGlob(pattern),
    query: compileQuery(m.query, deny),
  };
}

const compileAllowMatch = (m: L7Match) => compileMatch(m, false);
const compileDenyMatch = (m: L7Match) => compileMatch(m, true);

function compileAllow(ep: Endpoint): CompiledMatch[] {
  if (ep.protocol === "graphql" || isJsonRpcFamily(ep.protocol)) return [];
  if (ep.access) {
    const methods = presetMethods(ep.access, ep.protocol);
    const any = methods.includes("*");
    // A GET covers HEAD (compileMatch), in a websocket preset as in a rule.
    const set = new Set(methods.includes("GET") ? [...methods, "HEAD"] : methods);
    return [{ anyMethod: any, methods: set, path: () => true }];
  }
  return restAllows(ep).map(compileAllowMatch);
}

/** The binaries of a rule compiled (literal paths also under their real path). */
export function compileBinaries(rule: NetworkRule, options: CompileOptions): BinaryMatcher {
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

/**
 * An IP-literal host is its own `allowed_ips` (OpenShell's `implicit_allowed_ips_for_ip_host`):
 * its author named the address, and a proposal may not name a private one.
 */
function literalHostIps(host: string | undefined): string[] {
  const h = host === undefined ? "" : normaliseHost(host);
  return isIpLiteral(h) ? [h] : [];
}

/** A host as the index keys it: lower case, without IPv6 brackets. */
export function normaliseHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** The parsed host pattern of an endpoint (undefined for a host-less one). */
export function endpointHost(endpoint: Endpoint): HostPattern | undefined {
  return endpoint.host === undefined ? undefined : parseHostPattern(normaliseHost(endpoint.host));
}

/**
 * Whether `decide()` reads the requests of `endpoint` (its grant is L7): `rest`, `websocket`,
 * `graphql`, `mcp` and `json-rpc`; `tls: skip` on such an endpoint is ignored (validation warns), its rules hold.
 * The coverage questions (`_partly_inspected.ts`, `_binary_parts.ts`) ask the same.
 */
export function inspectsRequests(endpoint: Endpoint): boolean {
  return INSPECTING.includes(endpoint.protocol ?? "");
}

const INSPECTING = ["rest", "websocket", "graphql", "mcp", "json-rpc"];

/** One endpoint of rule `ruleKey` compiled, with the rule's binaries. */
export function compileGrant(
  ruleKey: string,
  endpoint: Endpoint,
  binaries: BinaryMatcher,
  options: CompileOptions,
): Grant {
  const grant: Grant = {
    ruleKey,
    endpoint,
    host: endpointHost(endpoint),
    l7: inspectsRequests(endpoint),
    enforcement: endpoint.enforcement ?? "enforce",
    allow: compileAllow(endpoint),
    deny: restDenies(endpoint).map(compileDenyMatch),
    allowedIps: endpoint.allowed_ips ?? literalHostIps(endpoint.host),
    allowEncodedSlash: endpoint.allow_encoded_slash ?? false,
    binaries,
  };
  if (endpoint.protocol === "graphql") grant.graphql = compileGraphql(endpoint);
  if (judgesGraphqlWs(endpoint)) grant.graphqlWs = compileGraphql(endpoint, false);
  if (isJsonRpcFamily(endpoint.protocol)) grant.mcp = compileMcp(endpoint);
  const lease = options.leases?.get(ruleKey);
  if (lease) grant.lease = lease;
  if (endpoint.path !== undefined && endpoint.path !== "**") {
    const pattern = canonicalizePattern(endpoint.path);
    grant.path = compilePathGlob(pattern);
    // Judged by body or message: also on the spellings an origin routes there (`/MCP`, `/ws/`).
    if (grant.graphql || grant.mcp || endpoint.protocol === "websocket") {
      grant.pathRead = compilePathGlob(pattern.toLowerCase(), "/", true);
    }
  }
  return grant;
}
