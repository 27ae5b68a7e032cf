/**
 * The authority a rule adds to a policy: every (binary, host, port, layer, method, path)
 * grant it makes, presets expanded, minus what the policy already grants. Pure.
 *
 * @module
 */

import {
  type CompiledPolicy,
  type Endpoint,
  isJsonRpcFamily,
  isRestShaped,
  judgesGraphqlWs,
  type L7Match,
  type NetworkRule,
  policyCoversRule,
  presetMethods,
  type RequestFacts,
  restDenies,
  WEBSOCKET_TEXT,
} from "../../proxy/policy/mod.ts";

/** One grant: a binary may make this request (L7) or open this connection (L4). */
export interface AuthorityGrant {
  /** Binary path or glob; `*` for any binary. */
  binary: string;
  /** Host or host pattern (lower-case); `(allowed_ips …)` for a host-less endpoint. */
  host: string;
  /** Destination port. */
  port: number;
  /** `l4`: the whole connection (a blind tunnel); `l7`: the method and path below. */
  layer: "l4" | "l7";
  /** Upper-case method or `*` (L7 only). */
  method?: string;
  /** Path glob (L7 only). */
  path?: string;
  /** The endpoint's REST deny rules (L7 only): the org ceiling accepts a deny it also has. */
  denies?: L7Match[];
}

/** What a rule adds to a policy. */
export interface AuthorityDelta {
  /** The grants the policy does not make yet; empty when the rule is already covered. */
  added: AuthorityGrant[];
  /** Every grant of the rule (after preset expansion). */
  total: number;
  /** True when the added grants go beyond one concrete request (patterns or several grants). */
  widens: boolean;
}

/**
 * Every grant a rule makes, presets expanded: an L4 endpoint one per port and binary, an L7
 * endpoint one per allowed method and path (an `audit` endpoint allows anything: `* /**`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ruleGrants } from "./authority_delta.ts";
 * const g = ruleGrants({ endpoints: [{ host: "a.example.com", port: 443, protocol: "rest", access: "read-only" }], binaries: [{ path: "/usr/bin/curl" }] });
 * assert(g.length === 3 && g[0]!.method === "GET" && g[0]!.path === "/**");
 * ```
 */
export function ruleGrants(rule: NetworkRule): AuthorityGrant[] {
  const out = new Map<string, AuthorityGrant>();
  const binaries = rule.binaries?.map((b) => b.path) ?? ["*"];
  for (const ep of rule.endpoints) {
    const host = ep.host?.toLowerCase() ?? `(allowed_ips ${(ep.allowed_ips ?? []).join(",")})`;
    for (const port of new Set(ep.ports ?? (ep.port === undefined ? [] : [ep.port]))) {
      for (const binary of binaries) {
        for (const ask of asks(ep)) {
          const g: AuthorityGrant = { binary, host, port, ...ask };
          if (g.layer === "l7") g.denies = restDenies(ep);
          const key = formatGrant(g);
          const twin = out.get(key);
          // The same grant from two endpoints keeps only the denies both have.
          if (twin) twin.denies = sharedDenies(twin.denies, g.denies);
          else out.set(key, g);
        }
      }
    }
  }
  return [...out.values()];
}

function sharedDenies(a: L7Match[] = [], b: L7Match[] = []): L7Match[] {
  const inB = new Set(b.map((m) => JSON.stringify(m)));
  return a.filter((m) => inB.has(JSON.stringify(m)));
}

function asks(ep: Endpoint): Pick<AuthorityGrant, "layer" | "method" | "path">[] {
  const all = restAsks(ep);
  if (!ep.allow_encoded_slash) return all;
  return all.flatMap((a) => {
    const wide = a.path === undefined ? a.path : slashWide(a.path);
    return wide === a.path ? [a] : [a, { ...a, path: wide }];
  });
}

/**
 * A glob as an origin that decodes `%2F` reads it under `allow_encoded_slash`: a segment with
 * a `*` also holds `a%2Fb%2Fc`, that is any segments below it: `/a/*` is asked as itself and
 * with `/**` after it.
 */
function slashWide(path: string): string {
  return path.split("/").map((seg) => seg.includes("*") && seg !== "**" ? `${seg}/**` : seg)
    .join("/");
}

