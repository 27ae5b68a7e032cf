/**
 * The org ceiling's deny rules. A ceiling deny never reaches a sandbox policy: the proxy
 * enforces only the sandbox's own file. So a grant is inside the ceiling only if no ceiling
 * deny could fire on one of its requests, or if the grant's own endpoint denies at least as
 * much. Sample paths cannot tell this: `PUT /repos/o/r/contents/**` passes a ceiling that
 * denies `PUT /repos/o/r/contents/.github/**` on both `/…/contents/**` and `/…/contents/w/w`.
 *
 * @module
 */

import {
  canonicalizePattern,
  globCovers,
  globsOverlap,
  type L7Match,
  lookupGrants,
  type NetworkRule,
  restDenies,
} from "../../proxy/policy/mod.ts";
import type { CompiledPolicy } from "../../proxy/policy/mod.ts";
import type { AuthorityGrant } from "./authority_delta.ts";

/**
 * The first ceiling deny that some request of L7 grant `g` could hit and that `g`'s own
 * denies do not repeat; undefined when there is none (or `g` is L4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyText } from "../../proxy/policy/mod.ts";
 * import { ceilingDenyReached } from "./ceiling_denies.ts";
 * const ceiling = loadPolicyText(`version: 1
 * network_policies:
 *   gh:
 *     endpoints:
 *       - { host: h.example.com, port: 443, protocol: rest, access: read-only, deny_rules: [{ method: GET, path: "/secrets/**" }] }
 * `, "ceiling.yaml").compiled;
 * const g = { binary: "/b", host: "h.example.com", port: 443, layer: "l7" as const, method: "GET", path: "/**" };
 * assert.equal(ceilingDenyReached(ceiling, g)?.path, "/secrets/**");
 * assert.equal(ceilingDenyReached(ceiling, { ...g, path: "/issues/**" }), undefined);
 * assert.equal(ceilingDenyReached(ceiling, { ...g, denies: [{ method: "*", path: "/secrets/**" }] }), undefined);
 * ```
 */
export function ceilingDenyReached(
  ceiling: CompiledPolicy,
  g: AuthorityGrant,
): L7Match | undefined {
  if (g.layer !== "l7") return undefined;
  const own = (g.denies ?? []).map(lowered);
  const path = lowered({ method: g.method!, path: g.path! });
  return ceilingDenies(ceiling, g).find((deny) => {
    const d = lowered(deny);
    // The deny read as a proxy reads a deny path (a `**` inside a segment crosses `/`).
    return methodsMeet(d.method, path.method) && globsOverlap(d.path, path.path, "/", true) &&
      !own.some((mine) => denyCovers(mine, d));
  });
}

/**
 * The deny rules of every ceiling endpoint that could judge a request of `g`: on its port, for
 * some host and some binary of it (a host pattern and a binary glob overlap a ceiling's exactly;
 * samples of them miss a deny on `vault.a.b.example.com` under `**.example.com`).
 */
function ceilingDenies(ceiling: CompiledPolicy, g: AuthorityGrant): L7Match[] {
  const binaryMeets = (rule: NetworkRule) =>
    g.binary === "*" || !rule.binaries || rule.binaries.some((b) => globsOverlap(b.path, g.binary));
  if (!g.host.includes("*")) {
    return lookupGrants(ceiling, g.host, g.port)
      .filter((c) => binaryMeets(ceiling.policy.network_policies[c.ruleKey]!))
      .flatMap((c) => restDenies(c.endpoint));
  }
  const host = g.host.toLowerCase();
  return Object.values(ceiling.policy.network_policies).filter(binaryMeets).flatMap((rule) =>
    rule.endpoints.filter((ep) =>
      ep.host !== undefined && (ep.ports ?? [ep.port]).includes(g.port) &&
      globsOverlap(ep.host.toLowerCase(), host, ".")
    ).flatMap(restDenies)
  );
}

/** Deny paths match case-insensitively, on canonical escapes. */
function lowered(m: L7Match): L7Match {
  const path = canonicalizePattern(m.path).toLowerCase();
  return { ...m, method: m.method.toUpperCase(), path };
}

/** Could a deny on method `deny` fire on a request a grant on `grant` allows? */
function methodsMeet(deny: string, grant: string): boolean {
  if (deny === "*" || grant === "*" || deny === grant) return true;
  // A rule on GET covers HEAD, for allow and deny alike.
  return (deny === "GET" && grant === "HEAD") || (deny === "HEAD" && grant === "GET");
}

/** Does the grant's own deny `mine` surely fire wherever the ceiling's deny `d` does? */
function denyCovers(mine: L7Match, d: L7Match): boolean {
  const method = mine.method === "*" || mine.method === d.method ||
    (mine.method === "GET" && d.method === "HEAD");
  const query = mine.query === undefined ||
    JSON.stringify(mine.query) === JSON.stringify(d.query);
  return method && query && globCovers(mine.path, d.path);
}
