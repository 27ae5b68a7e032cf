/**
 * The one-line endpoint rendering of OpenShell's `format_endpoint`, used by the CLI and the
 * review surfaces: `api.example:443 [L7 rest, access=read-only]`.
 *
 * @module
 */

import { endpointPorts } from "./compile_policy.ts";
import { isGraphqlMatch, isJsonRpcFamily } from "../model/mod.ts";
import type { Endpoint, GraphqlMatch, L7Match, McpMatch, NetworkRule } from "../model/mod.ts";

/**
 * Render `host:port [tags]`: the layer (`L4`, or `L7 rest`), then `access=<preset>` and
 * `path=<glob>` (Tollgate's, for an endpoint with a `path`), then
 * `allow METHOD path` per rule, then `deny METHOD path` per deny rule, joined with `", "`; a
 * matcher's query follows as in OpenShell's draft review (`GET /x; query ref=main`).
 * One port renders exactly as OpenShell; several render comma-joined (`host:443,8443`),
 * where OpenShell would show only the first. A host-less endpoint renders its host as `*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatEndpoint } from "./format_endpoint.ts";
 * const s = formatEndpoint({ host: "api.example", port: 443, protocol: "rest", access: "read-only" });
 * assert.equal(s, "api.example:443 [L7 rest, access=read-only]");
 * ```
 */
export function formatEndpoint(ep: Endpoint): string {
  const tags = [
    ep.protocol === undefined
      ? "L4"
      : ["rest", "websocket", "graphql", "mcp", "json-rpc"].includes(ep.protocol.toLowerCase())
      ? `L7 ${ep.protocol.toLowerCase()}`
      : ep.protocol,
  ];
  // Audit lets through what the rules would deny: never shown as an enforced rule.
  if (ep.enforcement === "audit") tags.push("enforcement=audit");
  if (ep.access) tags.push(`access=${ep.access}`);
  // The endpoint's path scopes its allows and its denies: without it "deny * /**" reads as a
  // deny of every request on the host.
  if (ep.path !== undefined) tags.push(`path=${ep.path}`);
  // The method profile allows every MCP call no rule narrows: shown, never implied.
  if (ep.mcp?.allow_all_known_mcp_methods) tags.push("allow_all_known_mcp_methods");
  const text = isJsonRpcFamily(ep.protocol) ? mcpText : matcherText;
  for (const r of ep.rules ?? []) tags.push(`allow ${text(r.allow)}`);
  for (const d of ep.deny_rules ?? []) tags.push(`deny ${text(d)}`);
  return `${ep.host ?? "*"}:${endpointPorts(ep).join(",")} [${tags.join(", ")}]`;
}

/** How a rule without `binaries` is shown: it grants every binary (OpenShell's wording). */
export const ANY_BINARY = "any binary";

/**
 * Render a rule's binaries joined with `", "`, or `any binary` when it lists none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBinaries } from "./format_endpoint.ts";
 * assert.equal(formatBinaries({ endpoints: [] }), "any binary");
 * assert.equal(formatBinaries({ endpoints: [], binaries: [{ path: "/usr/bin/gh" }] }), "/usr/bin/gh");
 * ```
 */
export function formatBinaries(rule: NetworkRule): string {
  return rule.binaries ? rule.binaries.map((b) => b.path).join(", ") : ANY_BINARY;
}

/**
 * Render several endpoints joined with `", "`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatEndpoints } from "./format_endpoint.ts";
 * assert.equal(formatEndpoints([{ host: "a.example", port: 22 }, { host: "b.example", port: 443 }]), "a.example:22 [L4], b.example:443 [L4]");
 * ```
 */
export function formatEndpoints(eps: Endpoint[]): string {
  return eps.map(formatEndpoint).join(", ");
}

/**
 * `GET /x` for a REST matcher (`GET /x; query ref=main, tag in [v1,v2]` with query matchers,
 * as OpenShell's draft review shows them: without them a deny reads broader than it is),
 * `mutation Issue* {createIssue}` for a GraphQL one.
 */
function matcherText(m: L7Match | GraphqlMatch | McpMatch): string {
  if (!isGraphqlMatch(m) && "path" in m) {
    return `${m.method || "*"} ${m.path || "*"}${queryText(m.query)}`;
  }
  if (!isGraphqlMatch(m)) return mcpText(m);
  const name = m.operation_name ? ` ${m.operation_name}` : "";
  const fields = m.fields?.length ? ` {${m.fields.join(" ")}}` : "";
  return `${m.operation_type}${name}${fields}`;
}

/** `tools/call tool=search_*` for an MCP matcher (`*` for one without a method). */
function mcpText(m: L7Match | GraphqlMatch | McpMatch): string {
  const mcp = m as McpMatch;
  const spec = mcp.tool ?? mcp.params?.name;
  const method = mcp.method ?? (spec === undefined ? "*" : "tools/call");
  if (spec === undefined) return method;
  const tool = typeof spec === "string" ? spec : "glob" in spec ? spec.glob : `[${spec.any}]`;
  return `${method} tool=${tool}`;
}

function queryText(query: L7Match["query"]): string {
  const keys = Object.keys(query ?? {}).sort();
  if (keys.length === 0) return "";
  const shown = keys.map((key) => {
    const spec = query![key]!;
    if (typeof spec === "object" && "any" in spec) return `${key} in [${spec.any.join(",")}]`;
    return `${key}=${typeof spec === "string" ? spec : spec.glob}`;
  });
  return `; query ${shown.join(", ")}`;
}
