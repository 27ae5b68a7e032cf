/**
 * The one-line summary of a proposed rule: the patch subject, and so the headline of
 * `proposals list` and `watch`, the inbox, notifications and the approval commit. The agent
 * orders a rule's endpoints, allows and binaries, so the summary leads with the strongest of
 * each, never with the first the agent wrote.
 *
 * @module
 */

import {
  type Endpoint,
  type GraphqlMatch,
  isGraphqlMatch,
  judgesGraphqlWs,
  type McpMatch,
  mcpRules,
  type NetworkRule,
  restAllows,
} from "../../proxy/policy/mod.ts";
import { visibleText } from "../repo/mod.ts";

type Allow = ReturnType<typeof restAllows>[number];

/** Ranks of a method's power: any method, then DELETE, then other writes, then reads. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

function methodRank(method: string): number {
  const m = method.toUpperCase();
  if (m === "*") return 4;
  if (m === "DELETE") return 3;
  return READS.has(m) ? 1 : 2;
}

// A glob across segments reaches more than one within a segment, which reaches more than none.
function pathRank(path: string): number {
  return path.includes("**") ? 0.2 : path.includes("*") ? 0.1 : 0;
}

function allowRank(a: Allow): number {
  return methodRank(a.method) + pathRank(a.path) + (a.query === undefined ? 0.05 : 0);
}

function graphqlAllows(e: Endpoint): GraphqlMatch[] {
  return (e.rules ?? []).map((r) => r.allow).filter(isGraphqlMatch);
}

// As a method: any operation type, then mutations (writes), then queries and subscriptions.
function operationRank(m: GraphqlMatch): number {
  const type = m.operation_type.toLowerCase();
  const base = type === "*" ? 4 : type === "mutation" ? 2 : 1;
  return base + ((m.operation_name ?? "*").includes("*") ? 0.1 : 0) + (m.fields ? 0 : 0.05);
}

function endpointRank(e: Endpoint): number {
  // L4 and audit endpoints let every request through: the strongest a rule can add.
  if (e.protocol === undefined || e.protocol === "tcp" || e.enforcement === "audit") return 5;
  if (e.access === "full") return 4.3;
  if (e.access === "read-write") return 2.3;
  if (e.access) return 1.3;
  // A GraphQL mutation ranks as a write: never hidden behind a REST read.
  if (e.protocol === "graphql" || judgesGraphqlWs(e)) {
    return Math.max(0, ...graphqlAllows(e).map(operationRank));
  }
  if (e.protocol === "mcp") return e.mcp?.allow_all_known_mcp_methods ? 4 : mcpRank(e);
  if (e.protocol === "json-rpc") return jsonRpcRank(e);
  return Math.max(0, ...restAllows(e).map(allowRank));
}

/** The items strongest first (stable: equal ones keep the agent's order). */
function strongestFirst<T>(items: readonly T[], rank: (item: T) => number): T[] {
  return items.map((item, i) => ({ item, i, r: rank(item) }))
    .sort((a, b) => b.r - a.r || a.i - b.i).map((x) => x.item);
}

function portText(e: Endpoint): string {
  return (e.ports ?? (e.port === undefined ? [] : [e.port])).join(",");
}

function grantText(e: Endpoint): string {
  // A host-less endpoint reaches any name resolving inside its allowed_ips: say so, as the
  // authority delta does (it read `undefined:443`).
  const host = e.host ?? `(allowed_ips ${(e.allowed_ips ?? []).join(",")})`;
  const target = `${host}:${portText(e)}`;
  if (!["rest", "websocket", "graphql", "mcp", "json-rpc"].includes(e.protocol ?? "")) {
    return target;
  }
  // Audit logs what it would deny and lets it through: every request on the path.
  if (e.enforcement === "audit") return `* ${target} ${e.path ?? "/**"} (audit)`;
  if (e.protocol === "graphql" && !e.access) return graphqlText(e, target);
  // GraphQL over WebSocket: the strongest operation its messages may run, said as such.
  if (judgesGraphqlWs(e) && !e.access) return `websocket ${graphqlText(e, target)}`;
  if (e.protocol === "mcp") return mcpText(e, target);
  if (e.protocol === "json-rpc") return jsonRpcText(e, target);
  // A websocket preset grants messages, not requests: say so (`websocket read-write h:443`).
  if (e.access) return `${e.protocol === "websocket" ? "websocket " : ""}${e.access} ${target}`;
  const allows = strongestFirst(restAllows(e), allowRank);
  const first = allows[0];
  const more = allows.length > 1 ? ` (+${allows.length - 1} more)` : "";
  return first ? `${first.method} ${target} ${first.path}${more}` : target;
}

// A tool call can act (a write); other MCP methods list or read. A glob reaches more.
function mcpRank(e: Endpoint): number {
  const rank = (m: McpMatch) => {
    const tool = m.tool ?? m.params?.name;
    const globbed = JSON.stringify(tool ?? m.method ?? "*").includes("*");
    return (m.method === "tools/call" || tool !== undefined ? 2 : 1) + (globbed ? 0.1 : 0);
  };
  return Math.max(0, ...mcpRules(e).allow.map(rank));
}

