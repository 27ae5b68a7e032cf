/**
 * One decision, rendered as one OCSF event: Network Activity (4001) for L4, HTTP Activity
 * (4002) for L7.
 *
 * @module
 */

import { type Decision, isIpLiteral, type RpcCallsSummary } from "../policy/mod.ts";
import { redactQueryStrings } from "./sanitize.ts";
import { OCSF_PRODUCT, OCSF_VERSION, type OcsfEndpoint, type OcsfEvent } from "./types.ts";

/** Facts about a decision that the decision itself does not hold. */
export interface DecisionEventMeta {
  /** Event time in ms since the epoch; defaults to now. */
  time?: number;
  /** Requesting process id. */
  pid?: number;
  /** Client's source port on the proxy listener. */
  srcPort?: number;
  /** Scheme of the inspected request; `http` when omitted (as OpenShell's L7 relay logs it). */
  scheme?: "http" | "https";
}

// OCSF HTTP Activity activity ids. A method outside the list is 99 Other.
const HTTP_ACTIVITIES: Record<string, [number, string]> = {
  CONNECT: [1, "Connect"],
  DELETE: [2, "Delete"],
  GET: [3, "Get"],
  HEAD: [4, "Head"],
  OPTIONS: [5, "Options"],
  POST: [6, "Post"],
  PUT: [7, "Put"],
  TRACE: [8, "Trace"],
  PATCH: [9, "Patch"],
};

/**
 * Build the OCSF event for a decision.
 *
 * L4 decisions are class 4001 with activity 1 Open. L7 decisions are class 4002 with the
 * activity named after the method (Get = 3, Put = 7, …; unknown methods 99 Other), so a SIEM
 * can filter writes without parsing the URL. Allowed: action/disposition 1, severity Info,
 * status Success. Denied: action 2 Denied, disposition 2 Blocked, severity Medium, status
 * Failure. The URL path never carries a query string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ocsfEventFromDecision } from "./decision_event.ts";
 * const e = ocsfEventFromDecision({
 *   verdict: "allow", layer: "l4", reason: "allowed", policy: "gh", host: "api.github.com", port: 443,
 * }, { time: 0 });
 * assert(e.type_uid === 400101 && e.action_id === 1);
 * ```
 */
export function ocsfEventFromDecision(
  decision: Decision,
  meta: DecisionEventMeta = {},
): OcsfEvent {
  const denied = decision.verdict === "deny";
  const l7 = decision.layer === "l7";
  const method = (decision.method ?? "GET").toUpperCase();
  const path = pathOnly(decision.path ?? "/");
  const target = l7
    ? `${method} ${hostPort(decision.host, decision.port)}${path}`
    : `CONNECT ${hostPort(decision.host, decision.port)}`;
  const [activityId, activityName] = l7 ? HTTP_ACTIVITIES[method] ?? OTHER : OPEN;
  const classUid = l7 ? 4002 : 4001;
  const className = l7 ? "HTTP Activity" : "Network Activity";
  const outcome = denied ? DENIED : ALLOWED;
  // One literal in the final key order (no spreads): this runs once per request.
  const event: OcsfEvent = {
    class_uid: classUid,
    class_name: className,
    category_uid: 4,
    category_name: "Network Activity",
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    type_name: `${className}: ${activityName}`,
    time: meta.time ?? Date.now(),
    severity_id: outcome.severity_id,
    severity: outcome.severity,
    status_id: outcome.status_id,
    status: outcome.status,
    action_id: outcome.action_id,
    action: outcome.action,
    disposition_id: outcome.disposition_id,
    disposition: outcome.disposition,
    message: `${denied ? "DENIED" : "ALLOWED"} ${target}`,
    status_detail: redactQueryStrings(decision.reason),
    metadata: { product: { ...OCSF_PRODUCT }, version: OCSF_VERSION },
    dst_endpoint: endpoint(decision.host, decision.port),
    firewall_rule: { name: decision.policy ?? "-", type: decision.layer },
    unmapped: { layer: decision.layer, ...(decision.audit ? { audit: true } : {}) },
  };
  if (meta.srcPort !== undefined) event.src_endpoint = { port: meta.srcPort };
  if (decision.binary !== undefined) {
    event.actor = { process: { name: decision.binary, ...pid(meta.pid) } };
  }
  if (l7 && decision.rpc !== undefined) event.unmapped!.jsonrpc = rpcFields(decision.rpc);
  if (l7) {
    event.http_request = {
      http_method: method,
      url: { scheme: meta.scheme ?? "http", hostname: decision.host, path, port: decision.port },
    };
  }
  return event;
}

/**
 * The JSON-RPC calls of an MCP or JSON-RPC request, as OpenShell's JSONRPC_L7_REQUEST names
 * them: the methods and the tool names, in order (names already made printable).
 */
function rpcFields(rpc: RpcCallsSummary): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    protocol: rpc.protocol,
    rule_methods: rpc.calls.map((c) => c.method ?? "?"),
  };
  // One entry per MCP tools/call, "?" for a name too odd to log, so each lines up with its call.
  const tools = rpc.protocol === "mcp"
    ? rpc.calls.filter((c) => c.method === "tools/call").map((c) => c.tool ?? "?")
    : [];
  if (tools.length > 0) fields.tools = tools;
  if (rpc.more !== undefined) fields.more_calls = rpc.more;
  return fields;
}

const OPEN: [number, string] = [1, "Open"];
const OTHER: [number, string] = [99, "Other"];

const ALLOWED = {
  severity_id: 1,
  severity: "Informational",
  status_id: 1,
  status: "Success",
  action_id: 1,
  action: "Allowed",
  disposition_id: 1,
  disposition: "Allowed",
} as const;

const DENIED = {
  severity_id: 3,
  severity: "Medium",
  status_id: 2,
  status: "Failure",
  action_id: 2,
  action: "Denied",
  disposition_id: 2,
  disposition: "Blocked",
} as const;

function endpoint(host: string, port: number): OcsfEndpoint {
  return isIpHost(host) ? { ip: host, port } : { domain: host, port };
}

function isIpHost(host: string): boolean {
  // Only an IPv6 literal has a colon and only an IPv4 literal ends in a digit among valid
  // hosts: most names need no parse.
  const last = host.charCodeAt(host.length - 1);
  return (host.includes(":") || (last >= 0x30 && last <= 0x39)) && isIpLiteral(host);
}

function pid(value: number | undefined): { pid?: number } {
  return value === undefined ? {} : { pid: value };
}

function pathOnly(path: string): string {
  // Defence in depth: a Decision's path has no query, but a log must never get one.
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