function restAsks(ep: Endpoint): Pick<AuthorityGrant, "layer" | "method" | "path">[] {
  const base = ep.path ?? "/**";
  // GraphQL operations and JSON-RPC calls (MCP, generic) have no method/path grant: count them
  // as every request on the path, so they are never "covered", never inside a ceiling by
  // accident, never auto-approved (a new MCP tool or JSON-RPC method is a widening).
  if (ep.protocol === "graphql" || isJsonRpcFamily(ep.protocol)) {
    return [{ layer: "l7", method: "*", path: base }];
  }
  if (!isRestShaped(ep.protocol)) return [{ layer: "l4" }];
  // An audit endpoint allows what it would deny: its authority is every request.
  if (ep.enforcement === "audit") return [{ layer: "l7", method: "*", path: base }];
  if (ep.access) {
    return presetMethods(ep.access, ep.protocol).map((method) => ({
      layer: "l7",
      method,
      path: base,
    }));
  }
  const requests = (ep.rules ?? []).flatMap((r) =>
    "path" in r.allow
      ? [{ layer: "l7" as const, method: r.allow.method.toUpperCase(), path: r.allow.path }]
      : []
  );
  // GraphQL-over-WebSocket operations have no method/path grant either: beside the upgrade's
  // GET, count them as every message on the path (never covered by another endpoint's
  // operations, inside a ceiling only where it allows every message there).
  if (!judgesGraphqlWs(ep)) return requests;
  return [...requests, { layer: "l7", method: WEBSOCKET_TEXT, path: base }];
}

/**
 * One line: `/usr/bin/curl -> api.example.com:443 L7 PUT /repos/**`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatGrant } from "./authority_delta.ts";
 * assert.equal(formatGrant({ binary: "*", host: "h", port: 22, layer: "l4" }), "any binary -> h:22 L4");
 * ```
 */
export function formatGrant(g: AuthorityGrant): string {
  const who = g.binary === "*" ? "any binary" : g.binary;
  const what = g.layer === "l4" ? "L4" : `L7 ${g.method} ${g.path}`;
  return `${who} -> ${g.host}:${g.port} ${what}`;
}

/**
 * True when `compiled` already grants `g`. A host pattern or binary glob is asked as a whole
 * (`policyCoversRule`): only endpoints and rules that hold every host and binary of it count,
 * so neither a one-label `*` nor a two-deep sample ever stands for a `**`. A host-less grant
 * is never covered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../../proxy/policy/mod.ts";
 * import { grantCovered } from "./authority_delta.ts";
 * const empty = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * assert(!grantCovered(empty, { binary: "*", host: "h.example.com", port: 443, layer: "l4" }));
 * ```
 */
export function grantCovered(
  compiled: CompiledPolicy,
  g: AuthorityGrant,
  at: Pick<RequestFacts, "now" | "sandbox"> = {},
): boolean {
  if (g.host.startsWith("(")) return false;
  const ep: Endpoint = g.layer === "l4" ? { host: g.host, port: g.port } : {
    host: g.host,
    port: g.port,
    protocol: "rest",
    rules: [{ allow: { method: g.method!, path: g.path! } }],
  };
  const rule: NetworkRule = g.binary === "*"
    ? { endpoints: [ep] }
    : { endpoints: [ep], binaries: [{ path: g.binary }] };
  return policyCoversRule(compiled, rule, at);
}

/**
 * What `rule` adds to the policy `current`: the grants it does not make yet, and whether
 * they widen beyond one concrete request. Leased grants of `current` count only at `at.now`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../../proxy/policy/mod.ts";
 * import { authorityDelta } from "./authority_delta.ts";
 * const empty = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * const d = authorityDelta(empty, { endpoints: [{ host: "h.example.com", port: 443 }], binaries: [{ path: "/b" }] });
 * assert(d.added.length === 1 && !d.widens);
 * ```
 */
export function authorityDelta(
  current: CompiledPolicy,
  rule: NetworkRule,
  at: Pick<RequestFacts, "now" | "sandbox"> = {},
): AuthorityDelta {
  const all = ruleGrants(rule);
  const added = all.filter((g) => !grantCovered(current, g, at));
  // A WEBSOCKET_TEXT grant allows every message of every WebSocket on its path: never one
  // request, even on a concrete path.
  const pattern = (g: AuthorityGrant) =>
    g.binary.includes("*") || g.host.includes("*") || g.host.startsWith("(") ||
    g.method === "*" || g.method === WEBSOCKET_TEXT || (g.path ?? "").includes("*");
  // One L7 request may need GET and its HEAD twin: still one request.
  const requests = new Set(
    added.map((g) =>
      `${g.binary} ${g.host}:${g.port} ${g.method === "HEAD" ? "GET" : g.method} ${g.path}`
    ),
  );
  return { added, total: all.length, widens: requests.size > 1 || added.some(pattern) };
}

/**
 * The delta as one line for a finding, a patch message or the agent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeDelta } from "./authority_delta.ts";
 * assert.equal(describeDelta({ added: [], total: 1, widens: false }), "adds nothing: already covered by the policy");
 * ```
 */
export function describeDelta(delta: AuthorityDelta, max = 8): string {
  if (delta.added.length === 0) return "adds nothing: already covered by the policy";
  const shown = delta.added.slice(0, max).map(formatGrant);
  const more = delta.added.length > max ? `; +${delta.added.length - max} more` : "";
  const widening = delta.widens ? ", widening beyond one request" : "";
  return `adds ${delta.added.length} grant(s)${widening}: ${shown.join("; ")}${more}`;
}