// A JSON-RPC method is opaque: any one may write; `*` reaches every method.
function jsonRpcRank(e: Endpoint): number {
  return mcpRules(e).allow.some((m) => m.method === "*") ? 4 : 2;
}

/** `json-rpc reports.search rpc.example.com:443 /rpc (+1 more)`: `*` (every method) first. */
function jsonRpcText(e: Endpoint, target: string): string {
  const path = e.path === undefined ? "" : ` ${e.path}`;
  const allows = strongestFirst(mcpRules(e).allow, (m) => m.method === "*" ? 1 : 0);
  const first = allows[0];
  if (!first) return `json-rpc ${target}${path}`;
  const more = allows.length > 1 ? ` (+${allows.length - 1} more)` : "";
  const method = visibleText(first.method ?? "*", 100);
  return `json-rpc ${method} ${target}${path}${more}`;
}

/** `mcp tools/call search_web mcp.example.com:443 /mcp (+1 more)`, or the method profile. */
function mcpText(e: Endpoint, target: string): string {
  const path = e.path === undefined ? "" : ` ${e.path}`;
  if (e.mcp?.allow_all_known_mcp_methods) return `mcp * ${target}${path} (every method)`;
  const allows = mcpRules(e).allow;
  const first = allows[0];
  if (!first) return `mcp ${target}${path}`;
  const tool = first.tool ?? first.params?.name;
  const raw = tool === undefined ? "" : typeof tool === "string" ? tool : JSON.stringify(tool);
  const toolText = tool === undefined ? "" : ` ${visibleText(raw, 100)}`;
  const more = allows.length > 1 ? ` (+${allows.length - 1} more)` : "";
  return `mcp ${first.method ?? "tools/call"}${toolText} ${target}${path}${more}`;
}

/** `mutation CreateIssue api.github.com:443 /graphql (+1 more)`: the strongest operation. */
function graphqlText(e: Endpoint, target: string): string {
  const allows = strongestFirst(graphqlAllows(e), operationRank);
  const first = allows[0];
  if (!first) return target;
  const more = allows.length > 1 ? ` (+${allows.length - 1} more)` : "";
  const path = e.path === undefined ? "" : ` ${e.path}`;
  return `${first.operation_type} ${first.operation_name ?? "*"} ${target}${path}${more}`;
}

/**
 * The one-line summary (patch subject, commit subject) of a rule for a policy, led by its
 * strongest endpoint and allow, naming every binary broadest first (a glob before an exact
 * path) as long as they fit in 200 characters, then how many more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeRule } from "./summarize_rule.ts";
 * const s = summarizeRule("team", { endpoints: [{ host: "h", port: 443 }], binaries: [{ path: "/b" }] });
 * assert.equal(s, "policy(team): allow h:443 for /b");
 * const rules = [{ allow: { method: "GET", path: "/a" } }, { allow: { method: "DELETE", path: "/r" } }];
 * const two = summarizeRule("team", { endpoints: [{ host: "h", port: 443, protocol: "rest", rules }] });
 * assert.equal(two, "policy(team): allow DELETE h:443 /r (+1 more) for any binary");
 * ```
 */
export function summarizeRule(policy: string, rule: NetworkRule): string {
  const [first, ...rest] = strongestFirst(rule.endpoints, endpointRank);
  const more = rest.length ? ` (+${rest.length} endpoint${rest.length > 1 ? "s" : ""})` : "";
  const head = `policy(${policy}): allow ${first ? grantText(first) : "-"}${more} for `;
  return visibleText(head + fittingBinaries(rule, SUMMARY_CHARS - head.length), SUMMARY_CHARS);
}

const SUMMARY_CHARS = 200;

/**
 * Every binary a rule grants, broadest first (a glob before an exact path, then as written),
 * or `any binary`: what a reviewer reads wherever one line names a rule's binaries (the patch,
 * `proposals show`, the inbox, notifications), so that none names one binary of several.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reviewedBinaries } from "./summarize_rule.ts";
 * const rule = { endpoints: [], binaries: [{ path: "/usr/bin/curl" }, { path: "/usr/**" }] };
 * assert.equal(reviewedBinaries(rule), "/usr/**, /usr/bin/curl");
 * assert.equal(reviewedBinaries({ endpoints: [] }), "any binary");
 * ```
 */
export function reviewedBinaries(rule: NetworkRule): string {
  return binaryList(rule).join(", ");
}

function binaryList(rule: NetworkRule): string[] {
  const paths = rule.binaries?.map((b) => b.path) ?? ["any binary"];
  return strongestFirst(paths, (p) => p.includes("*") ? 1 : 0);
}

/** The binaries, broadest first, as many as fit in `room` characters, then `(+N more)`. */
function fittingBinaries(rule: NetworkRule, room: number): string {
  const all = binaryList(rule);
  const whole = all.join(", ");
  if (whole.length <= room) return whole;
  for (let shown = all.length - 1; shown > 1; shown--) {
    const text = `${all.slice(0, shown).join(", ")} (+${all.length - shown} more)`;
    if (text.length <= room) return text;
  }
  return `${all[0]} (+${all.length - 1} more)`;
}
