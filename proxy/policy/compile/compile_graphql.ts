/**
 * Compile the GraphQL side of a `protocol: graphql` endpoint: its allow rules (or its access
 * preset, expanded as OpenShell's `access_preset_rules` does), deny rules, persisted-query
 * registry and body cap; with `presets` false, a GraphQL-over-WebSocket endpoint's (rules only).
 *
 * @module
 */

import type { CompiledGraphql, CompiledGraphqlMatch } from "../model/mod.ts";
import { compileStringGlob } from "../glob/mod.ts";
import { GRAPHQL_DEFAULT_MAX_BODY_BYTES } from "../rpc/mod.ts";
import { graphqlAllows, graphqlDenies } from "../model/mod.ts";
import type { Endpoint, GraphqlMatch } from "../model/mod.ts";

/** The operation types each access preset allows on a GraphQL endpoint. */
const PRESET_TYPES: Record<string, string[]> = {
  "read-only": ["query"],
  "read-write": ["query", "mutation"],
  full: ["*"],
};

/**
 * Compile a GraphQL endpoint's matchers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileGraphql } from "./compile_graphql.ts";
 * const g = compileGraphql({ host: "h", port: 443, protocol: "graphql", access: "read-only" });
 * assert(g.allow[0]?.type === "query" && g.maxBodyBytes === 65536);
 * ```
 */
export function compileGraphql(ep: Endpoint, presets = true): CompiledGraphql {
  // A websocket endpoint's access preset names methods (GET, WEBSOCKET_TEXT), never operations.
  const allow = ep.access && presets
    ? (PRESET_TYPES[ep.access] ?? []).map((type) => ({ type }))
    : graphqlAllows(ep).map(compileGraphqlMatch);
  return {
    allow,
    deny: graphqlDenies(ep).map(compileGraphqlMatch),
    allowRegistered: ep.persisted_queries === "allow_registered",
    registry: new Map(Object.entries(ep.graphql_persisted_queries ?? {})),
    maxBodyBytes: ep.graphql_max_body_bytes ?? GRAPHQL_DEFAULT_MAX_BODY_BYTES,
  };
}

function compileGraphqlMatch(m: GraphqlMatch): CompiledGraphqlMatch {
  const out: CompiledGraphqlMatch = { type: m.operation_type.toLowerCase() };
  if (m.operation_name) out.name = compileStringGlob(m.operation_name);
  if (m.fields?.length) out.fields = m.fields.map(compileStringGlob);
  return out;
}
