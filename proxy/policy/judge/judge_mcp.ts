/**
 * The JSON-RPC-family judgement of one request against the MCP (or the JSON-RPC) endpoints its
 * path selects, as OpenShell's Rego and relay have it: each call of a body (every item of a
 * batch) must be allowed by some endpoint and denied by none, the first refused call refuses
 * the whole request; a malformed body is refused even in audit mode. MCP lets response frames
 * and the receive-stream GET pass; generic JSON-RPC refuses a response frame even in audit
 * mode (it has no MCP request correlation) and has no receive stream.
 *
 * @module
 */

import type { CompiledMcpMatch, Grant } from "../model/mod.ts";
import type { Decision, McpCallSummary, RpcCallsSummary } from "../model/mod.ts";
import { type McpCall, type McpRequestInfo, STRICT_TOOL_NAME } from "../rpc/mod.ts";
import type { RequestFacts } from "../model/mod.ts";
import { allowL7, auditAllow, denyL7 } from "./_verdicts.ts";

const PRINTABLE = /^[\x20-\x7e]{1,128}$/;

/**
 * Decide an L7 request that MCP endpoints judge (`grants`: those on its path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, lookupGrants } from "../compile/mod.ts";
 * import { decideMcp } from "./judge_mcp.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: { m: {
 *   endpoints: [{ host: "h", port: 443, protocol: "mcp", rules: [{ allow: { method: "tools/list" } }] }] } } });
 * const facts = { host: "h", port: 443, method: "POST", path: "/mcp",
 *   identity: { exe: "/b", ancestors: [] } };
 * const call = (method: string) => ({ ...facts, mcp: { calls: [{ method }], batch: false,
 *   receiveStream: false, hasResponse: false } });
 * const grants = [...lookupGrants(compiled, "h", 443)];
 * assert.equal(decideMcp(call("tools/list"), grants).verdict, "allow");
 * assert.equal(decideMcp(call("tools/call"), grants).ruleMissing?.type, "mcp_allow");
 * ```
 */
export function decideMcp(facts: RequestFacts, grants: Grant[]): Decision {
  return decideFamily(facts, grants, "mcp");
}

/**
 * Decide an L7 request that `protocol: json-rpc` endpoints judge (`grants`: those on its
 * path), on `facts.jsonRpc`: by method only, exact or `*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, lookupGrants } from "../compile/mod.ts";
 * import { decideJsonRpc } from "./judge_mcp.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: { j: {
 *   endpoints: [{ host: "h", port: 443, protocol: "json-rpc", rules: [{ allow: { method: "reports.list" } }] }] } } });
 * const facts = { host: "h", port: 443, method: "POST", path: "/rpc",
 *   identity: { exe: "/b", ancestors: [] } };
 * const call = (method: string) => ({ ...facts, jsonRpc: { calls: [{ method }], batch: false,
 *   receiveStream: false, hasResponse: false } });
 * const grants = [...lookupGrants(compiled, "h", 443)];
 * assert.equal(decideJsonRpc(call("reports.list"), grants).verdict, "allow");
 * assert.equal(decideJsonRpc(call("reports.delete"), grants).ruleMissing?.type, "json_rpc_allow");
 * ```
 */
export function decideJsonRpc(facts: RequestFacts, grants: Grant[]): Decision {
  return decideFamily(facts, grants, "json-rpc");
}

type Kind = "mcp" | "json-rpc";

function decideFamily(facts: RequestFacts, grants: Grant[], kind: Kind): Decision {
  const d = judge(facts, grants, kind);
  const calls = (kind === "mcp" ? facts.mcp : facts.jsonRpc)?.calls ?? [];
  if (calls.length > 0) d.rpc = callsSummary(kind, calls);
  // Every denial here asks for a rule of the endpoint's kind, and the 403 names the protocol.
  if (d.verdict === "deny") {
    if (kind === "mcp") d.mcp ??= {};
    else d.jsonRpc ??= {};
    if (d.ruleMissing) d.ruleMissing.type = kind === "mcp" ? "mcp_allow" : "json_rpc_allow";
  }
  return d;
}

const LOGGED_CALLS = 20;

// What the log says the body asked for (OpenShell's rule_methods and tools): printable names.
function callsSummary(kind: Kind, calls: McpCall[]): RpcCallsSummary {
  const out: RpcCallsSummary = {
    protocol: kind,
    calls: calls.slice(0, LOGGED_CALLS).map(summarizeCall),
  };
  if (calls.length > LOGGED_CALLS) out.more = calls.length - LOGGED_CALLS;
  return out;
}

