/**
 * Before a request is decided, the transport must know whether a GraphQL endpoint will judge
 * it (then its body is read, up to the endpoint's cap, and classified first).
 *
 * @module
 */

import { binaryMatches, lookupGrants } from "./compile_policy.ts";
import type { CompiledPolicy } from "./compiled_policy.ts";
import type { RequestFacts } from "./request_facts.ts";

/**
 * The body cap of the GraphQL endpoints that would judge this L7 request (the smallest, so
 * no endpoint inspects less than it asked), or undefined when none would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, graphqlBodyLimit } from "./mod.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {
 *   g: { endpoints: [{ host: "h", port: 443, path: "/graphql", protocol: "graphql", access: "read-only" }] } } });
 * const facts = { host: "h", port: 443, identity: { exe: "/b", ancestors: [] }, method: "POST" };
 * assert.equal(graphqlBodyLimit(compiled, { ...facts, path: "/graphql" }), 65536);
 * assert.equal(graphqlBodyLimit(compiled, { ...facts, path: "/other" }), undefined);
 * ```
 */
export function graphqlBodyLimit(
  compiled: CompiledPolicy,
  facts: RequestFacts,
): number | undefined {
  const id = facts.identity;
  const path = facts.path;
  if (id === undefined || path === undefined) return undefined;
  let limit: number | undefined;
  for (const g of lookupGrants(compiled, facts.host, facts.port, facts.addresses)) {
    if (!g.graphql || (g.path && !g.path(path))) continue;
    const who = binaryMatches(g.binaries, id.exe) ||
      id.ancestors.some((a) => binaryMatches(g.binaries, a));
    if (who) limit = Math.min(limit ?? Infinity, g.graphql.maxBodyBytes);
  }
  return limit;
}
