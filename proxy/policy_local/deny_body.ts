/**
 * The structured 403 an agent receives when the proxy denies a request: the refused request,
 * the rule it would need, and what to do next.
 *
 * @module
 */

import type {
  Decision,
  GraphqlOperationSummary,
  McpCallSummary,
  RuleMissing,
} from "../policy/mod.ts";
import { AGENT_GUIDANCE, denyNextSteps, type NextStep } from "./next_steps.ts";
import { policyLocalUrl, ROUTE_SKILL } from "./routes.ts";
import type { RenderedResponse } from "./rendered_response.ts";

/** Options of {@linkcode renderDenyResponse}. */
export interface DenyOptions {
  /** Where the skill file lives inside the sandbox (named in `next_steps`). */
  skillPath: string;
}

/** The JSON body of the structured 403 (optional fields are omitted, never null). */
export interface DenyBody {
  /** Always `policy_denied`. */
  error: "policy_denied";
  /** Rule key that matched or came closest; omitted when none. */
  policy?: string;
  /** `<METHOD> <path>` (L7) or `CONNECT host:port` (L4). */
  rule: string;
  /** The engine's reason. */
  detail: string;
  /** L4: the engine's reason again, under the name OpenShell's CONNECT 403 gives it (#2363). */
  reason?: string;
  /** Layer that denied. */
  layer: "l4" | "l7";
  /** `rest`, `graphql`, `mcp` or `json-rpc` for L7 denials. */
  protocol?: "rest" | "graphql" | "mcp" | "json-rpc";
  /** The GraphQL operation refused (`protocol: graphql`). */
  operation?: GraphqlOperationSummary;
  /** The MCP call refused (`protocol: mcp`): its JSON-RPC method and tool, when printable. */
  mcp?: McpCallSummary;
  /** The JSON-RPC call refused (`protocol: json-rpc`): its method, when printable. */
  json_rpc?: McpCallSummary;
  /** HTTP method (L7). */
  method?: string;
  /** File path of the skill inside the sandbox (`read_skill`); for L7, the denied path without query. */
  path?: string;
  /** Destination host. */
  host: string;
  /** Destination port. */
  port: number;
  /** Executable that made the request. */
  binary?: string;
  /** The rule the agent would need. */
  rule_missing: RuleMissing;
  /** What to do next, always present. */
  next_steps: NextStep[];
  /** One sentence on the workflow. */
  agent_guidance: string;
  /**
   * One line for tools that print an API error's `message` and nothing else of the body (`gh`:
   * "HTTP 403: <message> (url)", Octokit's `RequestError`): what was refused, by whom, where to
   * read on. Not in OpenShell's body, which such tools show as a bare "HTTP 403".
   */
  message: string;
}

/**
 * Render the structured 403 for a denied decision (L7 or L4).
 *
 * The body names the missing rule and the next steps, built from the same route constants
 * the policy.local app dispatches on. The path never carries a query string: even though a
 * `Decision` holds none, anything after `?` or `#` is dropped here too.
 *
 * @param decision A decision whose verdict is `deny`.
 * @param options Where the skill lives inside the sandbox.
 * @returns Status 403, the three fixed headers and the JSON body.
 * @throws {TypeError} When the decision allows the request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDenyResponse } from "./deny_body.ts";
 * const res = renderDenyResponse({
 *   verdict: "deny", layer: "l4", reason: "no matching policy", host: "example.com", port: 443,
 * }, { skillPath: "/etc/tollgate/skills/policy_advisor.md" });
 * assert(res.status === 403 && JSON.parse(res.body).rule === "CONNECT example.com:443");
 * assert.equal(
 *   JSON.parse(res.body).message,
 *   "Tollgate policy denied CONNECT example.com:443: no matching policy; " +
 *     "read http://policy.local/v1/skill to propose a rule",
 * );
 * ```
 */
export function renderDenyResponse(decision: Decision, options: DenyOptions): RenderedResponse {
  if (decision.verdict !== "deny") {
    throw new TypeError(`Cannot render a deny response for a "${decision.verdict}" decision`);
  }
  const body = denyBody(decision, options);
  const policy = headerSafe(decision.policy) ?? "-";
  return {
    status: 403,
    headers: {
      "Content-Type": "application/json",
      "X-Tollgate-Policy": policy,
      // OpenShell's name for the same value, for harnesses written against it.
      "X-OpenShell-Policy": policy,
      "Connection": "close",
    },
    body: JSON.stringify(body),
  };
}

function denyBody(decision: Decision, options: DenyOptions): DenyBody {
  const l7 = decision.layer === "l7";
  const method = l7 ? decision.method?.toUpperCase() : undefined;
  const path = l7 ? pathOnly(decision.path) : undefined;
  const rule = l7
    ? `${method ?? "-"} ${path ?? "/"}`
    : `CONNECT ${hostPort(decision.host, decision.port)}`;
  const detail = withoutQueries(decision.reason);
  return omitUndefined({
    error: "policy_denied",
    policy: decision.policy,
    rule,
    detail,
    reason: l7 ? undefined : detail,
    layer: decision.layer,
    protocol: l7 ? protocolOf(decision) : undefined,
    operation: l7 ? decision.graphql : undefined,
    mcp: l7 ? decision.mcp : undefined,
    json_rpc: l7 ? decision.jsonRpc : undefined,
    method,
    path,
    host: decision.host,
    port: decision.port,
    binary: decision.binary,
    rule_missing: ruleMissing(decision, method, path),
    next_steps: denyNextSteps(options.skillPath),
    agent_guidance: AGENT_GUIDANCE,
    message: `Tollgate policy denied ${rule}${decision.binary ? ` for ${decision.binary}` : ""}: ` +
      `${detail}; read ${policyLocalUrl(ROUTE_SKILL)} to propose a rule`,
  });
}

function ruleMissing(
  decision: Decision,
  method: string | undefined,
  path: string | undefined,
): DenyBody["rule_missing"] {
  const hint = decision.ruleMissing;
  const layer = hint?.layer ?? decision.layer;
  const l7 = layer === "l7";
  return omitUndefined({
    type: hint?.type ?? (l7 ? "rest_allow" : "l4_allow"),
    layer,
    method: l7 ? (hint?.method?.toUpperCase() ?? method) : undefined,
    path: l7 ? (pathOnly(hint?.path) ?? path) : undefined,
    host: hint?.host ?? decision.host,
    port: hint?.port ?? decision.port,
    binary: hint?.binary ?? decision.binary,
    operation: l7 ? hint?.operation : undefined,
    mcp: l7 ? hint?.mcp : undefined,
    json_rpc: l7 ? hint?.json_rpc : undefined,
  });
}

function protocolOf(decision: Decision): DenyBody["protocol"] {
  if (decision.graphql) return "graphql";
  if (decision.mcp) return "mcp";
  return decision.jsonRpc ? "json-rpc" : "rest";
}

function pathOnly(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  // Defence in depth: a query or fragment may hold a token and must never reach the agent.
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

function withoutQueries(text: string): string {
  return text.replace(/[?#][^\s\]]*/g, "");
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function headerSafe(value: string | undefined): string | undefined {
  return value !== undefined && /^[\x21-\x7e]{1,200}$/.test(value) ? value : undefined;
}

function omitUndefined<T extends object>(value: T): T {
  // A loop, not Object.fromEntries(Object.entries().filter()): three arrays fewer per 403.
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}
