/**
 * Before a request is decided, the transport must know whether a GraphQL or MCP endpoint will
 * judge it (then its body is read, up to the endpoint's cap, and classified first).
 *
 * @module
 */

import { binaryMatches, lookupGrants } from "../compile/mod.ts";
import type { CompiledPolicy } from "../model/mod.ts";
import type { RequestFacts } from "../model/mod.ts";
import { judgedPath } from "./_judged_path.ts";

/**
 * The body cap of the GraphQL or MCP endpoints that would judge this L7 request (the
 * smallest, so no endpoint inspects less than it asked), or undefined when none would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../mod.ts";
 * import { graphqlBodyLimit } from "./graphql_body_limit.ts";
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
  return bodyInspection(compiled, facts)?.cap;
}

/** Which body readers judge a request, and the cap its body is read up to. */
export interface BodyInspection {
  /** The smallest body cap of the judging endpoints. */
  cap: number;
  /** A GraphQL endpoint judges the request. */
  graphql: boolean;
  /** An MCP endpoint judges the request. */
  mcp: boolean;
  /** A `protocol: json-rpc` endpoint judges the request. */
  jsonRpc: boolean;
}

/**
 * The GraphQL and MCP endpoints that would judge this L7 request, or undefined when none
 * would (see {@linkcode graphqlBodyLimit}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyInspection, compilePolicy } from "../mod.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {
 *   m: { endpoints: [{ host: "h", port: 443, protocol: "mcp", mcp: { max_body_bytes: 1000 },
 *     rules: [{ allow: { method: "tools/list" } }] }] } } });
 * const facts = { host: "h", port: 443, identity: { exe: "/b", ancestors: [] }, method: "POST" };
 * assert.deepEqual(bodyInspection(compiled, { ...facts, path: "/mcp" }),
 *   { cap: 1000, graphql: false, mcp: true, jsonRpc: false });
 * ```
 */
export function bodyInspection(
  compiled: CompiledPolicy,
  facts: RequestFacts,
): BodyInspection | undefined {
  const id = facts.identity;
  const path = facts.path;
  if (id === undefined || path === undefined) return undefined;
  let found: BodyInspection | undefined;
  for (const g of lookupGrants(compiled, facts.host, facts.port, facts.addresses)) {
    const cap = g.graphql?.maxBodyBytes ?? g.mcp?.maxBodyBytes;
    if (cap === undefined || judgedPath(g, path) === "off") continue;
    const who = binaryMatches(g.binaries, id.exe) ||
      id.ancestors.some((a) => binaryMatches(g.binaries, a));
    if (!who) continue;
    found ??= { cap, graphql: false, mcp: false, jsonRpc: false };
    found.cap = Math.min(found.cap, cap);
    if (g.graphql) found.graphql = true;
    else if (g.mcp?.kind === "json-rpc") found.jsonRpc = true;
    else found.mcp = true;
  }
  return found;
}