/** OpenShell's reason for a client-sent response frame on a generic JSON-RPC endpoint. */
const RESPONSE_FRAME = "JSON-RPC response frames are not permitted from client to server";

function judge(facts: RequestFacts, grants: Grant[], kind: Kind): Decision {
  const info = (kind === "mcp" ? facts.mcp : facts.jsonRpc) ??
    { calls: [], batch: false, receiveStream: false, hasResponse: false, error: "no body read" };
  const hard = hardProblem(info, grants);
  if (hard !== undefined) return denyL7(facts, grants, `JSON-RPC request rejected: ${hard}`);
  const post = facts.method?.toUpperCase() === "POST";
  if (kind === "json-rpc" && post && info.hasResponse) return denyL7(facts, grants, RESPONSE_FRAME);
  const head = `${facts.method} ${facts.path}`;
  if (info.receiveStream && kind === "mcp") return allowL7(facts, grants);
  if (!post) return refuse(facts, grants, `${head} not permitted by policy`);
  let audited: Decision | undefined;
  for (const call of info.calls) {
    const d = judgeCall(facts, grants, call, head, kind);
    if (d.verdict === "deny") return d;
    if (d.audit) audited ??= d;
  }
  // Response frames answer the server's own requests (elicitation, sampling): MCP lets them in.
  return audited ?? allowL7(facts, grants);
}

function hardProblem(info: McpRequestInfo, grants: Grant[]): string | undefined {
  if (info.error !== undefined) return info.error;
  if (!grants.some((g) => g.mcp!.strictToolNames)) return undefined;
  const odd = info.calls.find((c) => c.tool !== undefined && !STRICT_TOOL_NAME.test(c.tool));
  if (odd === undefined) return undefined;
  return "MCP tool name must match ^[A-Za-z0-9_.-]{1,128}$ when strict_tool_names is enabled";
}

function judgeCall(
  facts: RequestFacts,
  grants: Grant[],
  call: McpCall,
  head: string,
  kind: Kind,
): Decision {
  const text = callText(call);
  const denying = grants.filter((g) => g.mcp!.deny.some((m) => fires(m, call)));
  if (denying.length > 0) {
    const reason = `${head} blocked by deny rule: ${text}`;
    const enforcing = denying.filter((g) => g.enforcement === "enforce");
    if (enforcing.length === 0) return auditAllow(facts, denying, reason);
    return named(denyL7(facts, enforcing, reason), call, kind);
  }
  const allowing = grants.filter((g) => allows(g, call));
  if (allowing.length > 0) return allowL7(facts, allowing);
  return named(refuse(facts, grants, `${head} not permitted by policy: ${text}`), call, kind);
}

function refuse(facts: RequestFacts, grants: Grant[], reason: string): Decision {
  const audit = grants.filter((g) => g.enforcement === "audit");
  if (audit.length > 0) return auditAllow(facts, audit, reason);
  return denyL7(facts, grants, reason);
}

function allows(g: Grant, call: McpCall): boolean {
  const m = g.mcp!;
  if (m.allow.some((rule) => fires(rule, call))) return true;
  // The method profile allows every call, except a tools/call that some allow rule narrows.
  return m.allowAll && !(call.method === "tools/call" && m.narrowsTools);
}

function fires(m: CompiledMcpMatch, call: McpCall): boolean {
  if (!m.method(call.method)) return false;
  return m.tool === undefined || (call.tool !== undefined && m.tool(call.tool));
}

/** The call as a denial names it: only printable method names and strict-shaped tool names. */
export function summarizeCall(call: McpCall): McpCallSummary {
  const out: McpCallSummary = {};
  if (PRINTABLE.test(call.method)) out.method = call.method;
  if (call.tool !== undefined && STRICT_TOOL_NAME.test(call.tool)) out.tool = call.tool;
  return out;
}

function callText(call: McpCall): string {
  const s = summarizeCall(call);
  const method = s.method ?? "(unprintable method)";
  if (call.tool === undefined) return method;
  return `${method} ${s.tool ?? "(unprintable tool)"}`;
}

function named(d: Decision, call: McpCall, kind: Kind): Decision {
  if (d.verdict !== "deny") return d;
  const summary = summarizeCall(call);
  if (kind === "json-rpc") {
    d.jsonRpc = summary;
    if (d.ruleMissing) {
      d.ruleMissing = { ...d.ruleMissing, type: "json_rpc_allow", json_rpc: summary };
    }
    return d;
  }
  d.mcp = summary;
  if (d.ruleMissing) d.ruleMissing = { ...d.ruleMissing, type: "mcp_allow", mcp: summary };
  return d;
}
