/**
 * Many allowed decisions of one kind as one OCSF event (OCSF's aggregate `count`,
 * `start_time` and `end_time`), and what an event costs the log: the two ways a sandbox's
 * decisions are kept from filling the disk the log lives on.
 *
 * @module
 */

import type { Decision } from "../policy/mod.ts";
import { type DecisionEventMeta, ocsfEventFromDecision } from "./decision_event.ts";
import type { OcsfEvent } from "./types.ts";

/** What the summarised decisions add up to. */
export interface SummaryCounts {
  /** How many decisions. */
  count: number;
  /** What the client sent with them, bytes. */
  bytes: number;
  /** The first decision's time, ms since the epoch. */
  start: number;
  /** The last decision's time, ms since the epoch (the event's time). */
  end: number;
}

/**
 * The event of `counts.count` allowed decisions like `decision` (a WebSocket's messages under
 * one rule): the decision's own event, at the last one's time, with `count`, `start_time`,
 * `end_time` and `traffic.bytes_out`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryEvent } from "./summary_event.ts";
 * const e = summaryEvent({
 *   verdict: "allow", layer: "l7", reason: "allowed by policy 'chat'", policy: "chat",
 *   host: "chat.example.com", port: 443, method: "WEBSOCKET_TEXT", path: "/ws",
 * }, { count: 3, bytes: 12, start: 1, end: 5 });
 * assert.equal(e.count, 3);
 * assert.equal(e.time, 5);
 * assert.deepEqual(e.traffic, { bytes_out: 12 });
 * ```
 */
export function summaryEvent(
  decision: Decision,
  counts: SummaryCounts,
  meta: Omit<DecisionEventMeta, "time"> = {},
): OcsfEvent {
  const event = ocsfEventFromDecision(decision, { ...meta, time: counts.end });
  event.count = counts.count;
  event.start_time = counts.start;
  event.end_time = counts.end;
  event.traffic = { bytes_out: counts.bytes };
  return event;
}

// What a compact decision line holds besides its host, path, binary and reason: ids, time,
// metadata, the rule, the sandbox, the source port and the pid (about 300 bytes measured).
const LINE_BASE = 300;

/**
 * About how many bytes `event` adds to the log: its compact line, and a denial's copy in the
 * denials file. An estimate from the parts that vary with the request (host, path, binary, a
 * reason other than a plain allow's, JSON-RPC calls; no JSON is built for it), for pacing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logBytesOf, ocsfEventFromDecision } from "./mod.ts";
 * const allow = ocsfEventFromDecision({
 *   verdict: "allow", layer: "l4", reason: "allowed by policy 'gh'", policy: "gh",
 *   host: "api.github.com", port: 443,
 * });
 * assert.ok(logBytesOf(allow) > 200 && logBytesOf(allow) < 400);
 * assert.ok(logBytesOf({ ...allow, action_id: 2 }) > 2 * logBytesOf(allow));
 * ```
 */
export function logBytesOf(event: OcsfEvent): number {
  const host = event.dst_endpoint?.domain ?? event.dst_endpoint?.ip ?? "";
  const path = event.http_request?.url.path ?? "";
  const binary = event.actor?.process.name ?? "";
  const plainAllow = event.action_id === 1 && event.unmapped?.audit === undefined;
  const reason = plainAllow ? 0 : (event.status_detail?.length ?? 0);
  const line = LINE_BASE + host.length + path.length + binary.length + reason + rpcBytes(event);
  return event.action_id === 2 ? 2 * line : line;
}

/** The JSON-RPC calls an event names (up to 20 methods of 128 characters, and tools). */
function rpcBytes(event: OcsfEvent): number {
  const rpc = event.unmapped?.jsonrpc as Record<string, unknown> | undefined;
  if (rpc === undefined) return 0;
  let bytes = 64;
  for (const list of [rpc.rule_methods, rpc.tools]) {
    if (Array.isArray(list)) { for (const item of list) bytes += String(item).length + 3; }
  }
  return bytes;
}
