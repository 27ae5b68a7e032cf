/**
 * The one-line rendering of an OCSF event, as `tollgate logs` prints it and the text log
 * stores it.
 *
 * @module
 */

import { escapeControlChars, truncateChars } from "./sanitize.ts";
import type { OcsfEvent } from "./types.ts";

const SEVERITY_TAGS = ["[UNKNOWN]", "[INFO]", "[LOW]", "[MED]", "[HIGH]", "[CRIT]", "[FATAL]"];
const REASON_CHARS = 80;
const MESSAGE_CHARS = 500;
const HASH_CHARS = 12;

/**
 * Render an event as one line, e.g.
 * `HTTP:PUT [MED] DENIED PUT http://api.github.com:443/x [policy:gh_ro engine:l7] [reason:…]`,
 * `NET:OPEN [INFO] ALLOWED /usr/bin/curl(58) -> api.github.com:443 [policy:gh_ro engine:l4]`,
 * `CONFIG:LOADED [INFO] Policy reloaded successfully [version:2 hash:3f2a…]`.
 *
 * Every string taken from the event is stripped of control characters, so the result is
 * always exactly one line. Reasons are cut at 80 characters plus `...`; an allowed
 * audit-mode request carries the would-be denial as `[audit:…]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configEvent, renderShorthand } from "./mod.ts";
 * const line = renderShorthand(configEvent("LOADED", "Policy loaded", { revision: 1, hash: "ab" }));
 * assert.equal(line, "CONFIG:LOADED [INFO] Policy loaded [version:1 hash:ab]");
 * ```
 */
export function renderShorthand(event: OcsfEvent): string {
  switch (event.class_uid) {
    case 4001:
      return networkLine(event);
    case 4002:
      return httpLine(event);
    case 5019:
      return configLine(event);
    default:
      return `EVENT ${severityTag(event)} ${
        clean(truncateChars(String(event.message ?? ""), MESSAGE_CHARS))
      }`;
  }
}

function networkLine(e: OcsfEvent): string {
  const activity = clean(String(e.activity_name).toUpperCase());
  const dst = hostPort(e.dst_endpoint?.domain ?? e.dst_endpoint?.ip, e.dst_endpoint?.port);
  return `NET:${activity} ${severityTag(e)} ${action(e)} ${processTag(e) ?? "-"} -> ${dst}` +
    `${ruleTag(e)}${reasonTag(e)}`;
}

function httpLine(e: OcsfEvent): string {
  const req = e.http_request;
  const method = clean(req?.http_method ?? String(e.activity_name).toUpperCase());
  const proc = processTag(e);
  return `HTTP:${method} ${severityTag(e)} ${action(e)} ${proc ? `${proc} -> ` : ""}` +
    `${method} ${url(e)}${ruleTag(e)}${rpcTag(e)}${countTag(e)}${reasonTag(e)}`;
}

// A summary of many decisions (a WebSocket's allowed messages): `[count:812 bytes:40960]`.
function countTag(e: OcsfEvent): string {
  if (typeof e.count !== "number") return "";
  const bytes = typeof e.traffic?.bytes_out === "number" ? ` bytes:${e.traffic.bytes_out}` : "";
  return ` [count:${e.count}${bytes}]`;
}

// The JSON-RPC calls of an MCP or JSON-RPC request: `[json-rpc:reports.list,reports.search]`,
// `[mcp:tools/call read_status]` (tools shown after their tools/call, in order).
function rpcTag(e: OcsfEvent): string {
  const rpc = e.unmapped?.jsonrpc;
  if (typeof rpc !== "object" || rpc === null) return "";
  const { protocol, rule_methods: methods, tools, more_calls: more } = rpc as Record<
    string,
    unknown
  >;
  if (!Array.isArray(methods)) return "";
  const names = Array.isArray(tools) ? [...tools] : [];
  const calls = methods.map((m) =>
    m === "tools/call" && names.length > 0 ? `${m} ${names.shift()}` : String(m)
  );
  const rest = typeof more === "number" ? ` +${more}` : "";
  const text = truncateChars(calls.join(","), REASON_CHARS);
  return ` [${clean(String(protocol ?? "rpc"))}:${clean(text)}${rest}]`;
}

function configLine(e: OcsfEvent): string {
  const u = e.unmapped ?? {};
  const state = clean(String(u.config_state ?? e.state ?? "UNKNOWN"));
  const tags: string[] = [];
  if (u.policy_version !== undefined) tags.push(`version:${clean(String(u.policy_version))}`);
  if (typeof u.hash === "string") tags.push(`hash:${clean(u.hash.slice(0, HASH_CHARS))}`);
  if (typeof u.policy === "string") tags.push(`policy:${clean(u.policy)}`);
  if (typeof u.proposal_id === "string") tags.push(`proposal:${clean(u.proposal_id)}`);
  const message = clean(truncateChars(String(e.message ?? ""), MESSAGE_CHARS));
  return `CONFIG:${state} ${severityTag(e)} ${message}${tags.length ? ` [${tags.join(" ")}]` : ""}`;
}

function severityTag(e: OcsfEvent): string {
  return SEVERITY_TAGS[e.severity_id] ?? "[UNKNOWN]";
}

function action(e: OcsfEvent): string {
  if (e.action_id === 1) return "ALLOWED";
  if (e.action_id === 2) return "DENIED";
  return clean(String(e.action ?? "UNKNOWN").toUpperCase());
}

function processTag(e: OcsfEvent): string | undefined {
  const p = e.actor?.process;
  if (p === undefined) return undefined;
  return `${clean(p.name)}${p.pid === undefined ? "" : `(${p.pid})`}`;
}

function url(e: OcsfEvent): string {
  const u = e.http_request?.url;
  if (u === undefined) return hostPort(e.dst_endpoint?.domain ?? e.dst_endpoint?.ip, undefined);
  const defaultPort = u.scheme === "https" ? 443 : 80;
  const host = String(u.hostname).includes(":") ? `[${u.hostname}]` : u.hostname;
  const port = u.port === defaultPort ? "" : `:${u.port}`;
  return clean(`${u.scheme}://${host}${port}${u.path}`);
}

function ruleTag(e: OcsfEvent): string {
  const rule = e.firewall_rule;
  return ` [policy:${clean(rule?.name ?? "-")} engine:${clean(rule?.type ?? "-")}]`;
}

function reasonTag(e: OcsfEvent): string {
  const reason = String(e.status_detail ?? e.message ?? "");
  if (e.action_id === 2) return ` [reason:${clean(truncateChars(reason, REASON_CHARS))}]`;
  if (e.unmapped?.audit === true) return ` [audit:${clean(truncateChars(reason, REASON_CHARS))}]`;
  return "";
}

function hostPort(host: string | undefined, port: number | undefined): string {
  const h = clean(host ?? "-");
  const bracketed = h.includes(":") ? `[${h}]` : h;
  return port === undefined ? bracketed : `${bracketed}:${port}`;
}

// Events read back from a file may not match their type: coerce before escaping.
function clean(text: unknown): string {
  return escapeControlChars(String(text));
}
